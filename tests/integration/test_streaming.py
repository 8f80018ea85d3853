"""WatchInstance, WaitInstance(s) and ReadTaskOutput against a real server, through the generated stubs.

Tasks of type ``steps`` wait at a gate file after each progress report, so a test decides when a task
moves on; nothing here sleeps to wait for an event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from taskstream.v1 import event_pb2, instance_pb2, task_pb2
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc
from tests.support.proxy import CHANNEL_OPTIONS, CuttableProxy
from tests.support.server import ServerProcess

PROJECT = "projects/streaming"
TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED
Message = pb.WatchInstanceResponse


@pytest.fixture
def stub(server: ServerProcess) -> Iterator[pb_grpc.InstanceServiceStub]:
    with grpc.insecure_channel(server.address) as channel:
        yield pb_grpc.InstanceServiceStub(channel)


def create(
    stub: pb_grpc.InstanceServiceStub, task_type: str, *, hold: bool = False, **params: object
) -> instance_pb2.Instance:
    spec = task_pb2.TaskSpec(type=task_type, parameters_json=json.dumps(params))
    request = pb.CreateInstanceRequest(parent=PROJECT, tasks=[spec], hold=hold)
    return stub.CreateInstance(request, timeout=30).instance


def open_gates(gates: Path, *numbers: int) -> None:
    for n in numbers:
        (gates / str(n)).touch()


def change(message: Message) -> str:
    return message.event.WhichOneof("change") if message.WhichOneof("kind") == "event" else ""


def reached_step(message: Message) -> int | None:
    """The step a ``steps`` task reports in this message (an event or a snapshot), if any."""
    if change(message) == "task_progress_updated":
        progress = message.event.task_progress_updated.progress
    elif message.WhichOneof("kind") == "snapshot" and message.snapshot.tasks:
        progress = message.snapshot.tasks[0].progress
    else:
        return None
    return int(progress.message.split()[1]) if progress.message.startswith("step ") else None


def drive(messages: Iterator[Message], gates: Path) -> list[Message]:
    """Reads a watch to its end, opening a step's gate as soon as the watch shows the step."""
    seen: list[Message] = []
    for message in messages:
        seen.append(message)
        step = reached_step(message)
        if step is not None:
            open_gates(gates, step)
    return seen


def events(messages: list[Message]) -> list[event_pb2.InstanceEvent]:
    return [m.event for m in messages if m.WhichOneof("kind") == "event"]


def task_statuses(messages: list[Message], after_seq: int = 0) -> list[int]:
    return [
        e.task_status_changed.task.status
        for e in events(messages)
        if e.HasField("task_status_changed") and e.seq > after_seq
    ]


@pytest.fixture
def gates(tmp_path: Path) -> Path:
    path = tmp_path / "gates"
    path.mkdir()
    return path


def test_watch_sends_a_snapshot_every_change_in_order_and_a_terminal_snapshot(
    stub: pb_grpc.InstanceServiceStub, gates: Path
) -> None:
    instance = create(stub, "steps", gates=str(gates), count=3)
    seen = drive(stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name), timeout=60), gates)

    first, last = seen[0], seen[-1]
    assert first.WhichOneof("kind") == "snapshot" and first.snapshot.status != TERMINATED
    assert last.WhichOneof("kind") == "snapshot" and last.snapshot.status == TERMINATED
    assert last.snapshot.successful and last.snapshot.tasks[0].progress.percent == 100
    seqs = [e.seq for e in events(seen)]
    assert seqs == sorted(set(seqs)) and seqs[0] > first.snapshot.seq and last.snapshot.seq == seqs[-1]
    # The task may have started before the watch did: then the snapshot shows it running.
    statuses = [first.snapshot.tasks[0].status, *task_statuses(seen)]
    assert statuses[-2:] == [task_pb2.TASK_STATUS_RUNNING, task_pb2.TASK_STATUS_SUCCESS]
    progress = [e.task_progress_updated.progress for e in events(seen) if e.HasField("task_progress_updated")]
    snapshot_progress = first.snapshot.tasks[0].progress
    reported = [(p.percent, p.message) for p in [snapshot_progress, *progress] if p.message]
    assert reported == [(33, "step 0"), (66, "step 1"), (100, "step 2")]
    ending = events(seen)[-1].instance_status_changed
    assert ending.status == TERMINATED and ending.successful and ending.HasField("end_time")


