"""The server's configurable limits, each answered with a clear status, on a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

import taskstream
from taskstream.errors import InvalidArgumentError
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    limits = {
        "--max-message-bytes": "65536",
        "--max-tasks-per-instance": "3",
        "--max-parameters-bytes": "200",
        "--max-properties-per-task": "2",
        "--max-property-bytes": "64",
        "--max-streams-per-principal": "2",
    }
    args = [part for pair in limits.items() for part in pair]
    process = ServerProcess(tmp_path_factory.mktemp("limits"), *args, workers=1).start()
    yield process
    process.stop()


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    raise AssertionError("no ErrorInfo in the status")


def test_tasks_per_instance_and_parameter_size(limited: ServerProcess) -> None:
    with taskstream.connect(limited.address, project="limits") as client:
        with pytest.raises(InvalidArgumentError) as tasks:
            client.create_instance([taskstream.TaskSpec("noop") for _ in range(4)])
        assert [v.field for v in tasks.value.field_violations] == ["tasks"]
        with pytest.raises(InvalidArgumentError) as parameters:
            client.run_task("echo", {"text": "x" * 300})
        assert [v.field for v in parameters.value.field_violations] == ["tasks[0].parameters_json"]
        client.create_instance([taskstream.TaskSpec("noop") for _ in range(3)]).wait_for_success(timeout=60)


def test_an_oversized_message_is_resource_exhausted(limited: ServerProcess) -> None:
    request = pb.CreateInstanceRequest(
        parent="projects/limits",
        tasks=[task_pb2.TaskSpec(type="echo", parameters_json=json.dumps({"text": "x" * 100_000}))],
    )
    with grpc.insecure_channel(limited.address) as channel:
        stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
        with pytest.raises(grpc.RpcError) as too_big:
            stub.CreateInstance(request, timeout=30)
    assert too_big.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_properties_over_the_limits_are_dropped(limited: ServerProcess) -> None:
    values = {"small": "x", "big": "y" * 100, "count": 1, "over": 2}
    with taskstream.connect(limited.address, project="limits") as client:
        instance = client.run_task("set_properties", {"values": values})
        instance.wait_for_success(timeout=60)
        # "big" is over 64 bytes; "over" would be a third property.
        assert instance.get_task().properties == {"small": "x", "count": 1}


def test_concurrent_streams_are_limited_per_principal(limited: ServerProcess) -> None:
    with grpc.insecure_channel(limited.address) as channel:
        stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
        held = stub.CreateInstance(
            pb.CreateInstanceRequest(
                parent="projects/limits", tasks=[task_pb2.TaskSpec(type="noop")], hold=True
            )
        ).instance.name
        as_ann = (("x-taskstream-user", "ann"),)
        watches = [stub.WatchInstance(pb.WatchInstanceRequest(name=held), metadata=as_ann) for _ in range(2)]
        for watch in watches:
            next(watch)  # the snapshot: the stream is open and counted
        with pytest.raises(grpc.RpcError) as third:
            next(stub.WatchInstance(pb.WatchInstanceRequest(name=held), metadata=as_ann))
        assert third.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        info = error_info(third.value)
        assert info.reason == "TOO_MANY_STREAMS" and info.metadata["limit"] == "2"
        with pytest.raises(grpc.RpcError) as wait:
            stub.WaitInstance(pb.WaitInstanceRequest(name=held), metadata=as_ann, timeout=30)
        assert wait.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        # A create that would wait counts as a wait: refused before it creates anything.
        listing = pb.ListInstancesRequest(parent="projects/limits")
        before = len(stub.ListInstances(listing).instances)
        waiting = pb.CreateInstanceRequest(parent="projects/limits", tasks=[task_pb2.TaskSpec(type="noop")])
        waiting.wait_timeout.FromSeconds(30)
        with pytest.raises(grpc.RpcError) as create:
            stub.CreateInstance(waiting, metadata=as_ann, timeout=60)
        assert create.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert len(stub.ListInstances(listing).instances) == before
        # Another principal is not affected, and finished waits give their slot back.
        as_ben = (("x-taskstream-user", "ben"),)
        for _ in range(3):
            short = pb.WaitInstanceRequest(name=held)
            short.timeout.FromMilliseconds(50)
            assert not stub.WaitInstance(short, metadata=as_ben, timeout=30).terminated
        for watch in watches:
            watch.cancel()
        stub.StopInstance(pb.StopInstanceRequest(name=held))
