"""taskstream: the Python client (PyODPS- and STK-style), the task-authoring API, and the generated stubs.

    import taskstream
    o = taskstream.connect("127.0.0.1:50051", project="default")
    instance = o.run_task("echo", {"text": "hi"})
    instance.wait_for_success()

``instance.watch()`` follows an instance as events (``InstanceSnapshot``, ``TaskProgressUpdated`` …) and
``taskstream.aio`` is the same client for asyncio. STK code starts from ``taskstream.stk``
(``ClusterJobScheduler``). Task modules register handlers with ``from taskstream import task``. The
vocabulary the server shares is public in ``taskstream.status`` and ``taskstream.values``; the generated
protobuf and gRPC code stays importable as ``taskstream.v1``.
"""

from taskstream import aio, errors
from taskstream._attempts import TaskAttempt
from taskstream._events import (
    Heartbeat,
    InstanceSnapshot,
    InstanceStatusChanged,
    SubInstanceCreated,
    TaskOutputAppended,
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskStatusChanged,
)
from taskstream._jobs import JobPriority
from taskstream._output import OutputChunk
from taskstream._progress import StageProgress, TaskProgress
from taskstream._project_watch import (
    InstanceCreated,
    InstanceDeleted,
    InstanceStatusUpdated,
    ProjectInstance,
    ProjectSnapshot,
)
from taskstream._pyodps import InstanceTask, TaskCost, TaskSummary
from taskstream._queueing import InstanceQueueingInfo, TaskQueueingInfo
from taskstream._result_rows import Record
from taskstream._schedules import OverlapPolicy
from taskstream._specs import Dependency, RetryPolicy, SubmitOptions, TaskSpec
from taskstream._sync.client import Client, ProjectEvent, connect
from taskstream._sync.instance import Instance, InstanceEvent
from taskstream._sync.job import Job
from taskstream._sync.result_rows import ResultReader
from taskstream._sync.schedule import Schedule
from taskstream._sync.scheduler import ClusterJobScheduler
from taskstream._sync.task import Task
from taskstream._sync.worker import WorkerDetail
from taskstream._task_types import TaskType
from taskstream.authoring import PendingCancellation, TaskContext, TaskEnvironment, task, workflow
from taskstream.errors import (
    AlreadyExistsError,
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
from taskstream.status import CancellationReason, InstanceStatus, TaskStatus, WaitingReason
from taskstream.values import PickledValue, RemoteTaskError

__all__ = [
    "AlreadyExistsError",
    "ApiError",
    "CancellationReason",
    "Client",
    "ClusterJobScheduler",
    "Dependency",
    "FailedPreconditionError",
    "FieldViolation",
    "Heartbeat",
    "Instance",
    "InstanceCreated",
    "InstanceDeleted",
    "InstanceEvent",
    "InstanceFailedError",
    "InstanceQueueingInfo",
    "InstanceSnapshot",
    "InstanceStatus",
    "InstanceStatusChanged",
    "InstanceStatusUpdated",
    "InstanceTask",
    "InvalidArgumentError",
    "InvalidStateSetting",
    "Job",
    "JobPriority",
    "JobStateError",
    "NotFoundError",
    "OutputChunk",
    "OverlapPolicy",
    "PendingCancellation",
    "PermissionDeniedError",
    "PickledValue",
    "ProjectEvent",
    "ProjectInstance",
    "ProjectSnapshot",
    "Record",
    "RemoteTaskError",
    "ResultReader",
    "RetryPolicy",
    "Schedule",
    "StageProgress",
    "SubInstanceCreated",
    "SubmitOptions",
    "Task",
    "TaskAttempt",
    "TaskContext",
    "TaskCost",
    "TaskEnvironment",
    "TaskOutputAppended",
    "TaskProgress",
    "TaskProgressUpdated",
    "TaskPropertyUpdated",
    "TaskQueueingInfo",
    "TaskSpec",
    "TaskStatus",
    "TaskStatusChanged",
    "TaskSummary",
    "TaskType",
    "TaskstreamError",
    "UnauthenticatedError",
    "UnavailableError",
    "WaitTimeoutError",
    "WaitingReason",
    "WorkerDetail",
    "aio",
    "connect",
    "errors",
    "task",
    "workflow",
]