def test_a_watch_resumed_after_a_cut_connection_misses_nothing_and_repeats_nothing(
    server: ServerProcess, stub: pb_grpc.InstanceServiceStub, gates: Path
) -> None:
    instance = create(stub, "steps", gates=str(gates), count=4)
    reference = stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name), timeout=60)
    proxy = CuttableProxy(server.address)
    try:
        with grpc.insecure_channel(proxy.address, options=CHANNEL_OPTIONS) as channel:
            cut_stream = pb_grpc.InstanceServiceStub(channel).WatchInstance(
                pb.WatchInstanceRequest(name=instance.name), timeout=60
            )
            before: list[Message] = []
            for message in cut_stream:
                before.append(message)
                if reached_step(message) == 0:
                    break  # the task now waits at gate 0
            proxy.cut()
            with pytest.raises(grpc.RpcError) as dropped:
                for message in cut_stream:
                    before.append(message)
            assert dropped.value.code() == grpc.StatusCode.UNAVAILABLE
        open_gates(gates, 0, 1, 2, 3)  # the task runs to its end while nobody is connected
        cursor = max([before[0].snapshot.seq] + [e.seq for e in events(before)])
        with grpc.insecure_channel(proxy.address, options=CHANNEL_OPTIONS) as channel:
            resumed = list(
                pb_grpc.InstanceServiceStub(channel).WatchInstance(
                    pb.WatchInstanceRequest(name=instance.name, after_seq=cursor), timeout=60
                )
            )
    finally:
        proxy.close()
    everything = events(list(reference))
    got = events(before) + events(resumed)
    got_seqs = [e.seq for e in got]
    assert got_seqs == sorted(set(got_seqs)), "a duplicate or a reordering"
    assert resumed[0].WhichOneof("kind") == "event", "a valid cursor resumes without a snapshot"
    assert resumed[-1].WhichOneof("kind") == "snapshot" and resumed[-1].snapshot.status == TERMINATED
    start = before[0].snapshot.seq  # the cut watcher's snapshot covers what came before it
    missing = [e for e in everything if e.seq > start and e.seq not in set(got_seqs)]
    assert all(e.HasField("task_progress_updated") for e in missing), (
        f"only progress may be coalesced: missing {[(e.seq, e.WhichOneof('change')) for e in missing]}, "
        f"before {[e.seq for e in events(before)]}, resumed {[e.seq for e in events(resumed)]}, "
        f"reference {[(e.seq, e.WhichOneof('change')) for e in everything]}"
    )
    latest_progress = [e for e in everything if e.HasField("task_progress_updated")][-1]
    assert latest_progress.seq in got_seqs, "coalescing keeps the latest progress"


def test_a_held_instance_waits_for_resume_so_a_watch_sees_every_change(
    stub: pb_grpc.InstanceServiceStub,
) -> None:
    spec = task_pb2.TaskSpec(type="progress")
    created = stub.CreateInstance(
        pb.CreateInstanceRequest(parent=PROJECT, tasks=[spec], hold=True), timeout=30
    )
    instance = created.instance
    assert instance.status == instance_pb2.INSTANCE_STATUS_SUSPENDED
    assert instance.tasks[0].status == task_pb2.TASK_STATUS_SUSPENDED
    watch = stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name), timeout=60)
    first = next(watch)
    assert first.snapshot.status == instance_pb2.INSTANCE_STATUS_SUSPENDED
    stub.ResumeInstance(pb.ResumeInstanceRequest(name=instance.name), timeout=30)
    rest = list(watch)
    assert task_statuses(rest) == [
        task_pb2.TASK_STATUS_WAITING,
        task_pb2.TASK_STATUS_ASSIGNED,
        task_pb2.TASK_STATUS_RUNNING,
        task_pb2.TASK_STATUS_SUCCESS,
    ]
    assert rest[-1].snapshot.status == TERMINATED and rest[-1].snapshot.successful


