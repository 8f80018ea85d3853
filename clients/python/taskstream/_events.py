"""The events ``Instance.watch()`` yields: one frozen dataclass per kind of change, plus heartbeats.

Every event carries ``seq``, the instance's sequence number of that change; passing the last one seen as
``after_seq`` to a new watch continues exactly after it. Events that hand out client objects (the
snapshot's instance, a status change's task, a new sub-instance) are generic in the handle type, so the
asyncio client yields the same classes holding ``AsyncInstance`` / ``AsyncTask`` handles;
``taskstream.InstanceEvent`` is the union the sync client yields and ``taskstream.aio.AsyncInstanceEvent``
the asyncio one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Generic, TypeVar

from taskstream._progress import TaskProgress
from taskstream.status import CancellationReason, InstanceStatus, TaskStatus
from taskstream.values import PropertyType

InstanceT = TypeVar("InstanceT")
TaskT = TypeVar("TaskT")


@dataclasses.dataclass(frozen=True)
class InstanceSnapshot(Generic[InstanceT]):
    """The whole instance: first on a new watch, again when the server reset a resumed watch, and last
    when the instance terminated (the watch then ends). ``instance`` is the client's handle, already
    holding this state; ``status`` is the instance's status in this snapshot (the handle's ``status``
    asks the server again while the instance runs)."""

    seq: int
    instance: InstanceT
    status: InstanceStatus


@dataclasses.dataclass(frozen=True)
class InstanceStatusChanged:
    """The instance's status changed; ``successful`` is True once terminated with every task SUCCESS."""

    seq: int
    time: dt.datetime
    previous_status: InstanceStatus
    status: InstanceStatus
    successful: bool


@dataclasses.dataclass(frozen=True)
class TaskStatusChanged(Generic[TaskT]):
    """A task's status changed; ``task`` is the client's handle on that task. A cancelled (or
    cancelling) task's ``cancellation_reason`` and ``cancellation_message`` say why, as the task's
    ``task_cancellation_reason`` and ``task_cancellation_message`` do, without another call."""

    seq: int
    time: dt.datetime
    task_name: str
    previous_status: TaskStatus
    status: TaskStatus
    task: TaskT
    cancellation_reason: CancellationReason = CancellationReason.NONE
    cancellation_message: str = ""


@dataclasses.dataclass(frozen=True)
class TaskProgressUpdated:
    """A task reported progress; ``progress`` replaces whatever it reported before."""

    seq: int
    time: dt.datetime
    task_name: str
    progress: TaskProgress


@dataclasses.dataclass(frozen=True)
class TaskPropertyUpdated:
    """A task set a property (str, int, float or bytes; None for a kind this client does not know)."""

    seq: int
    time: dt.datetime
    task_name: str
    key: str
    value: PropertyType | None


@dataclasses.dataclass(frozen=True)
class TaskOutputAppended:
    """A task wrote ``data`` to ``stream`` ("stdout" or "stderr") at byte ``offset`` of ``attempt``.

    Only sent to watches that asked for output. An offset past the end of the previous chunk means the
    bytes in between were cut by the server's cap; a retried task starts a new attempt at offset 0.
    """

    seq: int
    time: dt.datetime
    task_name: str
    stream: str
    offset: int
    data: bytes
    attempt: int


@dataclasses.dataclass(frozen=True)
class SubInstanceCreated(Generic[InstanceT]):
    """A workflow task ``task_name`` started sub-instance ``instance``, called ``name`` in the workflow."""

    seq: int
    time: dt.datetime
    name: str
    instance: InstanceT
    task_name: str


@dataclasses.dataclass(frozen=True)
class Heartbeat:
    """Nothing changed but the stream is alive; yielded only by ``watch(heartbeats=True)``.

    ``seq`` is the last sequence number the server sent.
    """

    seq: int
    time: dt.datetime
