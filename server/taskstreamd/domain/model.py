"""Instances and tasks as plain dataclasses: the core holds active ones in memory and the state machine
(``transitions``) moves them; the store writes them and reads them back.

An instance keeps two counts of its tasks (``open_tasks``, ``unsuccessful_tasks``) that the state machine
maintains with every status it sets (``set_status``), so ending one task of an instance of 10,000 costs
the same as ending the only one: nothing scans the tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from taskstreamd.domain.cost import TaskCost
from taskstreamd.domain.scheduling import Attempt, Dependency, RetryPolicy
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus, WaitingReason

# Tasks in these statuses hold a worker slot (or did when the worker was lost).
ACTIVE = frozenset({TaskStatus.ASSIGNED, TaskStatus.RUNNING, TaskStatus.CANCELLING})
# Tasks in these statuses wait in the scheduler's queue (unless held: see Task.held).
QUEUED = frozenset({TaskStatus.WAITING, TaskStatus.INTERRUPTED})
_HELD = frozenset({WaitingReason.SCHEDULED, WaitingReason.DEPENDENCY, WaitingReason.BACKOFF})

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
    retry: RetryPolicy | None = None  # of every task without its own
    retention: float | None = None  # seconds kept once terminated; None: the server's retention
    bound: bool = False  # stopped CLIENT_DISCONNECTED when no watch of it is open for bound_grace seconds
    bound_grace: float = 30.0


@dataclass(frozen=True)
class NewTask:
    """A task as a caller asks for it (validated)."""

    name: str
    type: str
    parameters_json: str
    python_object: bytes = b""
    python_environment: bytes = b""
    timeout: float | None = None
    required_labels: dict[str, str] = field(default_factory=dict)
    retry: RetryPolicy | None = None
    dependencies: tuple[Dependency, ...] = ()
    concurrency_key: str = ""
    concurrency_limit: int = 0


@dataclass
class NewInstance:
    """An instance as a caller asks for it (validated)."""

    project: str
    owner: str
    tasks: list[NewTask]
    priority: int = 9
    labels: dict[str, str] = field(default_factory=dict)
    options: InstanceOptions = field(default_factory=InstanceOptions)
    request_id: str = ""
    request_fingerprint: str = ""  # tells a retry of this request from another using the same request_id
    parent_instance: str = ""
    hold: bool = False  # created SUSPENDED, its tasks held until resumed
    sub_instance_name: str = ""  # its name within the parent workflow; "" means its id
    parent_task: str = ""  # the parent's task that started it
    start_time: datetime | None = None  # its tasks wait (SCHEDULED) until then
    traceparent: str = ""  # the W3C trace context of the call that created it (with tracing on)
    tracestate: str = ""
    schedule: str = ""  # the name of the schedule starting it (its id is then drawn in that one's shard)


@dataclass(eq=False)
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
    progress_seq: int = 0  # the log event that carries ``progress``
    properties: dict[str, bytes] = field(default_factory=dict)
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    interruption_reason: str = ""  # why it last lost its worker
    required_labels: dict[str, str] = field(default_factory=dict)  # labels a worker needs to run it
    # What a worker needs to run it, kept while the task is active (not read back once it ended).
    python_object: bytes = b""
    python_environment: bytes = b""
    result: bytes | None = None  # a serialized Result, set when it ends
    cost: TaskCost | None = None  # what its latest attempt cost, when its worker measured it
    # Key/values callers put on it from outside (PutTaskInfo): loaded with the instances a server owns.
    info: dict[str, str] = field(default_factory=dict)
    # Scheduling (domain.scheduling): all empty for a task without such options.
    retry: RetryPolicy | None = None  # its own, or its instance's
    dependencies: tuple[Dependency, ...] = ()
    concurrency_key: str = ""
    concurrency_limit: int = 0
    # Why it waits, while WAITING or INTERRUPTED (kept while SUSPENDED, for the resume): QUEUED, or a
    # reason of domain.scheduling.HELD that keeps it out of the run queue.
    waiting: WaitingReason | None = None
    queue_reason: WaitingReason | None = None  # the dispatcher's finer reason for a QUEUED one
    history: list[Attempt] = field(default_factory=list)  # earlier attempts its retry policy retried
    retry_time: datetime | None = None  # while held for BACKOFF: when it may run again

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def waiting_reason(self) -> WaitingReason | None:
        """Why a WAITING or INTERRUPTED task waits, as shown: the dispatcher's finer reason for a queued
        one (set by ``Dispatcher.explain``); None for a task in another status."""
        if self.waiting is None or self.status not in QUEUED:
            return None
        if self.waiting == WaitingReason.QUEUED and self.queue_reason:
            return self.queue_reason
        return self.waiting

    @property
    def held(self) -> bool:
        """Kept out of the run queue for a reason of its instance's own (domain.scheduling.HELD)."""
        return self.waiting is not None and self.waiting in _HELD


@dataclass(eq=False)
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
    traceparent: str = ""  # the W3C trace context its tasks continue (TaskAssignment.traceparent)
    tracestate: str = ""
    tasks: list[Task] = field(default_factory=list)
    open_tasks: int = 0  # tasks not in a terminal status (see set_status)
    unsuccessful_tasks: int = 0  # tasks that ended other than SUCCESS
    start_at: datetime | None = None  # the start time it was created with (its tasks wait until then)
    expire_time: datetime | None = None  # when retention deletes it (with options.retention)
    schedule: str = ""  # the name of the schedule that started it
    # Task index -> the indexes of the tasks that depend on it; empty without dependencies.
    dependents: dict[int, list[int]] = field(default_factory=dict)
    info_bytes: int | None = None  # its tasks' info in all (core.task_info); None: not counted yet

    def task(self, name: str) -> Task | None:
        return next((t for t in self.tasks if t.name == name), None)

    def waiting_on(self, task: Task) -> list[str]:
        """The names of the task's dependencies that have not ended, in the order it names them."""
        return [d.name for d in task.dependencies if not self.tasks[d.index].is_terminal]

    def count_tasks(self) -> None:
        """Sets the task counts and the dependents from the tasks (after building or loading)."""
        self.open_tasks = sum(1 for t in self.tasks if not t.is_terminal)
        self.unsuccessful_tasks = sum(
            1 for t in self.tasks if t.is_terminal and t.status != TaskStatus.SUCCESS
        )
        self.dependents = {}
        for task in self.tasks:
            for dependency in task.dependencies:
                self.dependents.setdefault(dependency.index, []).append(task.index)


def set_status(instance: Instance, task: Task, status: TaskStatus) -> None:
    """Every task status is set here, so the instance's counts stay true."""
    old = task.status
    if old == status:
        return
    if old.is_terminal:
        instance.open_tasks += 1
        if old != TaskStatus.SUCCESS:
            instance.unsuccessful_tasks -= 1
    if status.is_terminal:
        instance.open_tasks -= 1
        if status != TaskStatus.SUCCESS:
            instance.unsuccessful_tasks += 1
    task.status = status
    if status not in QUEUED and status != TaskStatus.SUSPENDED:
        task.waiting = None  # it waits no more (a suspended one keeps its reason for the resume)
