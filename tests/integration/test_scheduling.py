"""Scheduling semantics against a real server with real workers, on SQLite and PostgreSQL (issue 22):
retry policies, dependencies, a start time, cancelling one task, deleting an instance and retention of its
own, concurrency limits, reasons to wait, and instances bound to their caller's watch.

Tasks that must stay running wait at gate files the tests open; nothing sleeps to wait for an event.
What must outlive the server (a start time, a backoff) is checked across a SIGKILL and a restart on the
same store, by servers of the tests' own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from google.protobuf import timestamp_pb2

import taskstream
from taskstream import CancellationReason, RetryPolicy, TaskSpec, TaskStatus, WaitingReason
from taskstream.cli import main as cli_main
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc
from taskstream.v1 import task_pb2 as tpb
from tests.integration.conftest import eventually, until_task_status
from tests.support.server import ServerProcess

WORKERS = 3  # the module server's local workers, one slot each

# How far ahead a start time or a backoff lies that must still be pending when a killed server is back:
# its restart takes a few seconds, and on PostgreSQL it first waits out the dead process's shard leases
# (core.ownership.LEASE_SECONDS, 5 s) before it owns anything.
PENDING_ACROSS_RESTART = {"sqlite": 5.0, "postgresql": 10.0}

# The restart tests start servers of their own, on a fresh store of each kind.
on_both_stores = pytest.mark.parametrize(
    "store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)], indirect=True
)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, store: str, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    db: list[str] = []
    if store == "postgresql":
        db = ["--db", request.getfixturevalue("postgres").create_database()]
    process = ServerProcess(
        tmp_path_factory.mktemp("scheduling"),
        "--grace-period",
        "1",
        "--retention-interval",
        "0.2",
        "--type-limit",
        "gate_one=1",
        *db,
        workers=WORKERS,
    ).start()
    yield process
    process.stop()


def task_of(instance: taskstream.Instance, name: str) -> taskstream.InstanceTask:
    return instance.get_task_statuses()[name]


@pytest.fixture
def store_options(store: str, request: pytest.FixtureRequest) -> list[str]:
    """The options of a server of a test's own on a fresh store of the kind under test."""
    if store == "postgresql":
        return ["--db", request.getfixturevalue("postgres").create_database()]
    return []


def utc(stamp: timestamp_pb2.Timestamp) -> dt.datetime:
    return stamp.ToDatetime(tzinfo=dt.UTC)


def test_a_failing_task_is_retried_with_every_attempt_kept(client: taskstream.Client) -> None:
    retry = RetryPolicy(max_attempts=3, initial_backoff=0.05, backoff_multiplier=2.0)
    instance = client.create_instance([TaskSpec("flaky", {"succeed_on": 3}, retry=retry)])
    instance.wait_for_success(timeout=60)
    task = instance.get_task()
    assert task.result == "succeeded on attempt 3" and task.attempts == 3
    history = task.attempt_history
    assert [(a.attempt, a.status) for a in history] == [(1, TaskStatus.FAILED), (2, TaskStatus.FAILED)]
    assert all(a.error is not None and "failed" in str(a.error) for a in history)
    assert history[0].end_time is not None and history[0].stdout_bytes > 0
    assert history[0].end_time <= history[1].start_time  # type: ignore[operator]
    # Each retried attempt's output is kept apart from the current one's.
    assert [b"".join(c.data for c in task.read_output(attempt=n)) for n in (1, 2, 3)] == [
        b"attempt 1\n",
        b"attempt 2\n",
        b"attempt 3\n",
    ]
    assert b"".join(c.data for c in task.read_output()) == b"attempt 3\n"
    assert b"".join(c.data for c in task.read_output(attempt=1, offset=-2)) == b"1\n"
    with pytest.raises(taskstream.InvalidArgumentError):
        list(task.read_output(attempt=4))


