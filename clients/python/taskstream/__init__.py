"""taskstream: the Python client (PyODPS- and STK-style), the task-authoring API, and the generated stubs.

    import taskstream
    o = taskstream.connect("127.0.0.1:50051", project="default")
    instance = o.run_task("echo", {"text": "hi"})
    instance.wait_for_success()

``instance.watch()`` follows an instance as events (``InstanceSnapshot``, ``TaskProgressUpdated`` …) and
``taskstream.aio`` is the same client for asyncio. Task modules register handlers with
``from taskstream import task``. The generated protobuf and gRPC code stays importable as ``taskstream.v1``.
"""

from taskstream import aio, errors
from taskstream._client import Client, connect
from taskstream._events import (
    Heartbeat,
    InstanceEvent,
    InstanceSnapshot,
    InstanceStatusChanged,
    SubInstanceCreated,
    TaskOutputAppended,
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskStatusChanged,
)
from taskstream._instance import Instance
from taskstream._job import Job
from taskstream._output import OutputChunk
from taskstream._progress import StageProgress, TaskProgress
from taskstream._specs import SubmitOptions, TaskSpec
from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstream._task import Task
from taskstream._values import RemoteTaskError
from taskstream.authoring import PendingCancellation, TaskContext, TaskEnvironment, task, workflow
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
    "Heartbeat",
    "Instance",
    "InstanceEvent",
    "InstanceFailedError",
    "InstanceSnapshot",
    "InstanceStatus",
    "InstanceStatusChanged",
    "InvalidArgumentError",
    "InvalidStateSetting",
    "Job",
    "JobStateError",
    "NotFoundError",
    "OutputChunk",
    "PendingCancellation",
    "PermissionDeniedError",
    "RemoteTaskError",
    "StageProgress",
    "SubInstanceCreated",
    "SubmitOptions",
    "Task",
    "TaskContext",
    "TaskEnvironment",
    "TaskOutputAppended",
    "TaskProgress",
    "TaskProgressUpdated",
    "TaskPropertyUpdated",
    "TaskSpec",
    "TaskStatus",
    "TaskStatusChanged",
    "TaskstreamError",
    "UnauthenticatedError",
    "UnavailableError",
    "WaitTimeoutError",
    "aio",
    "connect",
    "errors",
    "task",
    "workflow",
]