def test_a_slow_consumer_does_not_hold_up_a_fast_one(stub: pb_grpc.InstanceServiceStub, gates: Path) -> None:
    instance = create(stub, "steps", gates=str(gates), count=5)
    slow = stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name), timeout=60)
    slow_start = next(slow)
    assert slow_start.WhichOneof("kind") == "snapshot"  # then it stops reading
    fast = drive(stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name), timeout=60), gates)
    assert fast[-1].snapshot.status == TERMINATED
    rest = list(slow)
    assert rest[-1].WhichOneof("kind") == "snapshot" and rest[-1].snapshot.status == TERMINATED
    common = max(slow_start.snapshot.seq, fast[0].snapshot.seq)
    assert task_statuses(rest, common) == task_statuses(fast, common), "status changes are never dropped"


def test_watching_a_terminated_instance_gives_its_terminal_snapshot(
    stub: pb_grpc.InstanceServiceStub,
) -> None:
    instance = create(stub, "noop")
    waited = stub.WaitInstance(pb.WaitInstanceRequest(name=instance.name), timeout=60)
    assert waited.terminated
    whole = list(stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name), timeout=30))
    assert len(whole) == 1 and whole[0].snapshot.status == TERMINATED
    assert whole[0].snapshot.seq == waited.instance.seq
    at_end = list(
        stub.WatchInstance(
            pb.WatchInstanceRequest(name=instance.name, after_seq=waited.instance.seq), timeout=30
        )
    )
    assert len(at_end) == 1 and at_end[0].snapshot.status == TERMINATED
    replay = list(stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name, after_seq=1), timeout=30))
    assert [m.WhichOneof("kind") for m in replay][-1] == "snapshot"
    assert events(replay)[-1].instance_status_changed.status == TERMINATED
    unknown_cursor = list(
        stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name, after_seq=10**9), timeout=30)
    )
    assert len(unknown_cursor) == 1 and unknown_cursor[0].WhichOneof("kind") == "snapshot"


def test_a_watcher_that_accepts_batches_catches_up_in_one_message(stub: pb_grpc.InstanceServiceStub) -> None:
    values = {f"p{i}": i for i in range(20)}
    instance = create(stub, "set_properties", values=values)
    assert stub.WaitInstance(pb.WaitInstanceRequest(name=instance.name), timeout=60).terminated
    one_by_one = list(
        stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name, after_seq=1), timeout=30)
    )
    batched = list(
        stub.WatchInstance(
            pb.WatchInstanceRequest(name=instance.name, after_seq=1, accept_batches=True), timeout=30
        )
    )
    # Without batches: an event per message; with them, the whole backlog in one, in the same order.
    assert [m.WhichOneof("kind") for m in batched] == ["events", "snapshot"]
    assert [m.WhichOneof("kind") for m in one_by_one[:-1]] == ["event"] * (len(one_by_one) - 1)
    assert list(batched[0].events.events) == [m.event for m in one_by_one[:-1]]
    assert sum(1 for e in batched[0].events.events if e.HasField("task_property_updated")) == 20
    assert batched[-1].snapshot == one_by_one[-1].snapshot


def test_a_watcher_catching_up_from_the_store_gets_every_tasks_latest_progress(
    stub: pb_grpc.InstanceServiceStub,
) -> None:
    specs = [task_pb2.TaskSpec(type="progress", name=name) for name in ("a", "b", "c")]
    instance = stub.CreateInstance(pb.CreateInstanceRequest(parent=PROJECT, tasks=specs), timeout=30).instance
    assert stub.WaitInstance(pb.WaitInstanceRequest(name=instance.name), timeout=60).terminated
    replay = list(stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name, after_seq=1), timeout=30))
    latest = {
        e.task_progress_updated.task: e.task_progress_updated.progress
        for e in events(replay)
        if e.HasField("task_progress_updated")
    }
    assert sorted(latest) == ["a", "b", "c"]
    assert all([s.name for s in p.stages] == ["M1_Stg1_job0", "R2_1_Stg1_job0"] for p in latest.values())


