"""Bad input gets a deliberate status with details, never UNKNOWN or a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

import taskstream
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.support.server import ServerProcess

MISSING = "projects/tests/instances/20261121103000123abcdefgh"


@pytest.fixture
def stub(server: ServerProcess) -> Iterator[instance_service_pb2_grpc.InstanceServiceStub]:
    with grpc.insecure_channel(server.address) as channel:
        yield instance_service_pb2_grpc.InstanceServiceStub(channel)


def call_error(call: Callable[[], Any]) -> tuple[grpc.StatusCode, status_pb2.Status]:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error: Any = raised.value
    details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin", b"")
    status = status_pb2.Status.FromString(details)
    assert "Traceback" not in error.details()
    return error.code(), status


def violations(status: status_pb2.Status) -> list[str]:
    found = []
    for detail in status.details:
        request = error_details_pb2.BadRequest()
        if detail.Unpack(request):
            found += [v.field for v in request.field_violations]
    return found


def spec(**fields: Any) -> task_pb2.TaskSpec:
    return task_pb2.TaskSpec(**fields)


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (pb.CreateInstanceRequest(parent="projects/tests"), ["tasks"]),
        (pb.CreateInstanceRequest(parent="nope", tasks=[spec(type="noop")]), ["parent"]),
        (
            pb.CreateInstanceRequest(parent="projects/tests", priority=10, tasks=[spec(type="noop")]),
            ["priority"],
        ),
        (pb.CreateInstanceRequest(parent="projects/tests", tasks=[spec()]), ["tasks[0]"]),
        (
            pb.CreateInstanceRequest(
                parent="projects/tests", tasks=[spec(type="echo", parameters_json="{bad")]
            ),
            ["tasks[0].parameters_json"],
        ),
        (
            pb.CreateInstanceRequest(
                parent="projects/tests", tasks=[spec(type="noop", name="a"), spec(type="noop", name="a")]
            ),
            ["tasks[1].name"],
        ),
    ],
)
def test_bad_creates_are_invalid_argument_with_field_violations(
    stub: instance_service_pb2_grpc.InstanceServiceStub, request_: pb.CreateInstanceRequest, fields: list[str]
) -> None:
    code, status = call_error(lambda: stub.CreateInstance(request_))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(status) == fields


def test_unknown_instance_and_task_are_not_found(
    stub: instance_service_pb2_grpc.InstanceServiceStub, client: taskstream.Client
) -> None:
    for call in (
        lambda: stub.GetInstance(pb.GetInstanceRequest(name=MISSING)),
        lambda: stub.StopInstance(pb.StopInstanceRequest(name=MISSING)),
        lambda: stub.WaitInstance(pb.WaitInstanceRequest(name=MISSING)),
        lambda: stub.GetTaskResult(pb.GetTaskResultRequest(instance=MISSING, task="x")),
    ):
        code, status = call_error(call)
        assert code == grpc.StatusCode.NOT_FOUND and status.details
    done = client.execute_task("noop")
    code, _ = call_error(
        lambda: stub.GetTaskResult(pb.GetTaskResultRequest(instance=done.name, task="other"))
    )
    assert code == grpc.StatusCode.NOT_FOUND
    assert not client.exist_instance("20261121103000123abcdefgh")
    assert done.get_task_result("other") is None  # PyODPS: None for an unknown task name


def test_malformed_names_and_tokens_are_invalid_argument(
    stub: instance_service_pb2_grpc.InstanceServiceStub,
) -> None:
    for call in (
        lambda: stub.GetInstance(pb.GetInstanceRequest(name="projects/tests/instances/../../etc")),
        lambda: stub.ListInstances(pb.ListInstancesRequest(parent="projects/tests", page_token="garbage!")),
        lambda: stub.ListInstances(pb.ListInstancesRequest(parent="projects/tests", page_size=-1)),
        lambda: stub.ListInstances(pb.ListInstancesRequest(parent="")),
    ):
        code, _ = call_error(call)
        assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_suspend_and_resume_in_the_wrong_state_are_failed_precondition(client: taskstream.Client) -> None:
    done = client.execute_task("noop")
    with pytest.raises(taskstream.FailedPreconditionError):
        done.suspend()
    with pytest.raises(taskstream.FailedPreconditionError):
        done.resume()


def test_python_objects_need_allow_code(tmp_path: Any) -> None:
    server = ServerProcess(tmp_path, workers=0).start()
    try:
        with taskstream.connect(server.address) as client:
            job = client.create_job()
            job.add_task(_Nothing())
            with pytest.raises(taskstream.PermissionDeniedError):
                job.submit()
    finally:
        server.stop()


def test_unreachable_server_is_a_readable_error() -> None:
    with taskstream.connect("127.0.0.1:1") as client, pytest.raises(taskstream.UnavailableError):
        client.get_instance("20261121103000123abcdefgh").reload()


class _Nothing:
    def execute(self) -> None:
        self.result = None
