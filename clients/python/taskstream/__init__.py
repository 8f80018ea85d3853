"""taskstream: the Python client (PyODPS- and STK-style), the task-authoring API, and the generated stubs.

    import taskstream
    o = taskstream.connect("127.0.0.1:50051", project="default")
    instance = o.run_task("echo", {"text": "hi"})
    instance.wait_for_success()

Task modules register handlers with ``from taskstream import task``. The generated protobuf and gRPC code
stays importable as ``taskstream.v1``.
"""

from taskstream import errors
from taskstream._client import Client, connect
from taskstream._instance import Instance
from taskstream._job import Job
from taskstream._progress import StageProgress, TaskProgress
from taskstream._specs import SubmitOptions, TaskSpec
from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstream._task import Task
from taskstream._values import RemoteTaskError
from taskstream.authoring import PendingCancellation, TaskContext, TaskEnvironment, task
from taskstream.errors import (
    ApiError,
    FailedPreconditionError,
    FieldViolation,
    InstanceFailedError,
    InvalidArgumentError,
    InvalidStateSetting,
    JobStateError,
    NotFoundError,
    PermissionDeniedError,
    TaskstreamError,
    UnauthenticatedError,
    UnavailableError,
    WaitTimeoutError,
)

__all__ = [
    "ApiError",
    "CancellationReason",
    "Client",
    "FailedPreconditionError",
    "FieldViolation",
    "Instance",
    "InstanceFailedError",
    "InstanceStatus",
    "InvalidArgumentError",
    "InvalidStateSetting",
    "Job",
    "JobStateError",
    "NotFoundError",
    "PendingCancellation",
    "PermissionDeniedError",
    "RemoteTaskError",
    "StageProgress",
    "SubmitOptions",
    "Task",
    "TaskContext",
    "TaskEnvironment",
    "TaskProgress",
    "TaskSpec",
    "TaskStatus",
    "TaskstreamError",
    "UnauthenticatedError",
    "UnavailableError",
    "WaitTimeoutError",
    "connect",
    "errors",
    "task",
]
