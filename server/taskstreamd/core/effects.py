"""Carrying out what a state-machine step asks for: commands to the workers that hold the tasks, and tasks
to queue again. Run right after the step, in the same turn: a worker hears of a stop at once, and the
commit of the step follows within the writer's window."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from taskstreamd.core.book import Book
from taskstreamd.core.dispatch import Dispatcher
from taskstreamd.core.sessions import WorkerRegistry
from taskstreamd.domain import transitions
from taskstreamd.domain.worker_messages import Cancel, Command, Resume, Suspend

# Hands a command to a worker that is connected to another replica (see core.replicas); False when the
# worker is known nowhere.
Forward = Callable[[str, Command], bool]


class Effects:
    def __init__(self, book: Book, workers: WorkerRegistry, dispatcher: Dispatcher) -> None:
        self.book = book
        self.workers = workers
        self.dispatcher = dispatcher
        self.forward: Forward | None = None
        self.retry_later: Callable[[transitions.RetryLater], None] | None = None  # core.holds

    def apply(self, effects: Iterable[transitions.Effect]) -> None:
        queued = False
        for effect in effects:
            if isinstance(effect, transitions.Enqueue):
                found = self.book.task(effect.task_id)
                if found is not None:
                    self.dispatcher.enqueue(*found)
                    queued = True
                continue
            if isinstance(effect, transitions.RetryLater):
                if self.retry_later is not None:
                    self.retry_later(effect)
                continue
            command: Command
            if isinstance(effect, transitions.SendCancel):
                command = Cancel(effect.assignment_id, effect.cancellation, effect.grace_period)
            elif isinstance(effect, transitions.SendSuspend):
                command = Suspend(effect.assignment_id)
            else:
                command = Resume(effect.assignment_id)
            session = self.workers.get(effect.worker)
            if session is not None:
                session.send(command)
            elif self.forward is not None:
                self.forward(effect.worker, command)
            # else the worker is gone; its disconnect settles its tasks
        if queued:
            self.dispatcher.kick()
