"""Tasks the core holds out of the run queue until a time: an instance's start time (SCHEDULED) and the end
of a retried task's backoff (BACKOFF). Each is a timer (core.timers); when it fires, the state machine
releases the tasks, which is recorded like any change. A server that starts (or takes over a shard) sets
the timers again from what it loaded, so nothing is released early or forgotten across restarts.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from taskstreamd.core.book import Book
from taskstreamd.core.timers import Timers
from taskstreamd.domain import transitions
from taskstreamd.domain.events import marks, status_changes
from taskstreamd.domain.model import Instance
from taskstreamd.domain.vocabulary import WaitingReason

log = logging.getLogger(__name__)

Apply = Callable[[list[transitions.Effect]], None]


class Holds:
    def __init__(self, book: Book, timers: Timers, rand: Callable[[], float] = random.random) -> None:
        self.book = book
        self.timers = timers
        self.rand = rand  # draws retry policies' jitter
        self.apply: Apply = lambda effects: None  # set by the core: core.effects

    def track(self, instance: Instance) -> None:
        """Sets the timers a new or loaded instance needs."""
        if instance.start_at is not None and any(
            t.waiting == WaitingReason.SCHEDULED for t in instance.tasks
        ):
            self.timers.at(instance.start_at, ("start", instance.id), lambda: self._start(instance.id))
        for task in instance.tasks:
            if task.retry_time is not None and not task.is_terminal:
                self.retry_at(transitions.RetryLater(instance.id, task.id, task.retry_time))

    def retry_at(self, effect: transitions.RetryLater) -> None:
        self.timers.at(
            effect.when,
            ("retry", effect.task_id),
            lambda: self._backoff_over(effect.instance_id, effect.task_id),
        )

    def _start(self, instance_id: str) -> None:
        instance = self.book.get(instance_id)
        if instance is not None:
            self._step(instance, lambda: transitions.start_time_reached(instance))

    def _backoff_over(self, instance_id: str, task_id: int) -> None:
        found = self.book.task(task_id)
        if found is not None and found[0].id == instance_id:
            instance, task = found
            self._step(instance, lambda: transitions.backoff_over(instance, task))

    def _step(self, instance: Instance, step: Callable[[], list[transitions.Effect]]) -> None:
        before = marks(instance)
        effects = step()
        book = self.book
        for task, waited in zip(instance.tasks, before.waiting, strict=True):
            if task.waiting != waited:
                book.changed(instance, task)
        book.record(instance, status_changes(before, instance))
        self.apply(effects)
        book.writer.later()
