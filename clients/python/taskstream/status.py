"""The statuses and cancellation reasons the server and every Python client share, and their protos.

This is part of taskstream's public vocabulary (with ``taskstream.values``): the server and the workers
(``taskstreamd``) use these classes too, so a status means the same on both sides of the wire.

``TaskStatus`` carries PyODPS's names (WAITING, SUCCESS, CANCELLED …) and STK's (SUBMITTED, COMPLETED,
CANCELED …) as aliases of the same members, so ``TaskStatus.COMPLETED is TaskStatus.SUCCESS``.
``NOT_SUBMITTED`` (STK) is the status of a job's task before ``submit()``; it never crosses the wire.
"""

from __future__ import annotations

import enum

from taskstream.v1 import instance_pb2, task_pb2

__all__ = ["CancellationReason", "InstanceStatus", "TaskStatus", "WaitingReason"]


class InstanceStatus(enum.Enum):
    """An instance's status; ``.value`` is PyODPS's text ("Running", "Suspended", "Terminated")."""

    RUNNING = "Running"
    SUSPENDED = "Suspended"
    TERMINATED = "Terminated"

    @classmethod
    def from_proto(cls, value: int) -> InstanceStatus:
        return _INSTANCE_FROM_PROTO[value]

    def to_proto(self) -> instance_pb2.InstanceStatus:
        return _INSTANCE_TO_PROTO[self]


class TaskStatus(enum.IntEnum):
    """A task's status. Values are STK's TaskStatus numbers where STK has the status."""

    NOT_SUBMITTED = 0
    WAITING = 1
    ASSIGNED = 2
    RUNNING = 3
    CANCELLING = 4
    INTERRUPTED = 5
    CANCELLED = 6
    ENVIRONMENT_ERROR = 7
    SUCCESS = 8
    TIMED_OUT = 9
    FAILED = 10
    SUSPENDED = 11
    # STK's spellings of the same members.
    SUBMITTED = 1
    CANCELING = 4
    CANCELED = 6
    COMPLETED = 8

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    def __str__(self) -> str:
        # IntEnum prints a bare number since Python 3.11; a status should read as one.
        return f"TaskStatus.{self.name}"

    @classmethod
    def from_proto(cls, value: int) -> TaskStatus:
        return _TASK_FROM_PROTO[value]

    def to_proto(self) -> task_pb2.TaskStatus:
        try:
            return _TASK_TO_PROTO[self]
        except KeyError:  # NOT_SUBMITTED lives only in a client's unsubmitted job
            raise ValueError(f"{self} has no proto value") from None


class CancellationReason(enum.IntEnum):
    """Why a task was cancelled; values follow STK's TaskCancellationReason."""

    NONE = 0
    DIRECT = 1
    CONSEQUENTIAL = 2
    TIMEOUT = 3
    SHUTDOWN = 4
    CLIENT_DISCONNECTED = 5

    @classmethod
    def from_proto(cls, value: int) -> CancellationReason:
        return cls(value)  # the proto numbers are the same

    def to_proto(self) -> int:
        return task_pb2.CancellationReason.Value(
            f"CANCELLATION_REASON_{'UNSPECIFIED' if self is CancellationReason.NONE else self.name}"
        )


class WaitingReason(enum.IntEnum):
    """Why a task that has not started (WAITING or INTERRUPTED) waits; values are the proto numbers."""

    NONE = 0
    QUEUED = 1
    NO_WORKER_FOR_TYPE = 2
    NO_MATCHING_LABELS = 3
    DEPENDENCY = 4
    SCHEDULED = 5
    BACKOFF = 6
    CONCURRENCY_LIMIT = 7

    def __str__(self) -> str:
        return f"WaitingReason.{self.name}"

    @classmethod
    def from_proto(cls, value: int) -> WaitingReason:
        try:
            return cls(value)  # the proto numbers are the same
        except ValueError:  # a reason newer than this client
            return cls.QUEUED if value else cls.NONE

    def to_proto(self) -> int:
        return int(self)


_TERMINAL = frozenset(
    {
        TaskStatus.SUCCESS,
        TaskStatus.FAILED,
        TaskStatus.ENVIRONMENT_ERROR,
        TaskStatus.CANCELLED,
        TaskStatus.TIMED_OUT,
    }
)

_INSTANCE_TO_PROTO = {
    InstanceStatus.RUNNING: instance_pb2.INSTANCE_STATUS_RUNNING,
    InstanceStatus.SUSPENDED: instance_pb2.INSTANCE_STATUS_SUSPENDED,
    InstanceStatus.TERMINATED: instance_pb2.INSTANCE_STATUS_TERMINATED,
}
_INSTANCE_FROM_PROTO: dict[int, InstanceStatus] = {v: k for k, v in _INSTANCE_TO_PROTO.items()}

_TASK_TO_PROTO = {
    TaskStatus.WAITING: task_pb2.TASK_STATUS_WAITING,
    TaskStatus.ASSIGNED: task_pb2.TASK_STATUS_ASSIGNED,
    TaskStatus.RUNNING: task_pb2.TASK_STATUS_RUNNING,
    TaskStatus.SUSPENDED: task_pb2.TASK_STATUS_SUSPENDED,
    TaskStatus.CANCELLING: task_pb2.TASK_STATUS_CANCELLING,
    TaskStatus.INTERRUPTED: task_pb2.TASK_STATUS_INTERRUPTED,
    TaskStatus.SUCCESS: task_pb2.TASK_STATUS_SUCCESS,
    TaskStatus.FAILED: task_pb2.TASK_STATUS_FAILED,
    TaskStatus.ENVIRONMENT_ERROR: task_pb2.TASK_STATUS_ENVIRONMENT_ERROR,
    TaskStatus.CANCELLED: task_pb2.TASK_STATUS_CANCELLED,
    TaskStatus.TIMED_OUT: task_pb2.TASK_STATUS_TIMED_OUT,
}
_TASK_FROM_PROTO: dict[int, TaskStatus] = {v: k for k, v in _TASK_TO_PROTO.items()}
