"""Where an instance's tasks that have not started stand (``get_queueing_info``), as PyODPS's
``Instance.InstanceQueueingInfo`` with each task's place in the run queue."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import OrderedDict
from collections.abc import Sequence

from taskstream._convert import instance_status, optional_datetime, task_status
from taskstream.status import InstanceStatus, TaskStatus, WaitingReason
from taskstream.v1 import instance_service_pb2


@dataclasses.dataclass(frozen=True)
class TaskQueueingInfo:
    """One task that has not started: its status (WAITING, INTERRUPTED, ASSIGNED, SUSPENDED or
    CANCELLING), why it waits, and ``position`` in the run queue (1: the next task handed to a worker
    that can run it; None when it is not in the queue: held for a dependency, a start time or a
    backoff, suspended, or already handed to a worker). Every queued task ahead counts, whatever
    workers it needs, so a task may start before some of those ahead of it."""

    name: str
    type: str
    status: TaskStatus
    waiting_reason: WaitingReason
    position: int | None


@dataclasses.dataclass(frozen=True)
class InstanceQueueingInfo:
    """An instance's queueing snapshot, with PyODPS's attribute names where it has them: ``instance_id``,
    ``project``, ``priority``, ``status`` (``Instance.Status``), ``start_time``, ``user_account`` (the
    owner), ``task_name`` and ``task_type`` (of the task nearest the head of the queue, else of the first
    task not started; None when every task started). ``tasks`` maps each task that has not started to
    its ``TaskQueueingInfo``, in task order; ``position`` is the best place among them (None: none is
    queued); ``queue_length`` counts every task in the run queue of the server that owns the instance."""

    instance_id: str
    project: str
    priority: int
    status: InstanceStatus
    user_account: str
    create_time: dt.datetime | None
    start_time: dt.datetime | None
    tasks: OrderedDict[str, TaskQueueingInfo]
    queue_length: int

    @property
    def position(self) -> int | None:
        return min((t.position for t in self.tasks.values() if t.position), default=None)

    @property
    def task_name(self) -> str | None:
        nearest = self._nearest()
        return nearest.name if nearest is not None else None

    @property
    def task_type(self) -> str | None:
        nearest = self._nearest()
        return nearest.type if nearest is not None else None

    def _nearest(self) -> TaskQueueingInfo | None:
        queued = [t for t in self.tasks.values() if t.position]
        if queued:
            return min(queued, key=lambda t: t.position or 0)
        return next(iter(self.tasks.values()), None)

    @classmethod
    def from_pages(
        cls, project: str, instance_id: str, pages: Sequence[instance_service_pb2.GetQueueingInfoResponse]
    ) -> InstanceQueueingInfo:
        """The info of every page of one GetQueueingInfo listing (the instance's own fields as the last
        page shows them)."""
        last = pages[-1]
        tasks: OrderedDict[str, TaskQueueingInfo] = OrderedDict()
        for page in pages:
            for t in page.tasks:
                tasks[t.task] = TaskQueueingInfo(
                    name=t.task,
                    type=t.type,
                    status=task_status(t.status),
                    waiting_reason=WaitingReason.from_proto(t.waiting_reason),
                    position=t.queue_position or None,
                )
        return cls(
            instance_id=instance_id,
            project=project,
            priority=last.priority,
            status=instance_status(last.status),
            user_account=last.owner,
            create_time=optional_datetime(last, "create_time"),
            start_time=optional_datetime(last, "start_time"),
            tasks=tasks,
            queue_length=last.queue_length,
        )
