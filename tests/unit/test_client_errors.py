"""gRPC failures become the client's own exceptions, with the google.rpc.Status details they carried."""

from __future__ import annotations

import pickle
import socket

import grpc
import pytest
from google.rpc import error_details_pb2

from taskstream import _values, errors
from taskstream._sync.client import connect
from taskstream.status import TaskStatus
from taskstream.v1 import task_pb2
from tests.unit.test_client_fake import serve, task


def test_not_found_maps_to_not_found_error_and_exist_instance_false() -> None:
    with serve() as (fake, client):
        data = fake.add()
        assert client.exist_instance(data.id) is True
        assert client.exist_instance("nope") is False
        with pytest.raises(errors.NotFoundError) as caught:
            client.get_instance("nope").reload()
    assert caught.value.code is grpc.StatusCode.NOT_FOUND
    assert "not found" in caught.value.details
    assert isinstance(caught.value, errors.ApiError)
    assert isinstance(caught.value, errors.TaskstreamError)
    assert not isinstance(caught.value, grpc.RpcError)


def test_exist_instance_is_false_for_a_name_the_server_rejects_and_raises_otherwise() -> None:
    def violation(field: str) -> error_details_pb2.BadRequest:
        return error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field=field, description="bad")]
        )

    with serve() as (fake, client):
        fake.errors["GetInstance"] = (grpc.StatusCode.INVALID_ARGUMENT, "name: bad", [violation("name")])
        assert client.exist_instance("x") is False
        fake.errors["GetInstance"] = (grpc.StatusCode.INVALID_ARGUMENT, "other: bad", [violation("other")])
        with pytest.raises(errors.InvalidArgumentError):
            client.exist_instance("x")


def test_invalid_argument_exposes_bad_request_field_violations() -> None:
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(
                field="tasks[0].type", description="unknown type 'x'"
            ),
            error_details_pb2.BadRequest.FieldViolation(field="priority", description="must be 0 to 9"),
        ]
    )
    with serve() as (fake, client):
        fake.errors["CreateInstance"] = (grpc.StatusCode.INVALID_ARGUMENT, "bad spec", [bad_request])
        with pytest.raises(errors.InvalidArgumentError) as caught:
            client.run_task("x")
    error = caught.value
    assert error.field_violations == (
        errors.FieldViolation("tasks[0].type", "unknown type 'x'"),
        errors.FieldViolation("priority", "must be 0 to 9"),
    )
    assert error.details == "bad spec"
    assert str(error) == "bad spec (tasks[0].type: unknown type 'x'; priority: must be 0 to 9)"


def test_stopping_a_terminated_instance_is_invalid_state_setting_with_error_info() -> None:
    with serve() as (fake, client):
        data = fake.add()
        fake.finish(data)
        with pytest.raises(errors.InvalidStateSetting) as caught:
            client.stop_instance(data.id)
    assert errors.InvalidStateSetting is errors.FailedPreconditionError
    assert caught.value.reason == "INSTANCE_TERMINATED"
    assert caught.value.metadata == {"k": "v"}
    assert str(caught.value) == "instance is already terminated"


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        (grpc.StatusCode.PERMISSION_DENIED, errors.PermissionDeniedError),
        (grpc.StatusCode.UNAUTHENTICATED, errors.UnauthenticatedError),
        (grpc.StatusCode.FAILED_PRECONDITION, errors.FailedPreconditionError),
        (grpc.StatusCode.INTERNAL, errors.ApiError),
        (grpc.StatusCode.DEADLINE_EXCEEDED, errors.ApiError),
    ],
)
def test_status_codes_map_to_error_types(code: grpc.StatusCode, error_type: type[errors.ApiError]) -> None:
    with serve() as (fake, client):
        data = fake.add()
        fake.errors["SuspendInstance"] = (code, "nope", [])
        with pytest.raises(errors.ApiError) as caught:
            client.get_instance(data.id).suspend()
    assert type(caught.value) is error_type
    assert caught.value.code is code
    assert str(caught.value) == "nope"


def test_an_unreachable_server_is_unavailable_error_naming_the_target() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        target = f"127.0.0.1:{sock.getsockname()[1]}"
    with connect(target) as client, pytest.raises(errors.UnavailableError) as caught:
        client.exist_instance("x")
    assert caught.value.target == target
    assert target in str(caught.value)
    assert caught.value.code is grpc.StatusCode.UNAVAILABLE


def test_wait_timeout_error_is_a_timeout_error() -> None:
    error = errors.WaitTimeoutError("late", instance_id="i1", timeout=2.0)
    assert isinstance(error, TimeoutError)
    assert isinstance(error, errors.TaskstreamError)
    assert error.instance_id == "i1"


@pytest.mark.parametrize(
    "error",
    [
        errors.NotFoundError("gone", code=grpc.StatusCode.NOT_FOUND, details="gone", reason="R"),
        errors.InvalidArgumentError("bad", field_violations=(errors.FieldViolation("f", "d"),)),
        errors.UnavailableError("down", target="h:1"),
        errors.WaitTimeoutError("late", instance_id="i1", timeout=1.0),
        errors.InstanceFailedError(
            "boom", instance_id="i1", task_name="t", task_status=TaskStatus.FAILED, error=ValueError("boom")
        ),
        errors.JobStateError("twice"),
    ],
)
def test_errors_survive_pickling_with_their_attributes(error: errors.TaskstreamError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert {k: repr(v) for k, v in vars(copy).items()} == {k: repr(v) for k, v in vars(error).items()}


def test_remote_task_error_is_the_shared_one() -> None:
    assert errors.RemoteTaskError is _values.RemoteTaskError


def test_the_docstring_draws_every_public_error() -> None:
    tree = errors.__doc__ or ""
    for name in errors.__all__:
        if name != "FieldViolation":
            assert name in tree, name


def test_an_instance_failed_error_carries_its_instance_but_pickles_without_it() -> None:
    with serve() as (fake, client):
        data = fake.add([task("t", task_pb2.TASK_STATUS_CANCELLED)])
        fake.finish(data, task_pb2.TASK_STATUS_CANCELLED)
        instance = client.get_instance(data.id)
        with pytest.raises(errors.InstanceFailedError) as caught:
            instance.wait_for_success()
    assert caught.value.instance is instance
    copy = pickle.loads(pickle.dumps(caught.value))  # a workflow's task hands it to its worker
    assert copy.instance is None and copy.instance_id == data.id and copy.task_name == "t"