def test_a_non_retryable_error_and_the_last_attempt_fail_the_task(client: taskstream.Client) -> None:
    never = RetryPolicy(max_attempts=5, initial_backoff=0.01, non_retryable=["ValueError"])
    once = client.create_instance([TaskSpec("flaky", {"succeed_on": 9, "error": "ValueError"}, retry=never)])
    once.wait_for_completion(timeout=60)
    assert once.get_task().task_status == TaskStatus.FAILED and once.get_task().attempt_history == []
    # The instance's default policy applies to a task without its own.
    spent = client.create_instance(
        [TaskSpec("flaky", {"succeed_on": 9})], retry=RetryPolicy(max_attempts=2, initial_backoff=0.01)
    )
    spent.wait_for_completion(timeout=60)
    assert spent.get_task().task_status == TaskStatus.FAILED and len(spent.get_task().attempt_history) == 1


def test_a_task_waiting_out_its_backoff_says_so_and_can_be_cancelled(client: taskstream.Client) -> None:
    instance = client.create_instance(
        [TaskSpec("flaky", {"succeed_on": 2}, retry=RetryPolicy(max_attempts=2, initial_backoff=600))]
    )
    # The first attempt may fail before the watch starts: its snapshot then shows the backoff already.
    for _event in instance.watch():
        task = instance.get_task()
        if task.attempt_history:
            break
    assert task.task_status == TaskStatus.WAITING and task.waiting_reason == WaitingReason.BACKOFF
    assert task.next_attempt_time is not None and len(task.attempt_history) == 1
    task.cancel("no more")
    instance.wait_for_completion(timeout=60)
    assert task.task_status == TaskStatus.CANCELLED and task.task_cancellation_message == "no more"


def test_max_backoff_caps_every_wait_before_its_jitter(
    client: taskstream.Client, server: ServerProcess
) -> None:
    initial, multiplier, cap, jitter = 0.3, 100.0, 0.6, 0.5
    policy = RetryPolicy(
        max_attempts=4, initial_backoff=initial, backoff_multiplier=multiplier, max_backoff=cap, jitter=jitter
    )
    # Uncapped, the waits would be 0.3, 30 and 3000 s; each is capped first, then jitter takes up to half.
    bounds = [min(initial * multiplier**n, cap) for n in range(3)]
    instance = client.create_instance([TaskSpec("flaky", {"succeed_on": 4}, retry=policy)], hold=True)
    # Each failed attempt's WAITING event carries the task as it was recorded: the attempt's end and the
    # time its backoff ends, computed together (held until the watch is open, so no event is missed).
    waits: list[float] = []
    with grpc.insecure_channel(server.address) as channel:
        watch = pb_grpc.InstanceServiceStub(channel).WatchInstance(
            pb.WatchInstanceRequest(name=instance.name), timeout=60
        )
        for i, message in enumerate(watch):
            if i == 0:
                instance.resume()
            if message.WhichOneof("kind") != "event" or not message.event.HasField("task_status_changed"):
                continue
            task = message.event.task_status_changed.task
            if task.waiting_reason == tpb.WAITING_REASON_BACKOFF:
                ended, due = utc(task.attempt_history[-1].end_time), utc(task.next_attempt_time)
                wait, bound = (due - ended).total_seconds(), bounds[len(waits)]
                assert bound * (1 - jitter) - 1e-3 <= wait <= bound + 1e-3, (len(waits) + 1, wait, bound)
                waits.append(wait)
    assert len(waits) == 3
    # And the attempts did wait that long, no longer than the cap and the dispatch that follows it.
    task = instance.get_task()
    assert task.result == "succeeded on attempt 4"
    history = task.attempt_history
    starts = [a.start_time for a in history[1:]] + [task.start_time]
    for attempt, start, wait in zip(history, starts, waits, strict=True):
        gap = (start - attempt.end_time).total_seconds()  # type: ignore[operator]
        assert wait - 1e-3 <= gap < cap + 5, (attempt.attempt, gap, wait)