def test_an_idle_watch_gets_heartbeats_with_its_cursor(
    stub: pb_grpc.InstanceServiceStub, gates: Path
) -> None:
    instance = create(stub, "steps", gates=str(gates), count=1)
    request = pb.WatchInstanceRequest(
        name=instance.name, heartbeat_interval=duration_pb2.Duration(nanos=100_000_000)
    )
    cursor = 0
    for message in stub.WatchInstance(request, timeout=60):
        kind = message.WhichOneof("kind")
        if kind == "snapshot":
            cursor = message.snapshot.seq
            if message.snapshot.status == TERMINATED:
                break
        elif kind == "event":
            cursor = message.event.seq
        elif kind == "heartbeat":
            assert message.heartbeat.seq >= cursor  # at or past the last event (past skipped output)
            open_gates(gates, 0)
    assert (gates / "0").exists(), "no heartbeat came while the task waited"


def test_wait_answers_with_the_state_the_instance_terminated_in(
    stub: pb_grpc.InstanceServiceStub, gates: Path
) -> None:
    instance = create(stub, "steps", gates=str(gates), count=1)
    watch = stub.WatchInstance(pb.WatchInstanceRequest(name=instance.name), timeout=60)
    waiting = stub.WaitInstance.future(
        pb.WaitInstanceRequest(name=instance.name, timeout=duration_pb2.Duration(seconds=60)), timeout=90
    )
    seen = drive(watch, gates)
    answer = waiting.result()
    assert answer.terminated and answer.instance.status == TERMINATED
    assert answer.instance.seq == events(seen)[-1].seq


def create_and_wait(
    stub: pb_grpc.InstanceServiceStub, wait: duration_pb2.Duration, task_type: str, **params: object
) -> pb.CreateInstanceResponse:
    spec = task_pb2.TaskSpec(type=task_type, parameters_json=json.dumps(params))
    request = pb.CreateInstanceRequest(parent=PROJECT, tasks=[spec], wait_timeout=wait)
    response: pb.CreateInstanceResponse = stub.CreateInstance(request, timeout=90)
    return response


def test_a_create_with_a_wait_answers_once_the_instance_terminated(stub: pb_grpc.InstanceServiceStub) -> None:
    answer = create_and_wait(stub, duration_pb2.Duration(seconds=60), "noop")
    assert answer.terminated and answer.instance.status == TERMINATED
    assert [t.status for t in answer.instance.tasks] == [task_pb2.TASK_STATUS_SUCCESS]
    stored = stub.GetInstance(pb.GetInstanceRequest(name=answer.instance.name), timeout=30).instance
    assert stored.seq == answer.instance.seq and stored.status == TERMINATED


def test_a_create_whose_wait_runs_out_answers_with_the_instance_still_running(
    stub: pb_grpc.InstanceServiceStub, gates: Path
) -> None:
    answer = create_and_wait(
        stub, duration_pb2.Duration(nanos=200_000_000), "steps", gates=str(gates), count=1
    )
    assert not answer.terminated and answer.instance.status == instance_pb2.INSTANCE_STATUS_RUNNING
    open_gates(gates, 0)  # the instance was created and runs on; the wait only ended
    waited = stub.WaitInstance(pb.WaitInstanceRequest(name=answer.instance.name), timeout=90)
    assert waited.terminated and waited.instance.tasks[0].status == task_pb2.TASK_STATUS_SUCCESS


def test_a_retried_create_with_a_wait_waits_on_the_first_instance(stub: pb_grpc.InstanceServiceStub) -> None:
    spec = task_pb2.TaskSpec(type="noop")
    request = pb.CreateInstanceRequest(parent=PROJECT, tasks=[spec], request_id="create-wait-retry")
    request.wait_timeout.FromSeconds(60)
    first = stub.CreateInstance(request, timeout=90)
    again = stub.CreateInstance(request, timeout=90)
    assert first.terminated and again.terminated
    assert again.instance.name == first.instance.name and again.instance.seq == first.instance.seq


