"""The public surface is __all__, pinned here so a change to it is deliberate."""

import importlib

import taskstream
import taskstream.stk
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
    # issue 23: PyODPS and STK parity, one client for sync and asyncio; issue 20: no unpickling by default
    "ClusterJobScheduler", "InstanceTask", "JobPriority", "PickledValue", "Record", "ResultReader",
    "TaskSummary", "TaskType", "WorkerDetail",
    # issue 22: scheduling semantics
    "Dependency", "RetryPolicy", "TaskAttempt", "WaitingReason",
    # issue 24: following a whole project
    "InstanceCreated", "InstanceDeleted", "InstanceStatusUpdated", "ProjectEvent", "ProjectInstance",
    "ProjectSnapshot",
    # issue 22: schedules
    "AlreadyExistsError", "OverlapPolicy", "Schedule",
    # issue 23 item 3: task costs, queueing info
    "InstanceQueueingInfo", "TaskCost", "TaskQueueingInfo",
}  # fmt: skip
AIO_EXPECTED = {
    "AsyncClient", "AsyncClusterJobScheduler", "AsyncInstance", "AsyncInstanceEvent", "AsyncJob",
    "AsyncResultReader", "AsyncSchedule", "AsyncTask", "AsyncWorkerDetail", "connect", "AsyncProjectEvent",
}  # fmt: skip
STK_EXPECTED = {
    "ClusterJobScheduler", "Job", "JobPriority", "Task", "TaskCancellationReason", "TaskEnvironment", "TaskStatus",
}  # fmt: skip
VOCABULARY = {
    "taskstream.status": {"CancellationReason", "InstanceStatus", "TaskStatus", "WaitingReason"},
    "taskstream.values": {
        "PickledValue", "PropertyType", "RemoteTaskError", "decode_error", "decode_property", "decode_result",
        "encode_error", "encode_property", "encode_result", "qualified_name",
    },
}  # fmt: skip


def test_all_is_pinned_and_importable() -> None:
    assert set(taskstream.__all__) == EXPECTED
    for name in taskstream.__all__:
        assert getattr(taskstream, name) is not None


def test_aio_all_is_pinned_and_importable() -> None:
    assert set(taskstream.aio.__all__) == AIO_EXPECTED
    for name in taskstream.aio.__all__:
        assert getattr(taskstream.aio, name) is not None


def test_stk_all_is_pinned_and_importable() -> None:
    assert set(taskstream.stk.__all__) == STK_EXPECTED
    assert taskstream.stk.TaskStatus.NOT_SUBMITTED == 0
    assert taskstream.stk.TaskCancellationReason is taskstream.CancellationReason


def test_the_shared_vocabulary_is_public_and_the_old_private_names_still_import() -> None:
    for module_name, expected in VOCABULARY.items():
        module = importlib.import_module(module_name)
        assert set(module.__all__) == expected
        private = importlib.import_module(module_name.replace("taskstream.", "taskstream._"))
        for name in expected:  # until taskstreamd imports the public modules
            assert getattr(private, name) is getattr(module, name)


def test_stk_and_pyodps_names_are_the_same_members() -> None:
    assert taskstream.TaskStatus.COMPLETED is taskstream.TaskStatus.SUCCESS
    assert taskstream.TaskStatus.CANCELED is taskstream.TaskStatus.CANCELLED
    assert taskstream.Instance.Status.RUNNING.value == "Running"
    assert instance_service_pb2_grpc.InstanceServiceStub  # the generated stubs stay importable