def test_dependents_run_after_their_dependencies_with_their_results(client: taskstream.Client) -> None:
    instance = client.create_instance(
        [
            TaskSpec("echo", {"n": 1}, name="extract"),
            TaskSpec("chatty", {"text": "x"}, name="other"),
            TaskSpec(
                "combine", {"names": ["extract", "other"]}, name="load", depends_on=["extract", "other"]
            ),
        ]
    )
    instance.wait_for_success(timeout=60)
    assert instance.get_task("load").result == {"extract": {"n": 1}, "other": "X"}
    times = {name: instance.get_task(name) for name in ("extract", "other", "load")}
    assert times["load"].start_time >= max(times["extract"].end_time, times["other"].end_time)  # type: ignore[operator]


def test_a_failed_dependency_cancels_its_dependents_unless_the_edge_allows_it(
    client: taskstream.Client, files: Path
) -> None:
    gate = files / "open"
    instance = client.create_instance(
        [
            TaskSpec("gate", {"path": str(gate)}, name="hold"),
            TaskSpec("fail", {"message": "no"}, name="extract", depends_on=["hold"]),
            TaskSpec("echo", {}, name="load", depends_on=["extract"]),
            TaskSpec(
                "echo", {}, name="cleanup", depends_on=[taskstream.Dependency("extract", allow_failure=True)]
            ),
        ]
    )
    assert task_of(instance, "extract").waiting_reason == WaitingReason.DEPENDENCY
    gate.touch()
    instance.wait_for_completion(timeout=60)
    load = instance.get_task("load")
    assert load.task_status == TaskStatus.CANCELLED
    assert load.task_cancellation_reason == CancellationReason.CONSEQUENTIAL
    assert "extract" in load.task_cancellation_message
    assert instance.get_task("cleanup").task_status == TaskStatus.SUCCESS


def test_a_waiting_dependent_names_the_tasks_it_waits_on(
    client: taskstream.Client, server: ServerProcess, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gates = {name: files / name for name in ("extract", "load")}
    instance = client.create_instance(
        [
            *(TaskSpec("gate", {"path": str(gate)}, name=name) for name, gate in gates.items()),
            TaskSpec("echo", {}, name="report", depends_on=["extract", "load"]),
        ]
    )
    report = instance.get_task("report")
    assert report.waiting_reason == WaitingReason.DEPENDENCY and report.waiting_on == ["extract", "load"]
    assert task_of(instance, "report").waiting_on == ("extract", "load")
    assert instance.get_task("extract").waiting_on == []
    get = ["get", instance.id, "--server", server.address, "--project", "tests"]
    assert cli_main(get) == 0
    assert "WAITING (DEPENDENCY: extract, load)" in capsys.readouterr().out
    gates["extract"].touch()
    until_task_status(instance, "extract", TaskStatus.SUCCESS)
    assert report.waiting_on == ["load"]  # read again: the task is still waiting
    assert cli_main(get) == 0
    assert "WAITING (DEPENDENCY: load)" in capsys.readouterr().out
    gates["load"].touch()
    instance.wait_for_success(timeout=60)
    assert report.waiting_reason == WaitingReason.NONE and report.waiting_on == []


def test_a_cycle_or_an_unknown_dependency_is_refused_naming_the_field(client: taskstream.Client) -> None:
    with pytest.raises(taskstream.InvalidArgumentError) as cycle:
        client.create_instance(
            [TaskSpec("echo", name="a", depends_on=["b"]), TaskSpec("echo", name="b", depends_on=["a"])]
        )
    assert [v.field for v in cycle.value.field_violations] == ["tasks[0].dependencies[0].task"]
    assert "a -> b -> a" in cycle.value.field_violations[0].description
    with pytest.raises(taskstream.InvalidArgumentError) as unknown:
        client.create_instance([TaskSpec("echo", name="a", depends_on=["nope"])])
    assert [v.field for v in unknown.value.field_violations] == ["tasks[0].dependencies[0].task"]


def test_a_start_time_holds_the_tasks_until_it_comes(client: taskstream.Client) -> None:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.5)
    instance = client.create_instance([TaskSpec("echo", {})], start_time=start)
    assert task_of(instance, "echo").waiting_reason == WaitingReason.SCHEDULED
    instance.wait_for_success(timeout=60)
    assert instance.get_task().start_time >= start  # type: ignore[operator]


