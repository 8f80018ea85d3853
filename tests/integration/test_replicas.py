"""Several server replicas on one PostgreSQL database, as separate processes on 127.0.0.1.

Workers connect to one replica; callers use any. What one replica commits reaches the watchers and
waiters of another through LISTEN/NOTIFY; tasks created anywhere run on whichever replica has a worker;
a replica killed with SIGKILL loses nothing that was acknowledged. Tasks wait at gate files the tests
open, so nothing sleeps to wait for an event.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import psycopg
import pytest
from google.protobuf import duration_pb2

from taskstream.v1 import instance_pb2, schedule_pb2, task_pb2
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc
from taskstream.v1 import schedule_service_pb2 as spb
from taskstream.v1 import schedule_service_pb2_grpc as spb_grpc
from taskstream.v1 import task_pb2 as tpb
from taskstreamd.core.ownership import shard_of
from tests.integration.conftest import eventually
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerProcess
from tests.support.workers import WorkerProcess

PROJECT = "projects/replicas"
TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED
SUCCESS = tpb.TASK_STATUS_SUCCESS


class Replicas:
    """Server processes sharing one fresh database, with stubs to call them; stopped at the end."""

    def __init__(self, postgres: PostgresCluster, root: Path) -> None:
        self.url = postgres.create_database()
        self.root = root
        self.servers: list[ServerProcess] = []
        self.workers: list[WorkerProcess] = []
        self.channels: list[grpc.Channel] = []

    def start(self, name: str, workers: int = 0, options: tuple[str, ...] = ()) -> ServerProcess:
        server = ServerProcess(
            self.root / name, "--db", self.url, "--grace-period", "1", *options, workers=workers
        )
        self.servers.append(server.start())
        return server

    def worker(self, servers: str, slots: int = 1) -> WorkerProcess:
        name = f"replica-worker-{len(self.workers)}"
        worker = WorkerProcess(servers, name, "--slots", str(slots)).start()
        self.workers.append(worker)
        return worker

    def stub(self, server: ServerProcess) -> pb_grpc.InstanceServiceStub:
        channel = grpc.insecure_channel(server.address)
        self.channels.append(channel)
        return pb_grpc.InstanceServiceStub(channel)

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
        for worker in self.workers:
            worker.stop()
        for server in self.servers:
            if server.process is not None and server.process.poll() is None:
                server.stop()


@pytest.fixture
def replicas(postgres: PostgresCluster, tmp_path: Path) -> Iterator[Replicas]:
    group = Replicas(postgres, tmp_path)
    try:
        yield group
    finally:
        group.close()


def create(
    stub: pb_grpc.InstanceServiceStub, task_type: str, *, hold: bool = False, **params: object
) -> instance_pb2.Instance:
    spec = task_pb2.TaskSpec(type=task_type, parameters_json=json.dumps(params))
    request = pb.CreateInstanceRequest(parent=PROJECT, tasks=[spec], hold=hold)
    return stub.CreateInstance(request, timeout=30).instance


def seconds(value: float) -> duration_pb2.Duration:
    return duration_pb2.Duration(seconds=int(value))


def event_kind(message: pb.WatchInstanceResponse) -> str:
    return message.event.WhichOneof("change") if message.WhichOneof("kind") == "event" else ""


def status_changes(messages: list[pb.WatchInstanceResponse]) -> list[tuple[int, str, int]]:
    """(seq, change, new status) of every status event, in stream order."""
    found = []
    for m in messages:
        if event_kind(m) == "task_status_changed":
            found.append((m.event.seq, "task", m.event.task_status_changed.task.status))
        elif event_kind(m) == "instance_status_changed":
            found.append((m.event.seq, "instance", m.event.instance_status_changed.status))
    return found


def replay(
    stub: pb_grpc.InstanceServiceStub, name: str, after_seq: int = 0
) -> list[pb.WatchInstanceResponse]:
    """A watch of a terminated instance: its whole log after ``after_seq`` and the terminal snapshot."""
    return list(stub.WatchInstance(pb.WatchInstanceRequest(name=name, after_seq=after_seq), timeout=60))


@pytest.mark.timeout(120)
def test_a_watcher_and_a_waiter_on_one_replica_follow_a_task_run_by_a_worker_of_another(
    replicas: Replicas, tmp_path: Path
) -> None:
    a, b = replicas.start("a"), replicas.start("b")
    replicas.worker(b.address)  # the only worker: every task runs through replica B
    stub_a, stub_b = replicas.stub(a), replicas.stub(b)
    gates = tmp_path / "gates"
    gates.mkdir()
    instance = create(stub_a, "steps", hold=True, gates=str(gates), count=3)

    # A waits far longer than this test may run: only B's commit, heard through A, can end the wait.
    with ThreadPoolExecutor(2) as pool:
        wait = pool.submit(
            stub_a.WaitInstance, pb.WaitInstanceRequest(name=instance.name, timeout=seconds(600)), timeout=650
        )
        names = [instance.name, create(stub_b, "echo", n=1).name]
        wait_all = pool.submit(
            stub_a.WaitInstances,
            pb.WaitInstancesRequest(names=names, mode=pb.WAIT_MODE_ALL, timeout=seconds(600)),
            timeout=650,
        )
        live: list[pb.WatchInstanceResponse] = []
        steps_seen: list[int] = []
        watch = stub_a.WatchInstance(pb.WatchInstanceRequest(name=instance.name), timeout=100)
        for message in watch:
            live.append(message)
            if len(live) == 1:
                assert message.WhichOneof("kind") == "snapshot"
                stub_a.ResumeInstance(pb.ResumeInstanceRequest(name=instance.name), timeout=30)
            if event_kind(message) == "task_progress_updated":
                # The task waits at this gate until A has shown its progress: the report went worker ->
                # replica B -> PostgreSQL -> NOTIFY -> replica A -> this stream.
                step = int(message.event.task_progress_updated.progress.message.split()[1])
                steps_seen.append(step)
                (gates / str(step)).touch()
        waited, waited_all = wait.result(), wait_all.result()

    assert steps_seen == [0, 1, 2]
    assert waited.terminated and waited.instance.status == TERMINATED
    assert waited_all.done and [i.status for i in waited_all.instances] == [TERMINATED, TERMINATED]
    final = live[-1]
    assert final.WhichOneof("kind") == "snapshot" and final.snapshot.status == TERMINATED
    assert final.snapshot.tasks[0].status == SUCCESS
    seqs = [m.event.seq for m in live if m.WhichOneof("kind") == "event"]
    assert seqs == sorted(set(seqs))  # in order, no repeats

    # The live stream on A saw every status change, exactly as B's log has them after the first one.
    statuses = status_changes(live)
    assert [s for _, kind, s in statuses if kind == "task"] == [
        tpb.TASK_STATUS_WAITING,
        tpb.TASK_STATUS_ASSIGNED,
        tpb.TASK_STATUS_RUNNING,
        SUCCESS,
    ]
    assert statuses[1:] == status_changes(replay(stub_b, instance.name, statuses[0][0]))
    # Resuming on A after a cursor gives what B has after it.
    cursor = statuses[1][0]
    resumed_a = [m for m in replay(stub_a, instance.name, cursor) if m.WhichOneof("kind") == "event"]
    resumed_b = [m for m in replay(stub_b, instance.name, cursor) if m.WhichOneof("kind") == "event"]
    assert [m.event.SerializeToString() for m in resumed_a] == [
        m.event.SerializeToString() for m in resumed_b
    ]
    assert resumed_a and resumed_a[0].event.seq > cursor


@pytest.mark.timeout(180)
def test_many_tasks_created_on_both_replicas_each_run_exactly_once(
    replicas: Replicas, tmp_path: Path
) -> None:
    a, b = replicas.start("a", workers=2), replicas.start("b", workers=2)
    stubs = [replicas.stub(a), replicas.stub(b)]
    runs = tmp_path / "runs"
    runs.mkdir()
    count = 60

    def run(i: int) -> instance_pb2.Instance:
        # Each run creates a file of its own; a second run of the same task would find it there and fail.
        return create(stubs[i % 2], "exclusive", path=str(runs / str(i)))

    with ThreadPoolExecutor(8) as pool:
        instances = list(pool.map(run, range(count)))
    names = [i.name for i in instances]
    done = stubs[1].WaitInstances(
        pb.WaitInstancesRequest(names=names, mode=pb.WAIT_MODE_ALL, timeout=seconds(150)), timeout=170
    )
    assert done.done
    for found in done.instances:
        assert found.status == TERMINATED
        assert found.tasks[0].status == SUCCESS, found.tasks[0].error.message
        assert found.tasks[0].attempts == 1
    assert sorted(int(p.name) for p in runs.iterdir()) == list(range(count))


@pytest.mark.timeout(180)
def test_work_of_a_killed_replica_finishes_on_another_once_its_worker_reconnects(
    replicas: Replicas, tmp_path: Path
) -> None:
    a, b = replicas.start("a"), replicas.start("b")
    replicas.worker(f"{a.address},{b.address}")  # on A first; fails over to B
    stub_a, stub_b = replicas.stub(a), replicas.stub(b)
    gate, started = tmp_path / "gate", tmp_path / "started"
    running = create(stub_a, "gate", path=str(gate), started=str(started))
    eventually(started.exists, timeout=60, what="the task to start on the worker of replica A")
    queued = create(stub_a, "echo", kept=True)  # acknowledged by A, waiting for the busy worker

    watched: list[pb.WatchInstanceResponse] = []
    watching = threading.Event()

    def follow() -> None:
        for message in stub_b.WatchInstance(pb.WatchInstanceRequest(name=running.name), timeout=170):
            watched.append(message)
            watching.set()

    follower = threading.Thread(target=follow)
    follower.start()
    assert watching.wait(30)
    assert a.process is not None
    a.process.kill()  # mid-run: the task waits at its gate, the echo waits for the worker
    a.process.wait(timeout=30)
    # A call B forwards to the dead owner (until B takes its shards over) fails as retryable, never as
    # INTERNAL; after the takeover B answers itself (the instance runs: nothing to resume).
    with pytest.raises(grpc.RpcError) as refused:
        stub_b.ResumeInstance(pb.ResumeInstanceRequest(name=queued.name), timeout=30)
    assert refused.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.FAILED_PRECONDITION)
    gate.write_text("open")  # for the retry: the worker killed the first attempt when A went away

    waited = stub_b.WaitInstances(
        pb.WaitInstancesRequest(
            names=[running.name, queued.name], mode=pb.WAIT_MODE_ALL, timeout=seconds(150)
        ),
        timeout=170,
    )
    follower.join(timeout=60)
    assert waited.done
    first, second = waited.instances
    assert first.tasks[0].status == SUCCESS and second.tasks[0].status == SUCCESS
    assert first.tasks[0].attempts == 2 and second.tasks[0].attempts == 1
    seen = [
        m.event.task_status_changed.task.status for m in watched if event_kind(m) == "task_status_changed"
    ]
    assert tpb.TASK_STATUS_INTERRUPTED in seen  # B's watcher saw A's task lost and retried
    result = stub_b.GetTaskResult(pb.GetTaskResultRequest(instance=queued.name), timeout=30)
    assert json.loads(result.result.json) == {"kept": True}
    assert watched[-1].WhichOneof("kind") == "snapshot" and watched[-1].snapshot.status == TERMINATED


@pytest.mark.timeout(120)
def test_suspend_resume_and_stop_on_one_replica_reach_a_worker_connected_to_another(
    replicas: Replicas, tmp_path: Path
) -> None:
    a, b = replicas.start("a"), replicas.start("b")
    replicas.worker(b.address)
    stub_a = replicas.stub(a)
    gates = tmp_path / "gates"
    gates.mkdir()
    # Both instances are held until their watch has its first snapshot, so every change after that one
    # reaches the watch as an event: a task that ran before the watch opened would show its step or its
    # start in the snapshot only, and the test would wait for an event that never comes.
    paused = create(stub_a, "steps", hold=True, gates=str(gates), count=2)
    stopped = create(stub_a, "wait_cancel", hold=True, limit=100)

    # The task reports step 0 and waits at gate 0; A suspends it (B forwards the pause to the worker)
    # and resumes it, then the gates open: the task finishes only if the resume reached the worker too.
    watch = stub_a.WatchInstance(pb.WatchInstanceRequest(name=paused.name), timeout=100)
    statuses = []
    asked = False
    for i, message in enumerate(watch):
        if i == 0:
            stub_a.ResumeInstance(pb.ResumeInstanceRequest(name=paused.name), timeout=30)
        if event_kind(message) == "task_progress_updated" and not asked:
            asked = True
            stub_a.SuspendInstance(pb.SuspendInstanceRequest(name=paused.name), timeout=30)
        if event_kind(message) == "task_status_changed":
            status = message.event.task_status_changed.task.status
            statuses.append(status)
            if status == tpb.TASK_STATUS_SUSPENDED and statuses.count(status) == 1:
                stub_a.ResumeInstance(pb.ResumeInstanceRequest(name=paused.name), timeout=30)
                (gates / "0").touch()
                (gates / "1").touch()
    assert tpb.TASK_STATUS_SUSPENDED in statuses and statuses[-1] == SUCCESS

    # wait_cancel ends (well before its limit) only when its worker gets the cancellation A recorded.
    watch = stub_a.WatchInstance(pb.WatchInstanceRequest(name=stopped.name), timeout=100)
    for i, message in enumerate(watch):
        if i == 0:
            stub_a.ResumeInstance(pb.ResumeInstanceRequest(name=stopped.name), timeout=30)
        running = event_kind(message) == "task_status_changed" and (
            message.event.task_status_changed.task.status == tpb.TASK_STATUS_RUNNING
        )
        if running:
            stub_a.StopInstance(
                pb.StopInstanceRequest(
                    name=stopped.name, reason=tpb.CANCELLATION_REASON_DIRECT, message="from replica A"
                ),
                timeout=30,
            )
    final = stub_a.GetTaskResult(pb.GetTaskResultRequest(instance=stopped.name), timeout=30)
    assert final.task.status == tpb.TASK_STATUS_CANCELLED
    assert final.task.cancellation.message == "from replica A"
    assert "saw cancellation" in (final.result.text or final.result.json)  # cooperatively, not killed


def project_changes(messages: list[pb.WatchInstancesResponse]) -> list[tuple[int, str, str]]:
    """(project seq, instance id, change) of every event of a project watch."""
    found = []
    for m in messages:
        if m.WhichOneof("kind") == "event":
            kind = m.event.WhichOneof("change") or ""
            if kind == "instance_status_changed":
                kind = instance_pb2.InstanceStatus.Name(m.event.instance_status_changed.status)
            found.append((m.event.seq, m.event.instance.instance.id, kind))
    return found


@pytest.mark.timeout(120)
def test_a_project_watch_on_one_replica_follows_what_both_commit_and_resumes_on_the_other(
    replicas: Replicas,
) -> None:
    a, b = replicas.start("a"), replicas.start("b")
    replicas.worker(b.address)
    stub_a, stub_b = replicas.stub(a), replicas.stub(b)
    watch = stub_a.WatchInstances(pb.WatchInstancesRequest(parent=PROJECT), timeout=100)
    first = next(watch)
    assert first.WhichOneof("kind") == "snapshot"
    # One instance created through each replica: their changes are numbered in one sequence.
    created = [create(stub_b, "echo", n=1), create(stub_a, "echo", n=2)]
    for instance in created:
        stub_b.WaitInstance(pb.WaitInstanceRequest(name=instance.name, timeout=seconds(60)), timeout=70)
    live: list[pb.WatchInstancesResponse] = []
    for message in watch:
        live.append(message)
        if len(project_changes(live)) == 4:
            break
    watch.cancel()
    changes = project_changes(live)
    start = first.snapshot.seq
    assert [seq for seq, _, _ in changes] == list(range(start + 1, start + 5))
    assert {(i, k) for _, i, k in changes} == {
        (i.id, k) for i in created for k in ("instance_created", "INSTANCE_STATUS_TERMINATED")
    }
    # The cursor of A's stream resumes on B with what A sent after it.
    resumed = stub_b.WatchInstances(
        pb.WatchInstancesRequest(parent=PROJECT, after_seq=changes[1][0]), timeout=60
    )
    more: list[pb.WatchInstancesResponse] = []
    for message in resumed:
        more.append(message)
        if len(project_changes(more)) == 2:
            break
    resumed.cancel()
    assert project_changes(more) == changes[2:]


@pytest.mark.timeout(180)
def test_a_schedule_fires_on_one_replica_only_and_goes_on_where_its_owner_died(replicas: Replicas) -> None:
    a, b = replicas.start("a", workers=1), replicas.start("b", workers=1)
    schedules = {
        server.address: spb_grpc.ScheduleServiceStub(grpc.insecure_channel(server.address))
        for server in (a, b)
    }
    name = "projects/replicas/schedules/ticks"
    schedule = schedule_pb2.Schedule(
        interval=seconds(1),
        instance_template=schedule_pb2.InstanceTemplate(tasks=[task_pb2.TaskSpec(type="noop")]),
        overlap_policy=schedule_pb2.OVERLAP_POLICY_ALLOW,
        catch_up_window=seconds(600),
    )
    database = replicas.url.replace("postgresql+psycopg", "postgresql")

    def owner_address() -> str:
        with psycopg.connect(database) as db:
            row = db.execute("SELECT address FROM shards WHERE shard = %s", (shard_of(name),)).fetchone()
        return str(row[0]) if row is not None else ""

    # Created through the replica that does not own it, which forwards the call to the owner. While the
    # replicas that just started share out the shards, ownership may move: UNAVAILABLE, retried with the
    # same request_id.
    request = spb.CreateScheduleRequest(
        parent=PROJECT, schedule_id="ticks", schedule=schedule, request_id="create-ticks"
    )
    answers: list[schedule_pb2.Schedule] = []

    def create_ticks() -> bool:
        owner = owner_address()
        if owner not in (a.address, b.address):
            return False
        other = b if owner == a.address else a
        try:
            user = (("x-taskstream-user", "carol"),)
            answers.append(
                schedules[other.address].CreateSchedule(request, metadata=user, timeout=30).schedule
            )
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:  # type: ignore[attr-defined]
                raise
            return False
        return True

    eventually(create_ticks, timeout=60, what="the schedule's shard to have an owner")
    (created,) = answers
    assert created.owner == "carol"  # also when A forwarded the call to the schedule's owner
    readers = [replicas.stub(a), replicas.stub(b)]  # the survivor's only, once the owner is gone

    def fire_times() -> list[str]:
        listed = readers[-1].ListInstances(
            pb.ListInstancesRequest(parent=PROJECT, labels={"taskstream.schedule": "ticks"}, page_size=1000),
            timeout=30,
        )
        return sorted(i.labels["taskstream.fire_time"] for i in listed.instances)

    eventually(lambda: len(fire_times()) >= 3, timeout=60, what="three firings")
    owner = a if owner_address() == a.address else b
    survivor = b if owner is a else a
    readers[:] = [replicas.stub(survivor)]
    before = len(fire_times())
    assert owner.process is not None
    owner.process.kill()  # the survivor takes the schedule's shard over once its lease runs out
    owner.process.wait(timeout=30)
    eventually(lambda: len(fire_times()) >= before + 8, timeout=90, what="firings on the survivor")
    times = [dt.datetime.fromisoformat(t) for t in fire_times()]
    start = created.create_time.ToDatetime(tzinfo=dt.UTC)
    assert times == [start + dt.timedelta(seconds=k) for k in range(1, len(times) + 1)]  # once each
    after = schedules[survivor.address].GetSchedule(spb.GetScheduleRequest(name=name), timeout=30).schedule
    assert after.fire_count >= len(times) and after.miss_count == 0


def others_wait(stubs: list[pb_grpc.InstanceServiceStub], names: list[str], skip: set[str]) -> bool:
    """Whether every task of ``names`` (the i-th owned by ``stubs[i % 2]``) but those numbered in ``skip``
    is WAITING for a concurrency limit, asked of its owner."""
    for i, name in enumerate(names):
        task = stubs[i % 2].GetInstance(pb.GetInstanceRequest(name=name), timeout=30).instance.tasks[0]
        if str(i) not in skip and task.waiting_reason != tpb.WAITING_REASON_CONCURRENCY_LIMIT:
            return False
    return True


@pytest.mark.timeout(180)
def test_a_concurrency_limit_holds_across_replicas(replicas: Replicas, tmp_path: Path) -> None:
    a, b = replicas.start("a", workers=2), replicas.start("b", workers=2)
    stubs = [replicas.stub(a), replicas.stub(b)]
    gates, started = tmp_path / "gates", tmp_path / "started"
    gates.mkdir()
    started.mkdir()
    names = []
    for i in range(4):  # two instances owned by each replica, each with a worker of its own free
        spec = task_pb2.TaskSpec(
            type="gate",
            parameters_json=json.dumps({"path": str(gates / str(i)), "started": str(started / str(i))}),
            concurrency_key="warehouse",
            concurrency_limit=1,
        )
        request = pb.CreateInstanceRequest(parent=PROJECT, tasks=[spec])
        names.append(stubs[i % 2].CreateInstance(request, timeout=30).instance.name)

    opened: set[str] = set()
    for _ in range(4):
        # Exactly one more starts, and the others say they wait for the limit, on either replica.
        eventually(lambda: len(list(started.iterdir())) == len(opened) + 1, timeout=60, what="one more start")
        (running,) = {p.name for p in started.iterdir()} - opened
        skip = opened | {running}
        eventually(
            lambda s=skip: others_wait(stubs, names, s), timeout=30, what="the others to wait for the limit"
        )
        assert len(list(started.iterdir())) == len(opened) + 1  # still only one running
        (gates / running).touch()
        opened.add(running)
    done = stubs[0].WaitInstances(
        pb.WaitInstancesRequest(names=names, mode=pb.WAIT_MODE_ALL, timeout=seconds(60)), timeout=70
    )
    assert done.done and all(i.tasks[0].status == SUCCESS for i in done.instances)


def test_an_instance_deleted_through_another_replica_is_gone_from_its_owner_too(replicas: Replicas) -> None:
    a, b = replicas.start("a", workers=1), replicas.start("b")
    stub_a, stub_b = replicas.stub(a), replicas.stub(b)
    instance = create(stub_a, "noop")  # owned by A, which created it
    done = stub_a.WaitInstance(pb.WaitInstanceRequest(name=instance.name, timeout=seconds(60)), timeout=70)
    assert done.instance.status == TERMINATED
    # A keeps the instance that just ended at hand, with its answer; B deletes it: A must not answer for it.
    assert (
        stub_a.GetInstance(pb.GetInstanceRequest(name=instance.name), timeout=30).instance.status
        == TERMINATED
    )
    stub_b.DeleteInstance(pb.DeleteInstanceRequest(name=instance.name), timeout=30)
    for stub in (stub_a, stub_b):
        with pytest.raises(grpc.RpcError) as gone:
            stub.GetInstance(pb.GetInstanceRequest(name=instance.name), timeout=30)
        assert gone.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as again:
            stub.DeleteInstance(pb.DeleteInstanceRequest(name=instance.name), timeout=30)
        assert again.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.timeout(180)
def test_a_type_limit_holds_across_replicas(replicas: Replicas, tmp_path: Path) -> None:
    limit, count = 2, 5
    options = ("--type-limit", f"gate={limit}")  # each replica is told the same limit
    a, b = replicas.start("a", workers=2, options=options), replicas.start("b", workers=2, options=options)
    stubs = [replicas.stub(a), replicas.stub(b)]
    gates, started = tmp_path / "gates", tmp_path / "started"
    gates.mkdir()
    started.mkdir()
    names = []
    for i in range(count):  # owned by both replicas, whose four free slots could run four at once
        gate = create(stubs[i % 2], "gate", path=str(gates / str(i)), started=str(started / str(i)))
        names.append(gate.name)

    opened: set[str] = set()

    def within_limit() -> int:
        """How many tasks run now (each opened one has ended or ends at once); never more than the limit."""
        running = len(list(started.iterdir())) - len(opened)
        assert running <= limit, f"{running} tasks of a type limited to {limit} run at once"
        return running

    while len(opened) < count:
        # As many start as the limit lets run (fewer at the end), and the others say they wait for it.
        running_now = min(limit, count - len(opened))

        def started_all(n: int = running_now) -> bool:
            return within_limit() == n

        eventually(started_all, timeout=60, what=f"{running_now} running")
        running = {p.name for p in started.iterdir()} - opened

        def others_held(skip: set[str] = opened | running) -> bool:
            return started_all() and others_wait(stubs, names, skip)

        eventually(others_held, timeout=30, what="the others to wait for the limit")
        first = min(running)
        (gates / first).touch()  # one ends; the next may take its place
        opened.add(first)
    done = stubs[0].WaitInstances(
        pb.WaitInstancesRequest(names=names, mode=pb.WAIT_MODE_ALL, timeout=seconds(60)), timeout=70
    )
    assert done.done and all(i.tasks[0].status == SUCCESS for i in done.instances)
    # As the tasks' own times tell: never more than the limit running at once, on both replicas together.
    changes = sorted(
        (stamp.ToDatetime(), delta)
        for i in done.instances
        for stamp, delta in ((i.tasks[0].start_time, 1), (i.tasks[0].end_time, -1))
    )  # an end sorts before a start at the same instant
    running_at = [sum(delta for _, delta in changes[: k + 1]) for k in range(len(changes))]
    assert max(running_at) == limit
