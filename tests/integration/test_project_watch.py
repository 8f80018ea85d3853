"""WatchInstances against a real server: a project's instances, then every instance-level change in the
project's order; filters; a cursor that resumes exactly, also after the server restarted."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import duration_pb2

from taskstream.v1 import instance_pb2, task_pb2
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc
from tests.support.server import ServerProcess

RUNNING = instance_pb2.INSTANCE_STATUS_RUNNING
SUSPENDED = instance_pb2.INSTANCE_STATUS_SUSPENDED
TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED


@pytest.fixture
def stub(server: ServerProcess) -> Iterator[pb_grpc.InstanceServiceStub]:
    with grpc.insecure_channel(server.address) as channel:
        yield pb_grpc.InstanceServiceStub(channel)


@pytest.fixture
def project() -> str:
    return f"feed-{uuid.uuid4().hex[:10]}"


def create(
    stub: pb_grpc.InstanceServiceStub,
    project: str,
    task_type: str = "echo",
    *,
    hold: bool = False,
    labels: dict[str, str] | None = None,
    **params: object,
) -> instance_pb2.Instance:
    spec = task_pb2.TaskSpec(type=task_type, parameters_json=json.dumps(params))
    request = pb.CreateInstanceRequest(parent=f"projects/{project}", tasks=[spec], hold=hold, labels=labels)
    return stub.CreateInstance(request, timeout=30).instance


def wait(stub: pb_grpc.InstanceServiceStub, instance: instance_pb2.Instance) -> None:
    answer = stub.WaitInstance(pb.WaitInstanceRequest(name=instance.name), timeout=70)
    assert answer.terminated


def change(message: pb.WatchInstancesResponse) -> tuple[str, str]:
    event = message.event
    kind = event.WhichOneof("change")
    if kind == "instance_status_changed":
        kind = instance_pb2.InstanceStatus.Name(event.instance_status_changed.status)
    return event.instance.instance.id, kind or ""


def events_until(stream: Iterator[pb.WatchInstancesResponse], count: int) -> list[pb.WatchInstancesResponse]:
    found = []
    for message in stream:
        if message.WhichOneof("kind") == "event":
            found.append(message)
            if len(found) == count:
                return found
    raise AssertionError(f"the stream ended after {len(found)} events")


def test_a_snapshot_in_pages_then_each_change_in_the_project_s_order(
    stub: pb_grpc.InstanceServiceStub, project: str
) -> None:
    before = [create(stub, project, n=i) for i in range(3)]
    for instance in before:
        wait(stub, instance)
    request = pb.WatchInstancesRequest(parent=f"projects/{project}", snapshot_limit=2)
    stream = stub.WatchInstances(request, timeout=60)
    first = next(stream)
    assert first.WhichOneof("kind") == "snapshot" and first.snapshot.last and first.snapshot.truncated
    assert [s.instance.id for s in first.snapshot.instances] == [before[2].id, before[1].id]  # newest first
    assert first.snapshot.instances[0].task_types == ["echo"] and first.snapshot.instances[0].task_count == 1
    assert not first.snapshot.instances[0].instance.tasks
    assert first.snapshot.seq == 6  # three creations and three ends

    held = create(stub, project, hold=True, labels={"team": "a"})
    stub.ResumeInstance(pb.ResumeInstanceRequest(name=held.name), timeout=30)
    wait(stub, held)
    events = events_until(stream, 3)
    stream.cancel()
    assert [change(m) for m in events] == [
        (held.id, "instance_created"),
        (held.id, "INSTANCE_STATUS_RUNNING"),
        (held.id, "INSTANCE_STATUS_TERMINATED"),
    ]
    assert [m.event.seq for m in events] == [7, 8, 9]
    created, _, ended = (m.event for m in events)
    assert created.instance.instance.status == SUSPENDED and created.instance.instance.labels == {"team": "a"}
    assert ended.instance_status_changed.successful and ended.instance.instance.successful
    assert ended.instance_status_changed.previous_status == RUNNING
    assert ended.instance_seq > created.instance_seq


def test_filters_choose_the_instances_and_heartbeats_carry_the_cursor_past_the_others(
    stub: pb_grpc.InstanceServiceStub, project: str
) -> None:
    request = pb.WatchInstancesRequest(
        parent=f"projects/{project}",
        labels={"team": "a"},
        task_types=["echo"],
        statuses=[TERMINATED],
        heartbeat_interval=duration_pb2.Duration(nanos=200_000_000),
    )
    stream = stub.WatchInstances(request, timeout=60)
    assert next(stream).snapshot.seq == 0
    wait(stub, create(stub, project, labels={"team": "b"}))
    wait(stub, create(stub, project, "noop", labels={"team": "a"}))
    wanted = create(stub, project, labels={"team": "a"})
    wait(stub, wanted)
    # Its creation (RUNNING) matches no status asked for; its end does.
    (ended,) = events_until(stream, 1)
    assert change(ended) == (wanted.id, "INSTANCE_STATUS_TERMINATED") and ended.event.seq == 6
    for message in stream:
        if message.WhichOneof("kind") == "heartbeat":
            assert message.heartbeat.seq == 6
            break
    stream.cancel()


def test_a_bad_filter_is_invalid_argument(stub: pb_grpc.InstanceServiceStub, project: str) -> None:
    request = pb.WatchInstancesRequest(parent=f"projects/{project}", snapshot_limit=10_001, after_seq=-1)
    with pytest.raises(grpc.RpcError) as caught:
        next(stub.WatchInstances(request, timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "snapshot_limit" in (caught.value.details() or "")


def test_the_cursor_survives_a_restart_and_resumes_with_nothing_lost(tmp_path: Path) -> None:
    project = "restart"
    server = ServerProcess(tmp_path / "data", "--grace-period", "1").start()
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = pb_grpc.InstanceServiceStub(channel)
            first = create(stub, project)
            wait(stub, first)
            stream = stub.WatchInstances(pb.WatchInstancesRequest(parent=f"projects/{project}"), timeout=60)
            assert next(stream).snapshot.seq == 2
            server.stop()  # drains: the stream ends with where to resume
            rest = list(stream)
            assert [m.WhichOneof("kind") for m in rest][-1] == "end"
            end = rest[-1].end
            assert end.reason == pb.WATCH_END_REASON_SERVER_DRAINING and end.resume_after_seq == 2
    finally:
        if server.process is not None and server.process.poll() is None:
            server.stop()
    again = ServerProcess(tmp_path / "data", "--grace-period", "1").start()
    try:
        with grpc.insecure_channel(again.address) as channel:
            stub = pb_grpc.InstanceServiceStub(channel)
            second = create(stub, project)
            wait(stub, second)
            request = pb.WatchInstancesRequest(parent=f"projects/{project}", after_seq=end.resume_after_seq)
            stream = stub.WatchInstances(request, timeout=60)
            events = events_until(stream, 2)
            stream.cancel()
            assert [change(m) for m in events] == [
                (second.id, "instance_created"),
                (second.id, "INSTANCE_STATUS_TERMINATED"),
            ]
            assert [m.event.seq for m in events] == [3, 4]
    finally:
        again.stop()
