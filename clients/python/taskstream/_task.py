"""The Task handle: one task of an instance and everything it handed back (STK's task attributes)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from taskstream._output import OutputChunk, OutputCursor
from taskstream._progress import TaskProgress
from taskstream._status import TaskStatus
from taskstream._task_attributes import TaskAttributes
from taskstream._task_data import TaskData
from taskstream.errors import ApiError

if TYPE_CHECKING:
    from taskstream._instance import Instance

CompletedHandler = Callable[["Task"], object]
ProgressHandler = Callable[[TaskProgress], object]


class Task(TaskAttributes):
    """A handle on one task of an instance, reached by ``instance.get_task(name)`` or ``job.tasks[i]``.

    Its data comes from GetTaskResult, fetched on first use and fetched again on every read until the
    task is terminal; after that it is kept. ``refresh()`` fetches it now.

    STK's events: assign ``on_completed = fn(task)`` and ``progress_updated = fn(progress)`` to be
    called as the task ends and reports progress. Assigning a handler starts a daemon thread that watches
    the instance (one per instance, shared with its Job's handlers) and calls the handlers on it, in the
    order the changes happened. ``on_completed`` is called once, when the task reaches a terminal status
    (SUCCESS, FAILED, ENVIRONMENT_ERROR, CANCELLED, TIMED_OUT); a task that had already ended when the
    watch started is reported from its first snapshot, but a handler set after the watch reported the
    task's end is not called. ``progress_updated`` gets each progress the watch sees (progress may be
    coalesced to its latest value). An exception from a handler is logged and does not stop the watch.
    ``job.wait_until_done()`` returns only after every task's completion handlers ran.
    """

    Status = TaskStatus

    def __init__(self, instance: Instance, name: str) -> None:
        self._instance = instance
        self._name = name
        self._data: TaskData | None = None
        self._on_completed: CompletedHandler | None = None
        self._progress_updated: ProgressHandler | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def instance(self) -> Instance:
        return self._instance

    def refresh(self) -> None:
        """Fetches the task's status, result, output and properties from the server."""
        rpc = self._instance._rpc
        self._data = TaskData(rpc.get_task_result(self._instance.name, self._name))

    def _current(self) -> TaskData:
        data = self._data
        if data is None or not data.status.is_terminal:
            self.refresh()
            data = self._data
            assert data is not None
        return data

    def _view(self) -> TaskData:
        return self._current()

    def _error_text(self) -> str | None:
        return self._current().error_text()

    # -- output

    def read_output(
        self, stream: str = "stdout", *, offset: int = 0, follow: bool = False
    ) -> Iterator[OutputChunk]:
        """Streams the task's ``stream`` ("stdout" or "stderr") from byte ``offset``.

        A negative ``offset`` starts that many bytes before the current end (as ``tail -c``). Without
        ``follow`` the iterator ends after the output written so far; with it, it ends when the task has
        ended and every byte was delivered. A dropped stream is resumed at the next byte by itself.
        Closing the iterator cancels the call.
        """
        cursor = OutputCursor(self._instance.name, self._name, stream, offset=offset, follow=follow)
        return self._read(cursor)

    def _read(self, cursor: OutputCursor) -> Iterator[OutputChunk]:
        rpc = self._instance._rpc
        while True:
            try:
                with rpc.read_task_output(cursor.request()) as responses:
                    for response in responses:
                        chunk = cursor.receive(response)
                        if chunk is not None:
                            yield chunk
                return
            except ApiError as error:
                delay = cursor.retry_after(error)
            time.sleep(delay)

    # -- STK's events

    @property
    def on_completed(self) -> CompletedHandler | None:
        """Called with this task once it reaches a terminal status (see the class docstring)."""
        return self._on_completed

    @on_completed.setter
    def on_completed(self, handler: CompletedHandler | None) -> None:
        self._on_completed = handler
        if handler is not None:
            self._instance._watch_for_handlers()

    @property
    def progress_updated(self) -> ProgressHandler | None:
        """Called with the task's ``TaskProgress`` as it reports progress (see the class docstring).

        STK's ``progress`` and ``additional_information`` are its ``percent`` and ``message``.
        """
        return self._progress_updated

    @progress_updated.setter
    def progress_updated(self, handler: ProgressHandler | None) -> None:
        self._progress_updated = handler
        if handler is not None:
            self._instance._watch_for_handlers()

    def __repr__(self) -> str:
        # Never calls the server: shows the status last fetched, if any.
        status = f" {self._data.status.name}" if self._data is not None else ""
        return f"<Task {self._name} of {self._instance.id}{status}>"
