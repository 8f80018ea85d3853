"""STK's events on jobs and tasks: a daemon thread per instance watches it and calls the handlers.

The handlers are the attributes ``job.task_progress_updated(task_name, progress)``,
``job.task_completed(task)``, ``task.progress_updated(progress)`` and ``task.on_completed(task)``.
The thread starts when the first handler of an instance's tasks or job is set (or at ``job.submit()``
when the job has one); it follows ``Instance.watch()`` and ends with the instance. Completion handlers
run once per task, in the order the tasks ended; a task already ended when the watch starts is reported
from the first snapshot. ``settle()`` lets ``job.wait_until_done()`` return only after every task's
completion handlers ran, even when the watch failed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from taskstream._convert import task_status
from taskstream._events import InstanceEvent, InstanceSnapshot, TaskProgressUpdated, TaskStatusChanged
from taskstream._progress import TaskProgress

if TYPE_CHECKING:
    from taskstream._instance import Instance

logger = logging.getLogger("taskstream")

# How long wait_until_done, without a timeout, lets the watch deliver the end of a terminated instance
# before it calls the completion handlers left itself.
SETTLE_TIMEOUT = 30.0


class HandlerDispatcher:
    """Watches one instance on a daemon thread and calls its tasks' and job's STK handlers."""

    def __init__(self, instance: Instance) -> None:
        self._instance = instance
        # Held while a handler runs, so that settle() cannot return in the middle of one.
        self._lock = threading.RLock()
        self._completed: set[str] = set()
        self._progress: dict[str, TaskProgress] = {}
        self._thread = threading.Thread(
            target=self._run, name=f"taskstream-handlers-{instance.id}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def settle(self, timeout: float | None) -> None:
        """Waits up to ``timeout`` seconds (None: SETTLE_TIMEOUT) for the watch to deliver the end of the
        terminated instance, then calls the completion handlers of every task it did not report."""
        if threading.current_thread() is not self._thread:  # a handler may call wait_until_done
            self._thread.join(SETTLE_TIMEOUT if timeout is None else timeout)
        data = self._instance._current(with_tasks=True)
        for task in data.tasks:
            if task_status(task.status).is_terminal:
                self._complete(task.name)

    def _run(self) -> None:
        try:
            for event in self._instance.watch():
                self._dispatch(event)
        except Exception:  # the watch gave up or the client was closed: settle() finishes the job
            if self._instance._rpc.closed:
                logger.debug("stopped watching instance %s: the client was closed", self._instance.id)
            else:
                logger.warning(
                    "watching instance %s for its handlers failed", self._instance.id, exc_info=True
                )

    def _dispatch(self, event: InstanceEvent) -> None:
        if isinstance(event, InstanceSnapshot):
            data = event.instance._data
            assert data is not None  # the watch loaded it into the handle
            for task in data.tasks:
                progress = TaskProgress.from_proto(task.progress)
                if progress != self._progress.get(task.name, TaskProgress()):
                    self._progressed(task.name, progress)
                if task_status(task.status).is_terminal:
                    self._complete(task.name)
        elif isinstance(event, TaskProgressUpdated):
            self._progressed(event.task_name, event.progress)
        elif isinstance(event, TaskStatusChanged) and event.status.is_terminal:
            self._complete(event.task_name)

    def _progressed(self, task_name: str, progress: TaskProgress) -> None:
        with self._lock:
            self._progress[task_name] = progress
            task = self._instance.get_task(task_name)
            if task.progress_updated is not None:
                _call(task.progress_updated, progress)
            job = self._instance._job
            if job is not None and job.task_progress_updated is not None:
                _call(job.task_progress_updated, task_name, progress)

    def _complete(self, task_name: str) -> None:
        with self._lock:
            if task_name in self._completed:
                return
            self._completed.add(task_name)
            task = self._instance.get_task(task_name)
            if task.on_completed is not None:
                _call(task.on_completed, task)
            job = self._instance._job
            if job is not None and job.task_completed is not None:
                _call(job.task_completed, task)


def _call(handler: Callable[..., object], *args: object) -> None:
    """Calls a user's handler; its exception is logged, so one bad handler cannot stop the others."""
    try:
        handler(*args)
    except Exception:
        logger.exception("a taskstream event handler %r raised", handler)