def test_cancelling_one_task_leaves_the_others_running(client: taskstream.Client, files: Path) -> None:
    gate = files / "open"
    instance = client.create_instance(
        [TaskSpec("gate", {"path": str(gate)}, name="a"), TaskSpec("wait_cancel", {"limit": 60}, name="b")]
    )
    until_task_status(instance, "b", TaskStatus.RUNNING)
    instance.cancel_task("b", message="just b")
    with pytest.raises(taskstream.WaitTimeoutError):
        instance.wait_for_completion(timeout=0.5)  # a runs on
    gate.touch()
    instance.wait_for_completion(timeout=60)
    assert instance.get_task("a").task_status == TaskStatus.SUCCESS
    b = instance.get_task("b")
    assert b.task_status == TaskStatus.CANCELLED and b.task_cancellation_reason == CancellationReason.DIRECT
    with pytest.raises(taskstream.FailedPreconditionError):
        instance.cancel_task("b")


def test_a_deleted_instance_leaves_a_tombstone(client: taskstream.Client, files: Path) -> None:
    running = client.create_instance([TaskSpec("gate", {"path": str(files / "open")})])
    with pytest.raises(taskstream.FailedPreconditionError):
        running.delete()
    (files / "open").touch()
    running.wait_for_success(timeout=60)
    running.delete()
    with pytest.raises(taskstream.NotFoundError) as gone:
        client.get_instance(running.id).reload()
    assert gone.value.reason == "INSTANCE_DELETED"
    assert not client.exist_instance(running.id)


def test_an_instance_with_a_retention_of_its_own_expires(client: taskstream.Client) -> None:
    kept = client.create_instance([TaskSpec("echo", {})])
    short = client.create_instance([TaskSpec("echo", {})], retention=0.3)
    short.wait_for_completion(timeout=60)
    kept.wait_for_completion(timeout=60)
    assert short.expire_time is not None

    def expired() -> bool:
        return not client.exist_instance(short.id)

    eventually(expired, what="the sweep of an expired instance")  # the sweep runs every 0.2 s
    with pytest.raises(taskstream.NotFoundError) as gone:
        client.get_instance(short.id).reload()
    assert gone.value.reason == "INSTANCE_EXPIRED"
    assert client.exist_instance(kept.id)


def test_concurrency_limits_of_a_key_and_of_a_type_hold_tasks_back(
    client: taskstream.Client, files: Path
) -> None:
    gates = [files / f"g{i}" for i in range(2)]
    keyed = [
        client.create_instance([TaskSpec("gate", {"path": str(g)}, concurrency_key="k", concurrency_limit=1)])
        for g in gates
    ]
    typed = [client.create_instance([TaskSpec("gate_one", {"path": str(g)})]) for g in gates]
    until_task_status(keyed[0], "gate", TaskStatus.RUNNING)
    until_task_status(typed[0], "gate_one", TaskStatus.RUNNING)
    assert task_of(keyed[1], "gate").waiting_reason == WaitingReason.CONCURRENCY_LIMIT
    assert task_of(typed[1], "gate_one").waiting_reason == WaitingReason.CONCURRENCY_LIMIT
    gates[0].touch()
    for instance in (keyed[0], typed[0]):
        instance.wait_for_success(timeout=60)
    until_task_status(keyed[1], "gate", TaskStatus.RUNNING)
    gates[1].touch()
    for instance in (keyed[1], typed[1]):
        instance.wait_for_success(timeout=60)