def test_a_bad_wait_timeout_is_refused_before_anything_is_created(stub: pb_grpc.InstanceServiceStub) -> None:
    parent = "projects/streaming-bad-wait"
    request = pb.CreateInstanceRequest(parent=parent, tasks=[task_pb2.TaskSpec(type="noop")])
    request.wait_timeout.seconds = -1
    with pytest.raises(grpc.RpcError) as refused:
        stub.CreateInstance(request, timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(refused.value) == ["wait_timeout"]
    assert not stub.ListInstances(pb.ListInstancesRequest(parent=parent), timeout=30).instances


def test_wait_instances_any_and_all(stub: pb_grpc.InstanceServiceStub, tmp_path: Path) -> None:
    a_gates, b_gates = tmp_path / "a", tmp_path / "b"
    a_gates.mkdir()
    b_gates.mkdir()
    a = create(stub, "steps", gates=str(a_gates), count=1)
    b = create(stub, "steps", gates=str(b_gates), count=1)
    short = duration_pb2.Duration(nanos=200_000_000)
    names = [a.name, b.name]
    timed_out = stub.WaitInstances(
        pb.WaitInstancesRequest(names=names, mode=pb.WAIT_MODE_ANY, timeout=short), timeout=30
    )
    assert not timed_out.done and [i.name for i in timed_out.instances] == names
    open_gates(b_gates, 0)
    anyone = stub.WaitInstances(pb.WaitInstancesRequest(names=names, mode=pb.WAIT_MODE_ANY), timeout=90)
    assert anyone.done and [i.status == TERMINATED for i in anyone.instances] == [False, True]
    everyone = stub.WaitInstances.future(pb.WaitInstancesRequest(names=names), timeout=90)
    open_gates(a_gates, 0)
    result = everyone.result()
    assert result.done and all(i.status == TERMINATED for i in result.instances)


def test_following_output_delivers_every_byte(stub: pb_grpc.InstanceServiceStub) -> None:
    lines = 4000  # 56,000 bytes: under the test server's 64 KiB cap, so all of it is kept
    instance = create(stub, "spam", lines=lines)
    chunks = list(
        stub.ReadTaskOutput(pb.ReadTaskOutputRequest(instance=instance.name, follow=True), timeout=60)
    )
    expected = "".join(f"line {i:08d}\n" for i in range(lines)).encode()
    assert b"".join(c.data for c in chunks) == expected
    assert all(c.cut_bytes == 0 for c in chunks)
    offsets = [c.offset for c in chunks]
    assert offsets == sorted(offsets) and offsets[0] == 0
    tail = list(stub.ReadTaskOutput(pb.ReadTaskOutputRequest(instance=instance.name, offset=-14), timeout=30))
    assert b"".join(c.data for c in tail) == f"line {lines - 1:08d}\n".encode()


def test_following_cut_output_gives_the_head_the_cut_and_the_last_line(
    stub: pb_grpc.InstanceServiceStub,
) -> None:
    lines = 100_000  # 1.4 MB against a 64 KiB cap: the middle is cut
    instance = create(stub, "spam", lines=lines)
    chunks = list(
        stub.ReadTaskOutput(pb.ReadTaskOutputRequest(instance=instance.name, follow=True), timeout=60)
    )
    total = lines * 14
    cut = sum(c.cut_bytes for c in chunks)
    kept = b"".join(c.data for c in chunks)
    assert cut > 0 and len(kept) + cut == total
    assert kept.startswith(b"line 00000000\n") and kept.endswith(f"line {lines - 1:08d}\n".encode())
    assert chunks[-1].offset + len(chunks[-1].data) == total


def test_watch_can_carry_output(stub: pb_grpc.InstanceServiceStub) -> None:
    # Held until the watch has its snapshot: output written before the watch opened is in no event.
    instance = create(stub, "spam", hold=True, lines=300)
    seen: list[Message] = []
    request = pb.WatchInstanceRequest(name=instance.name, include_output=True)
    for message in stub.WatchInstance(request, timeout=60):
        seen.append(message)
        if len(seen) == 1:
            stub.ResumeInstance(pb.ResumeInstanceRequest(name=instance.name), timeout=30)
    output = [e.task_output_appended for e in events(seen) if e.HasField("task_output_appended")]
    stdout = b"".join(o.data for o in output if o.stream == task_pb2.OUTPUT_STREAM_STDOUT)
    assert stdout == "".join(f"line {i:08d}\n" for i in range(300)).encode()
    assert {o.attempt for o in output} == {1}


def test_sub_instances_appear_in_the_parent_watch(stub: pb_grpc.InstanceServiceStub, gates: Path) -> None:
    parent = create(stub, "steps", gates=str(gates), count=1)
    watch = stub.WatchInstance(pb.WatchInstanceRequest(name=parent.name), timeout=60)
    assert next(watch).WhichOneof("kind") == "snapshot"
    child = stub.CreateInstance(
        pb.CreateInstanceRequest(
            parent=PROJECT, tasks=[task_pb2.TaskSpec(type="noop")], parent_instance=parent.name
        ),
        timeout=30,
    ).instance
    for message in watch:
        if change(message) == "sub_instance_created":
            assert message.event.sub_instance_created.instance == child.name
            break
    open_gates(gates, 0)
    assert list(watch)[-1].snapshot.status == TERMINATED


def error_info(error: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    fields = []
    for detail in status.details if status else []:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields += [v.field for v in bad.field_violations]
    return fields


@pytest.mark.parametrize(
    ("call", "code", "field"),
    [
        ("watch_unknown", grpc.StatusCode.NOT_FOUND, None),
        ("watch_negative_cursor", grpc.StatusCode.INVALID_ARGUMENT, "after_seq"),
        ("watch_heartbeat_too_fast", grpc.StatusCode.INVALID_ARGUMENT, "heartbeat_interval"),
        ("wait_no_names", grpc.StatusCode.INVALID_ARGUMENT, "names"),
        ("wait_bad_name", grpc.StatusCode.INVALID_ARGUMENT, "names[1]"),
        ("output_unknown_task", grpc.StatusCode.NOT_FOUND, None),
        ("output_bad_stream", grpc.StatusCode.INVALID_ARGUMENT, "stream"),
    ],
)
def test_bad_streaming_requests_get_clear_statuses(
    stub: pb_grpc.InstanceServiceStub, call: str, code: grpc.StatusCode, field: str | None
) -> None:
    done = create(stub, "noop")
    missing = f"{PROJECT}/instances/20261121103000123abcdefgh"
    calls = {
        "watch_unknown": lambda: list(stub.WatchInstance(pb.WatchInstanceRequest(name=missing), timeout=30)),
        "watch_negative_cursor": lambda: list(
            stub.WatchInstance(pb.WatchInstanceRequest(name=done.name, after_seq=-1), timeout=30)
        ),
        "watch_heartbeat_too_fast": lambda: list(
            stub.WatchInstance(
                pb.WatchInstanceRequest(name=done.name, heartbeat_interval=duration_pb2.Duration(nanos=1000)),
                timeout=30,
            )
        ),
        "wait_no_names": lambda: stub.WaitInstances(pb.WaitInstancesRequest(), timeout=30),
        "wait_bad_name": lambda: stub.WaitInstances(
            pb.WaitInstancesRequest(names=[done.name, "nope"]), timeout=30
        ),
        "output_unknown_task": lambda: list(
            stub.ReadTaskOutput(pb.ReadTaskOutputRequest(instance=done.name, task="nope"), timeout=30)
        ),
        "output_bad_stream": lambda: list(
            stub.ReadTaskOutput(pb.ReadTaskOutputRequest(instance=done.name, stream=7), timeout=30)  # type: ignore[arg-type]
        ),
    }
    with pytest.raises(grpc.RpcError) as failed:
        calls[call]()
    assert failed.value.code() == code
    if field is not None:
        assert field in error_info(failed.value)


def test_a_draining_server_ends_watches_with_a_cursor(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "draining", workers=1).start()
    gates = tmp_path / "gates"
    gates.mkdir()
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = pb_grpc.InstanceServiceStub(channel)
            instance = create(stub, "steps", gates=str(gates), count=1)
            seen: list[Message] = []
            # With output included every event reaches the watcher, so its cursor is the last seq seen
            # (without, the cursor also moves past output events it was not sent).
            request = pb.WatchInstanceRequest(name=instance.name, include_output=True)
            for message in stub.WatchInstance(request, timeout=60):
                seen.append(message)
                if reached_step(message) == 0:
                    server.process.send_signal(15)  # type: ignore[union-attr]
            end = seen[-1]
            assert end.WhichOneof("kind") == "end"
            assert end.end.reason == pb.WATCH_END_REASON_SERVER_DRAINING
            assert end.end.resume_after_seq == max([seen[0].snapshot.seq] + [e.seq for e in events(seen)])
    finally:
        open_gates(gates, 0)
        server.stop()
