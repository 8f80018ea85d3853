"""STK's events on jobs and tasks: a background watch per instance calls the handlers.

The handlers are the attributes ``job.task_progress_updated(task_name, progress)``,
``job.task_state_changed(previous_status, new_status, task)``, ``job.task_completed(task)``,
``job.job_completed(job)``, ``task.progress_updated(progress)`` and ``task.on_completed(task)``
(``job.job_submitted(job)`` is called by ``submit()`` itself). The watch starts when the first handler
of an instance's tasks or job is set (or at ``job.submit()`` when the job has one); it follows
``Instance.watch()`` and ends with the instance. Completion handlers run once per task, in the order
the tasks ended; a task already ended when the watch starts is reported from the first snapshot. A
state change is reported from the status seen last (NOT_SUBMITTED at first), so changes that happened
before the watch saw them are reported as one. ``job_completed`` runs once, after every task's
completion handlers. ``settle()`` lets ``job.wait_until_done()`` return only after all of them ran,
even when the watch failed.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from taskstream._async._backend import AsyncBackground, call_handler, logger
from taskstream._convert import task_status
from taskstream._events import InstanceSnapshot, TaskProgressUpdated, TaskStatusChanged
from taskstream._progress import TaskProgress
from taskstream._waiting import is_terminated
from taskstream.status import TaskStatus
from taskstream.v1 import instance_pb2

if TYPE_CHECKING:
    from taskstream._async.instance import AsyncInstance, AsyncInstanceEvent

# How long wait_until_done, without a timeout, lets the watch deliver the end of a terminated instance
# before it calls the completion handlers left itself.
SETTLE_TIMEOUT = 30.0


class AsyncHandlerDispatcher:
    """Watches one instance in the background and calls its tasks' and job's STK handlers."""

    def __init__(self, instance: AsyncInstance) -> None:
        self._instance = instance
        # Held while a handler runs, so that settle() (on the caller's thread in the sync client)
        # cannot interleave with the watch's own calls.
        self._lock = threading.RLock()
        self._completed: set[str] = set()
        self._progress: dict[str, TaskProgress] = {}
        self._statuses: dict[str, TaskStatus] = {}
        self._job_completed = False
        self._background = AsyncBackground(self._run, f"taskstream-handlers-{instance.id}")

    def start(self) -> None:
        self._background.start()

    async def settle(self, timeout: float | None) -> None:
        """Waits up to ``timeout`` seconds (None: SETTLE_TIMEOUT) for the watch to deliver the end of the
        terminated instance, then calls the handlers it did not get to."""
        if not self._background.is_current():  # a handler may call wait_until_done
            await self._background.join(SETTLE_TIMEOUT if timeout is None else timeout)
        await self._snapshot(await self._instance._current(with_tasks=True))

    async def _run(self) -> None:
        try:
            async for event in self._instance.watch():
                await self._dispatch(event)
        except Exception:  # the watch gave up or the client was closed: settle() finishes the job
            if self._instance._rpc.closed:
                logger.debug("stopped watching instance %s: the client was closed", self._instance.id)
            else:
                logger.warning(
                    "watching instance %s for its handlers failed", self._instance.id, exc_info=True
                )

    async def _dispatch(self, event: AsyncInstanceEvent) -> None:
        if isinstance(event, InstanceSnapshot):
            data = event.instance._data
            assert data is not None  # the watch loaded it into the handle
            await self._snapshot(data)
        elif isinstance(event, TaskProgressUpdated):
            await self._progressed(event.task_name, event.progress)
        elif isinstance(event, TaskStatusChanged):
            await self._changed(event.task_name, event.status)

    async def _snapshot(self, data: instance_pb2.Instance) -> None:
        for task in data.tasks:
            progress = TaskProgress.from_proto(task.progress)
            if progress != self._progress.get(task.name, TaskProgress()):
                await self._progressed(task.name, progress)
            await self._changed(task.name, task_status(task.status))
        if is_terminated(data):
            await self._job_done()

    async def _progressed(self, task_name: str, progress: TaskProgress) -> None:
        with self._lock:
            self._progress[task_name] = progress
            task = self._instance._task_handle(task_name)
            if task.progress_updated is not None:
                await call_handler(task.progress_updated, progress)
            job = self._instance._job
            if job is not None and job.task_progress_updated is not None:
                await call_handler(job.task_progress_updated, task_name, progress)

    async def _changed(self, task_name: str, status: TaskStatus) -> None:
        with self._lock:
            previous = self._statuses.get(task_name, TaskStatus.NOT_SUBMITTED)
            if status != previous:
                self._statuses[task_name] = status
                job = self._instance._job
                if job is not None and job.task_state_changed is not None:
                    await call_handler(
                        job.task_state_changed, previous, status, self._instance._task_handle(task_name)
                    )
            if status.is_terminal:
                await self._complete(task_name)

    async def _complete(self, task_name: str) -> None:
        with self._lock:
            if task_name in self._completed:
                return
            self._completed.add(task_name)
            task = self._instance._task_handle(task_name)
            if task.on_completed is not None:
                await call_handler(task.on_completed, task)
            job = self._instance._job
            if job is not None and job.task_completed is not None:
                await call_handler(job.task_completed, task)

    async def _job_done(self) -> None:
        with self._lock:
            if self._job_completed:
                return
            self._job_completed = True
            job = self._instance._job
            if job is not None and job.job_completed is not None:
                await call_handler(job.job_completed, job)
