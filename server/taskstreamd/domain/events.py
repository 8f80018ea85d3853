"""Changes of an instance, as the core records them and watchers receive them.

A change is a small dataclass naming what changed; ``RecordedEvent`` is one change numbered in its
instance's log (``seq``) and encoded once by the ``EventCodec`` the composition root hands the core (the
wire layer's protobuf codec), so the core never builds a message itself and every watcher shares the
same bytes. Status changes are derived by comparing an instance's statuses before and after a
state-machine step (``status_changes``), so no code path can change a status without its event.

The numbers of ``EventKind`` are the stored format of the log's ``kind`` column.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from taskstreamd.domain.model import Instance, Task
from taskstreamd.domain.project_events import ProjectCodec
from taskstreamd.domain.stages import StageMark, StageTimes
from taskstreamd.domain.vocabulary import InstanceStatus, TaskStatus, WaitingReason


class EventKind(enum.IntEnum):
    INSTANCE_STATUS = 3
    TASK_STATUS = 4
    PROGRESS = 5
    PROPERTY = 6
    OUTPUT = 7
    SUB_INSTANCE = 8
    WAITING_REASON = 9


@dataclass(frozen=True, slots=True)
class InstanceStatusChanged:
    previous: InstanceStatus
    status: InstanceStatus


@dataclass(frozen=True, slots=True)
class TaskStatusChanged:
    """``task`` is read when the change is recorded (encoded at once), never later."""

    previous: TaskStatus
    task: Task


@dataclass(frozen=True, slots=True)
class TaskProgressUpdated:
    task: str
    progress: bytes  # an opaque serialized progress, as the worker reported it


@dataclass(frozen=True, slots=True)
class TaskPropertyUpdated:
    task: str
    key: str
    value: bytes  # an opaque serialized property value


@dataclass(frozen=True, slots=True)
class TaskOutputAppended:
    task: str
    stream: int
    offset: int
    data: bytes
    attempt: int


@dataclass(frozen=True, slots=True)
class SubInstanceCreated:
    instance: str  # the sub-instance's resource name
    name: str
    task: str


@dataclass(frozen=True, slots=True)
class TaskWaitingChanged:
    """A waiting task's reason to wait changed while its status did not."""

    task: str
    reason: WaitingReason


Change = (
    InstanceStatusChanged
    | TaskStatusChanged
    | TaskProgressUpdated
    | TaskPropertyUpdated
    | TaskOutputAppended
    | SubInstanceCreated
    | TaskWaitingChanged
)

KIND_OF: dict[type, EventKind] = {
    InstanceStatusChanged: EventKind.INSTANCE_STATUS,
    TaskStatusChanged: EventKind.TASK_STATUS,
    TaskProgressUpdated: EventKind.PROGRESS,
    TaskPropertyUpdated: EventKind.PROPERTY,
    TaskOutputAppended: EventKind.OUTPUT,
    SubInstanceCreated: EventKind.SUB_INSTANCE,
    TaskWaitingChanged: EventKind.WAITING_REASON,
}


class EventCodec(ProjectCodec, Protocol):
    """How changes become the bytes of the log and of the watch stream (the wire layer implements it),
    and how the stages of a serialized progress are read and stamped with their times."""

    def stage_marks(self, progress: bytes) -> list[StageMark]: ...

    def stamp_stages(self, progress: bytes, times: StageTimes) -> bytes: ...

    def encode(self, instance: Instance, change: Change, seq: int, time: datetime) -> bytes: ...

    def sub_instance(self, data: bytes) -> SubInstanceCreated: ...

    def terminal(self, kind: int, data: bytes) -> bool:
        """Whether a stored event of ``kind`` terminated its instance."""
        ...


@dataclass(slots=True)
class RecordedEvent:
    """One numbered change: ``data`` is what the log stores.

    ``task_id`` names the task whose earlier progress event a progress event replaces; ``framed`` is
    free for the layer that sends the event to keep its framing in, built once for every watcher.
    ``follows`` is the seq of the instance's event before this one in the log, when that is not
    ``seq - 1``: a progress event superseded in the same commit was never written, and leaves a hole.
    """

    instance_id: str
    seq: int
    kind: int
    data: bytes
    task_id: int = 0
    terminal: bool = False
    framed: bytes = field(default=b"", repr=False)
    follows: int | None = None


@dataclass(frozen=True, slots=True)
class Marks:
    """The statuses of an instance and of its tasks at one moment (and the tasks' reasons to wait)."""

    status: InstanceStatus
    tasks: tuple[TaskStatus, ...]
    waiting: tuple[WaitingReason | None, ...] = ()


def marks(instance: Instance) -> Marks:
    return Marks(
        instance.status, tuple(t.status for t in instance.tasks), tuple(t.waiting for t in instance.tasks)
    )


def status_changes(before: Marks, instance: Instance) -> list[Change]:
    """A change for every status that differs from ``before``: tasks in order, then the instance. A
    waiting task whose reason to wait changed, its status not, gets a TaskWaitingChanged."""
    found: list[Change] = []
    for task, previous, waited in zip(instance.tasks, before.tasks, before.waiting, strict=False):
        if previous != task.status:
            found.append(TaskStatusChanged(previous, task))
        elif task.waiting != waited and task.waiting is not None and task.status != TaskStatus.SUSPENDED:
            found.append(TaskWaitingChanged(task.name, task.waiting))
    if before.status != instance.status:
        found.append(InstanceStatusChanged(before.status, instance.status))
    return found


def task_changes(before: TaskStatus, task: Task, instance: Instance, was: InstanceStatus) -> list[Change]:
    """``status_changes`` for a step that can only have moved one task and the instance: O(1) in an
    instance of many tasks."""
    found: list[Change] = []
    if before != task.status:
        found.append(TaskStatusChanged(before, task))
    if was != instance.status:
        found.append(InstanceStatusChanged(was, instance.status))
    return found
