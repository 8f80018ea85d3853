"""The public surface is __all__, pinned here so a change to it is deliberate."""

import taskstream
from taskstream.v1 import instance_service_pb2_grpc

EXPECTED = {
    "ApiError", "CancellationReason", "Client", "FailedPreconditionError", "FieldViolation", "Instance",
    "InstanceFailedError", "InstanceStatus", "InvalidArgumentError", "InvalidStateSetting", "Job",
    "JobStateError", "NotFoundError", "PendingCancellation", "PermissionDeniedError", "RemoteTaskError",
    "StageProgress", "SubmitOptions", "Task", "TaskContext", "TaskEnvironment", "TaskProgress", "TaskSpec",
    "TaskStatus", "TaskstreamError", "UnauthenticatedError", "UnavailableError", "WaitTimeoutError",
    "connect", "errors", "task",
    # issue 3: following instances
    "Heartbeat", "InstanceEvent", "InstanceSnapshot", "InstanceStatusChanged", "OutputChunk",
    "SubInstanceCreated", "TaskOutputAppended", "TaskProgressUpdated", "TaskPropertyUpdated",
    "TaskStatusChanged", "aio",
    # issue 5: XFlow workflows
    "workflow",
}  # fmt: skip
AIO_EXPECTED = {"AsyncClient", "AsyncInstance", "AsyncInstanceEvent", "AsyncTask", "connect"}


def test_all_is_pinned_and_importable() -> None:
    assert set(taskstream.__all__) == EXPECTED
    for name in taskstream.__all__:
        assert getattr(taskstream, name) is not None


def test_aio_all_is_pinned_and_importable() -> None:
    assert set(taskstream.aio.__all__) == AIO_EXPECTED
    for name in taskstream.aio.__all__:
        assert getattr(taskstream.aio, name) is not None


def test_stk_and_pyodps_names_are_the_same_members() -> None:
    assert taskstream.TaskStatus.COMPLETED is taskstream.TaskStatus.SUCCESS
    assert taskstream.TaskStatus.CANCELED is taskstream.TaskStatus.CANCELLED
    assert taskstream.Instance.Status.RUNNING.value == "Running"
    assert instance_service_pb2_grpc.InstanceServiceStub  # the generated stubs stay importable
