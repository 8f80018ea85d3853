"""Instances and tasks as plain dataclasses: the store loads and saves them, the state machine moves them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from taskstream._status import CancellationReason, InstanceStatus, TaskStatus

# Tasks in these statuses hold a worker slot (or did when the worker was lost).
ACTIVE = frozenset({TaskStatus.ASSIGNED, TaskStatus.RUNNING, TaskStatus.CANCELLING})
# Tasks in these statuses wait in the scheduler's queue.
QUEUED = frozenset({TaskStatus.WAITING, TaskStatus.INTERRUPTED})

PYTHON_OBJECT_TYPE = "python_object"


@dataclass
class Cancellation:
    reason: CancellationReason
    message: str
    requested_by: str
    request_time: datetime


@dataclass
class TaskFailure:
    type: str
    message: str
    traceback: str = ""
    pickled_exception: bytes = b""


@dataclass
class InstanceOptions:
    cancel_on_task_failure: bool = False
    max_interrupted_retries: int = 3
    task_timeout: float | None = None


@dataclass
class Task:
    """One task. ``id`` is the store's key; ``assignment_id`` names the current attempt on a worker."""

    id: int
    index: int
    name: str
    type: str
    status: TaskStatus
    parameters_json: str = ""
    timeout: float | None = None
    attempts: int = 0
    interruptions: int = 0
    worker: str = ""
    assignment_id: str = ""
    started: bool = False  # whether the current attempt began to run (tells pause from hold)
    start_time: datetime | None = None
    end_time: datetime | None = None
    error: TaskFailure | None = None
    cancellation: Cancellation | None = None
    grace_period: float = 0.0  # granted to the task by the pending cancellation
    # Reported data the state machine never reads: a serialized Progress and PropertyValues, output sizes.
    progress: bytes | None = None
    properties: dict[str, bytes] = field(default_factory=dict)
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    interruption_reason: str = ""  # why it last lost its worker
    required_labels: dict[str, str] = field(default_factory=dict)  # labels a worker needs to run it

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal


@dataclass(frozen=True)
class OtherTasks:
    """What the state machine must know of the tasks of an instance that were not loaded with it."""

    any_open: bool  # one of them is not terminal yet
    any_unsuccessful: bool  # one of them ended other than SUCCESS


@dataclass
class Instance:
    id: str
    project: str
    owner: str
    priority: int
    create_time: datetime
    status: InstanceStatus = InstanceStatus.RUNNING
    labels: dict[str, str] = field(default_factory=dict)
    options: InstanceOptions = field(default_factory=InstanceOptions)
    start_time: datetime | None = None
    end_time: datetime | None = None
    parent_instance: str = ""
    request_id: str = ""
    successful: bool = False
    seq: int = 0  # the sequence number of the instance's last recorded change
    tasks: list[Task] = field(default_factory=list)
    # None when ``tasks`` holds every task; else a summary of the others. A step that concerns one task
    # loads only that one, so a task's end costs the same in an instance of 10,000 tasks as in one of 1.
    others: OtherTasks | None = None

    def task(self, name: str) -> Task | None:
        return next((t for t in self.tasks if t.name == name), None)

    def task_by_id(self, task_id: int) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)