def test_a_task_behind_busy_slots_waits_queued_and_runs_when_one_frees(
    client: taskstream.Client, files: Path
) -> None:
    gates = [files / f"busy{i}" for i in range(WORKERS)]
    busy = [client.create_instance([TaskSpec("gate", {"path": str(g)})]) for g in gates]
    for instance in busy:  # every slot taken (a task an earlier test stopped may hold one a moment longer)
        until_task_status(instance, "gate", TaskStatus.RUNNING)
    waiting = client.create_instance([TaskSpec("gate", {"path": str(files / "last")})])
    task = waiting.get_task()
    assert task.task_status == TaskStatus.WAITING
    assert task.waiting_reason == WaitingReason.QUEUED  # workers offer the type: none is free
    with pytest.raises(taskstream.WaitTimeoutError):
        waiting.wait_for_completion(timeout=0.5)  # still nowhere to run
    assert waiting.get_task().waiting_reason == WaitingReason.QUEUED
    gates[0].touch()
    busy[0].wait_for_success(timeout=60)
    until_task_status(waiting, "gate", TaskStatus.RUNNING)
    running = waiting.get_task()
    assert running.waiting_reason == WaitingReason.NONE
    assert running.start_time >= busy[0].get_task().end_time  # type: ignore[operator]
    for gate in [*gates[1:], files / "last"]:
        gate.touch()
    for instance in [*busy[1:], waiting]:
        instance.wait_for_success(timeout=60)


def test_a_task_no_worker_can_take_says_why(client: taskstream.Client) -> None:
    instance = client.create_instance(
        [TaskSpec("no_such_type", {}), TaskSpec("echo", {}, required_labels={"gpu": "true"})]
    )
    try:
        tasks = instance.get_task_statuses()
        assert tasks["no_such_type"].waiting_reason == WaitingReason.NO_WORKER_FOR_TYPE
        assert tasks["echo"].waiting_reason == WaitingReason.NO_MATCHING_LABELS
    finally:
        instance.stop()


def test_a_bound_instance_runs_while_watched_and_is_cancelled_when_the_watch_is_gone(
    client: taskstream.Client, files: Path
) -> None:
    instance = client.create_instance(
        [TaskSpec("gate", {"path": str(files / "never")})],
        cancel_on_client_disconnection=True,
        client_disconnect_grace=0.5,
    )
    watch = instance.watch()
    assert isinstance(next(watch), taskstream.InstanceSnapshot)
    with pytest.raises(taskstream.WaitTimeoutError):
        instance.wait_for_completion(timeout=1.5)  # three grace periods, watched all along
    watch.close()
    instance.wait_for_completion(timeout=60)
    task = instance.get_task()
    assert task.task_status == TaskStatus.CANCELLED
    assert task.task_cancellation_reason == CancellationReason.CLIENT_DISCONNECTED


def test_a_bound_instance_whose_watch_resumes_within_the_grace_runs_to_the_end(
    client: taskstream.Client, files: Path
) -> None:
    grace = 3.0
    gates = files / "gates"
    gates.mkdir()
    instance = client.create_instance(
        [TaskSpec("steps", {"gates": str(gates), "count": 2})],
        cancel_on_client_disconnection=True,
        client_disconnect_grace=grace,
    )
    watch = instance.watch()
    assert isinstance(watch, Generator)  # closing it cancels its call
    first = next(watch)
    assert isinstance(first, taskstream.InstanceSnapshot)
    watch.close()  # the watch drops: the grace period starts
    with pytest.raises(taskstream.WaitTimeoutError):
        instance.wait_for_completion(timeout=grace / 3)  # unwatched for a third of the grace
    # The caller comes back and resumes after the last event it saw: the changes it missed follow, the
    # task's next step included, without a new snapshot.
    resumed = instance.watch(after_seq=first.seq)
    (gates / "0").touch()
    seen: list[taskstream.InstanceEvent] = []
    for event in resumed:
        seen.append(event)
        if isinstance(event, taskstream.TaskProgressUpdated) and event.progress.message == "step 1":
            break
    assert not any(isinstance(e, taskstream.InstanceSnapshot) for e in seen)
    assert first.seq < seen[0].seq  # continued after the cursor
    # Watched again well past the end of the grace period that started when the first watch dropped.
    with pytest.raises(taskstream.WaitTimeoutError):
        instance.wait_for_completion(timeout=grace)
    (gates / "1").touch()
    last = None
    for event in resumed:
        last = event
    assert (
        isinstance(last, taskstream.InstanceSnapshot) and last.status == taskstream.InstanceStatus.TERMINATED
    )
    task = instance.get_task()
    assert task.task_status == TaskStatus.SUCCESS and task.result == 2
    assert task.task_cancellation_reason == CancellationReason.NONE


