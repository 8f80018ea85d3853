"""What an operator's console shows of this server: its workers with what they run, and its run queue by
task type.

Both are this replica's own (its connected workers, its queue). A task is named only to a reader of its
project (``visible``); to anyone else it is counted, not shown. A queued task is shown with why it waits
and its place in the run queue (1: next), counted over every type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from taskstreamd.core.book import Book
from taskstreamd.core.dispatch import Dispatcher
from taskstreamd.core.sessions import WorkerRegistry

QUEUED_SHOWN = 50  # queued tasks listed per type


@dataclass(frozen=True)
class TaskRef:
    """A task as the console lists it."""

    project: str
    instance_id: str
    task: str
    status: str
    since: datetime | None  # when it started (a running task) or was created (a queued one)
    waiting_reason: str = ""
    required_labels: dict[str, str] = field(default_factory=dict)  # worker labels it needs
    position: int = 0  # a queued task's place in the run queue, from 1


@dataclass(frozen=True)
class WorkerView:
    id: str
    name: str
    slots: int
    busy: int
    waiting: int  # tasks sent beyond its slots, waiting there for one
    labels: dict[str, str]
    task_types: list[str]
    tasks: list[TaskRef]
    hidden_tasks: int  # tasks of projects the reader may not see


@dataclass
class QueueView:
    type: str
    queued: int = 0
    tasks: list[TaskRef] = field(default_factory=list)
    hidden: int = 0


def workers(registry: WorkerRegistry, book: Book, visible: Callable[[str], bool]) -> list[WorkerView]:
    views = []
    for session in sorted(registry, key=lambda s: (s.name, s.id)):
        shown: list[TaskRef] = []
        hidden = 0
        for task_id in sorted(session.running):
            held = book.task(task_id)
            if held is None:
                continue
            instance, task = held
            if not visible(instance.project):
                hidden += 1
                continue
            shown.append(TaskRef(instance.project, instance.id, task.name, task.status.name, task.start_time))
        views.append(
            WorkerView(
                session.id,
                session.name,
                session.slots,
                session.busy_slots,
                session.waiting,
                dict(session.labels),
                sorted(session.task_types),
                shown,
                hidden,
            )
        )
    return views


def queues(dispatcher: Dispatcher, book: Book, visible: Callable[[str], bool]) -> list[QueueView]:
    """The run queue by type, in the order tasks are taken, with the dispatcher's rule for which entries
    still stand (so positions match GetQueueingInfo's) and its reasons for why each shown task waits."""
    explained: set[str] = set()
    by_type: dict[str, QueueView] = {}
    position = 0
    for entry in dispatcher.queue.in_order():
        held = book.task(entry.task_id)
        if held is None or not dispatcher.still_queued(entry.task_id):
            continue  # stale: cancelled, suspended or held while queued
        instance, task = held
        position += 1
        view = by_type.setdefault(entry.type, QueueView(entry.type))
        view.queued += 1
        if not visible(instance.project):
            view.hidden += 1
        elif len(view.tasks) < QUEUED_SHOWN:
            if instance.id not in explained:  # once per instance shown, not per task
                explained.add(instance.id)
                dispatcher.explain(instance)
            reason = task.waiting_reason.name if task.waiting_reason is not None else ""
            view.tasks.append(
                TaskRef(
                    instance.project,
                    instance.id,
                    task.name,
                    task.status.name,
                    instance.create_time,
                    reason,
                    dict(task.required_labels),
                    position,
                )
            )
    return sorted(by_type.values(), key=lambda v: (-v.queued, v.type))
