"""CreateInstance and StopInstance with a request_id: the first answer, persisted, for every retry."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from taskstream.v1 import instance_pb2, instance_service_pb2_grpc, task_pb2
from taskstream.v1 import instance_service_pb2 as pb
from tests.support.server import ServerProcess

CONCURRENT = 500


def create_request(
    project: str, request_id: str, text: str = "once", hold: bool = True
) -> pb.CreateInstanceRequest:
    return pb.CreateInstanceRequest(
        parent=f"projects/{project}",
        tasks=[task_pb2.TaskSpec(type="echo", parameters_json=json.dumps({"text": text}))],
        request_id=request_id,
        hold=hold,
    )


def bad_request_fields(error: grpc.aio.AioRpcError | grpc.RpcError) -> list[str]:
    status = status_pb2.Status()
    for key, value in error.trailing_metadata() or ():  # type: ignore[union-attr]
        if key == "grpc-status-details-bin":
            status.ParseFromString(value)
    fields = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
    return fields


async def _concurrent_creates(address: str, request: pb.CreateInstanceRequest) -> list[bytes]:
    async with grpc.aio.insecure_channel(address) as channel:
        stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
        replies = await asyncio.gather(
            *(stub.CreateInstance(request, timeout=120) for _ in range(CONCURRENT))
        )
    return [r.SerializeToString(deterministic=True) for r in replies]


def test_concurrent_creates_with_one_request_id_make_one_instance(server: ServerProcess) -> None:
    project = f"idem-{uuid.uuid4().hex[:8]}"
    request = create_request(project, "create-once")
    answers = asyncio.run(_concurrent_creates(server.address, request))
    assert len(answers) == CONCURRENT
    assert len(set(answers)) == 1  # byte for byte the same answer
    with grpc.insecure_channel(server.address) as channel:
        stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
        listed = stub.ListInstances(pb.ListInstancesRequest(parent=f"projects/{project}", page_size=1000))
        assert len(listed.instances) == 1
        first = pb.CreateInstanceResponse.FromString(answers[0])
        assert listed.instances[0].name == first.instance.name
        # A later retry still gets the first answer, though the instance changed since (it was stopped).
        stub.StopInstance(pb.StopInstanceRequest(name=first.instance.name))
        again = stub.CreateInstance(request)
        assert again.SerializeToString(deterministic=True) == answers[0]
        # The same request_id with other parameters is refused, naming the field.
        with pytest.raises(grpc.RpcError) as reused:
            stub.CreateInstance(create_request(project, "create-once", text="other"))
        assert reused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_request_fields(reused.value) == ["request_id"]
        # Request ids are per project: the same id elsewhere is a new request.
        other = stub.CreateInstance(create_request(project + "-b", "create-once"))
        assert other.instance.name != first.instance.name


def test_a_request_id_from_another_caller_is_not_their_retry(server: ServerProcess) -> None:
    project = f"idem-{uuid.uuid4().hex[:8]}"
    with grpc.insecure_channel(server.address) as channel:
        stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
        stub.CreateInstance(create_request(project, "shared"), metadata=(("x-taskstream-user", "ann"),))
        with pytest.raises(grpc.RpcError) as other_caller:
            stub.CreateInstance(create_request(project, "shared"), metadata=(("x-taskstream-user", "ben"),))
        assert other_caller.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_how_long_a_create_waits_is_not_part_of_its_request(server: ServerProcess) -> None:
    """A retry may wait for a different time (a client's timeout running down), and a create that waits
    and one that does not are the same request: each gets the first instance."""
    project = f"idem-{uuid.uuid4().hex[:8]}"
    with grpc.insecure_channel(server.address) as channel:
        stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
        first = stub.CreateInstance(create_request(project, "waits", hold=False), timeout=30)
        waiting = create_request(project, "waits", hold=False)
        for seconds in (60, 59):
            waiting.wait_timeout.FromSeconds(seconds)
            again = stub.CreateInstance(waiting, timeout=90)
            assert again.instance.name == first.instance.name and again.terminated
        listed = stub.ListInstances(pb.ListInstancesRequest(parent=f"projects/{project}"))
        assert len(listed.instances) == 1


async def _concurrent_stops(address: str, request: pb.StopInstanceRequest, count: int) -> list[bytes]:
    async with grpc.aio.insecure_channel(address) as channel:
        stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
        replies = await asyncio.gather(*(stub.StopInstance(request, timeout=120) for _ in range(count)))
    return [r.SerializeToString(deterministic=True) for r in replies]


def test_stop_request_ids_survive_a_restart(tmp_path: Path) -> None:
    process = ServerProcess(tmp_path, workers=0).start()
    try:
        with grpc.insecure_channel(process.address) as channel:
            stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
            created = stub.CreateInstance(create_request("stops", ""))
            stop = pb.StopInstanceRequest(name=created.instance.name, message="enough", request_id="stop-1")
        answers = asyncio.run(_concurrent_stops(process.address, stop, 50))
        assert len(set(answers)) == 1
        first = pb.StopInstanceResponse.FromString(answers[0])
        assert first.instance.status == instance_pb2.INSTANCE_STATUS_TERMINATED  # held: it stops at once
    finally:
        process.stop()
    restarted = ServerProcess(tmp_path, workers=0).start()
    try:
        with grpc.insecure_channel(restarted.address) as channel:
            stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
            # Stopping a terminated instance is FAILED_PRECONDITION, but a retry gets the first answer.
            again = stub.StopInstance(stop)
            assert again.SerializeToString(deterministic=True) == answers[0]
            with pytest.raises(grpc.RpcError) as new_stop:
                stub.StopInstance(pb.StopInstanceRequest(name=created.instance.name))
            assert new_stop.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            with pytest.raises(grpc.RpcError) as reused:
                stub.StopInstance(
                    pb.StopInstanceRequest(name=created.instance.name, message="other", request_id="stop-1")
                )
            assert reused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert bad_request_fields(reused.value) == ["request_id"]
    finally:
        restarted.stop()