@contextmanager
def still_waiting_after_restart(
    data: Path, store_options: list[str], instance_id: str, until: dt.datetime, reason: WaitingReason
) -> Iterator[tuple[taskstream.Instance, taskstream.Task]]:
    """A server restarted on ``data``, with the instance's task as read there: asked before ``until``,
    still WAITING for ``reason`` (the restart neither released it nor forgot it)."""
    restarted = ServerProcess(data, *store_options, workers=1).start()
    try:
        with taskstream.connect(restarted.address, project="tests") as client:
            again = client.get_instance(instance_id)
            asked = dt.datetime.now(dt.UTC)
            task = again.get_task()
            assert asked < until, "the restart took longer than the wait: raise it"
            assert task.task_status == TaskStatus.WAITING
            assert task.waiting_reason == reason
            yield again, task
    finally:
        restarted.stop()


@on_both_stores
def test_a_start_time_outlives_a_killed_server(tmp_path: Path, store: str, store_options: list[str]) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, *store_options, workers=1).start()
    try:
        with taskstream.connect(server.address, project="tests") as client:
            start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=PENDING_ACROSS_RESTART[store])
            instance = client.create_instance([TaskSpec("echo", {"n": 1})], start_time=start)
            assert task_of(instance, "echo").waiting_reason == WaitingReason.SCHEDULED
    finally:
        server.kill()  # SIGKILL: the start's timer dies with the process; the store alone keeps the time
    restart = still_waiting_after_restart(data, store_options, instance.id, start, WaitingReason.SCHEDULED)
    with restart as (again, task):
        again.wait_for_success(timeout=60)  # nor forgotten
        assert task.result == {"n": 1}
        assert task.start_time >= start  # type: ignore[operator]


@on_both_stores
def test_a_backoff_outlives_a_killed_server(tmp_path: Path, store: str, store_options: list[str]) -> None:
    data, backoff = tmp_path / "data", PENDING_ACROSS_RESTART[store]
    server = ServerProcess(data, *store_options, workers=1).start()
    try:
        with taskstream.connect(server.address, project="tests") as client:
            retry = RetryPolicy(max_attempts=2, initial_backoff=backoff)
            instance = client.create_instance([TaskSpec("flaky", {"succeed_on": 2}, retry=retry)])
            for _event in instance.watch():  # the first attempt may fail before the watch starts
                task = instance.get_task()
                if task.attempt_history:
                    break
            assert task.waiting_reason == WaitingReason.BACKOFF
            (first,) = task.attempt_history
            due = task.next_attempt_time
            assert due is not None and first.end_time is not None
            assert abs((due - first.end_time).total_seconds() - backoff) < 1e-3
    finally:
        server.kill()  # SIGKILL mid-backoff: its timer dies with the process
    restart = still_waiting_after_restart(data, store_options, instance.id, due, WaitingReason.BACKOFF)
    with restart as (again, task):
        assert task.next_attempt_time == due
        again.wait_for_success(timeout=60)  # nor never
        assert task.result == "succeeded on attempt 2"
        assert task.attempts == 2 and task.interruptions == 0
        assert task.start_time >= due  # type: ignore[operator]
        kept = task.attempt_history
        assert [(a.attempt, a.status, a.start_time, a.end_time) for a in kept] == [
            (1, TaskStatus.FAILED, first.start_time, first.end_time)
        ]
        assert "attempt 1 failed" in str(kept[0].error)
