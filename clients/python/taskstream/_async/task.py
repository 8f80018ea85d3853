"""The Task handle: one task of an instance and everything it handed back (STK's task attributes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from taskstream._async._backend import sleep
from taskstream._attempts import TaskAttempt
from taskstream._convert import optional_datetime
from taskstream._output import OutputChunk, OutputCursor
from taskstream._progress import TaskProgress
from taskstream._pyodps import TaskCost, task_cost
from taskstream._task_data import TaskData
from taskstream.errors import ApiError, JobStateError
from taskstream.status import CancellationReason, TaskStatus, WaitingReason
from taskstream.values import PropertyType

if TYPE_CHECKING:
    from taskstream._async.instance import AsyncInstance

CompletedHandler = Callable[["AsyncTask"], object]
ProgressHandler = Callable[[TaskProgress], object]


class AsyncTask:
    """A handle on one task, reached by ``instance.get_task(name)`` or ``job.tasks[i]``.

    Its data comes from GetTaskResult, fetched on first use and fetched again on every read until the
    task is terminal; after that it is kept. ``refresh()`` fetches it now. A job's task exists before
    the job is submitted: it is then NOT_SUBMITTED, with nothing handed back yet.

    A result that is a pickled Python object reads as a ``PickledValue`` (its repr, ``load()`` to
    unpickle), and a failed task's exception as a ``RemoteTaskError``, unless the client was made with
    ``unpickle=True`` or the task belongs to a job this client submitted (see ``Job``).

    STK's events: assign ``on_completed = fn(task)`` and ``progress_updated = fn(progress)`` to be
    called as the task ends and reports progress. Assigning a handler starts watching the instance in
    the background (one watch per instance, shared with its Job's handlers), which calls the handlers
    in the order the changes happened. ``on_completed`` is called once, when the task reaches a terminal
    status (SUCCESS, FAILED, ENVIRONMENT_ERROR, CANCELLED, TIMED_OUT); a task that had already ended
    when the watch started is reported from its first snapshot, but a handler set after the watch
    reported the task's end is not called. ``progress_updated`` gets each progress the watch sees
    (progress may be coalesced to its latest value). A handler may be a coroutine function in the
    asyncio client; an exception from a handler is logged and does not stop the watch.
    ``job.wait_until_done()`` returns only after every task's completion handlers ran.
    """

    Status = TaskStatus

    def __init__(self, instance: AsyncInstance | None, name: str, *, unpickle: bool, type: str = "") -> None:
        self._instance = instance
        self._name = name
        self._type = type
        self._unpickle = unpickle
        self._data: TaskData | None = None
        self._on_completed: CompletedHandler | None = None
        self._progress_updated: ProgressHandler | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def id(self) -> str | None:
        """The task's resource name, ``projects/{p}/instances/{id}/tasks/{name}`` (STK's task id);
        None before its job is submitted."""
        return f"{self._instance.name}/tasks/{self._name}" if self._instance is not None else None

    @property
    def instance(self) -> AsyncInstance:
        """The instance the task belongs to; JobStateError before its job is submitted."""
        if self._instance is None:
            raise JobStateError(f"task {self._name} has not been submitted yet")
        return self._instance

    def _bind(self, instance: AsyncInstance) -> None:
        """Joins the instance its job just created."""
        self._instance = instance

    async def refresh(self) -> None:
        """Fetches the task's status, result, output and properties from the server."""
        instance = self.instance
        response = await instance._rpc.get_task_result(instance.name, self._name)
        self._data = TaskData(response, unpickle=self._unpickle)

    async def _current(self) -> TaskData:
        if self._instance is None:
            return TaskData.unsubmitted(self._name, self._type)
        if self._data is None or not self._data.status.is_terminal:
            await self.refresh()
        assert self._data is not None
        return self._data

    # -- STK's and PyODPS's attributes

    @property
    async def type(self) -> str:
        """The registered task type, or "python_object" for a submitted object (STK style)."""
        return (await self._current()).task.type

    @property
    async def task_status(self) -> TaskStatus:
        return (await self._current()).status

    @property
    async def status(self) -> TaskStatus:
        """The same as ``task_status``."""
        return (await self._current()).status

    async def is_terminated(self) -> bool:
        return (await self._current()).status.is_terminal

    @property
    async def result(self) -> Any:
        """What the task returned; for FAILED and ENVIRONMENT_ERROR the exception it raised (STK).

        None while the task runs, and when it returned nothing usable. A pickled object is a
        ``PickledValue`` and an exception a ``RemoteTaskError`` unless unpickling was asked for (see the
        class docstring); an exception that cannot be unpickled here is a ``RemoteTaskError`` too.
        """
        return (await self._current()).result

    @property
    async def error(self) -> BaseException | None:
        """The exception that made the task fail (FAILED, ENVIRONMENT_ERROR, TIMED_OUT), else None."""
        return (await self._current()).error

    @property
    async def standard_output(self) -> str:
        return (await self._current()).standard_output

    @property
    async def standard_error(self) -> str:
        """Captured standard error; holds the traceback when the task failed."""
        return (await self._current()).standard_error

    @property
    async def properties(self) -> dict[str, PropertyType | None]:
        """The properties the task set (str, int, float or bytes), kept even when it failed."""
        return dict((await self._current()).properties)

    @property
    async def progress(self) -> TaskProgress:
        return (await self._current()).progress

    @property
    async def task_cancellation_message(self) -> str:
        """Free text from whoever cancelled the task; empty when it was not cancelled."""
        return (await self._current()).cancellation_message

    @property
    async def task_cancellation_reason(self) -> CancellationReason:
        """Why the task was cancelled; ``CancellationReason.NONE`` when it was not."""
        return (await self._current()).cancellation_reason

    @property
    async def attempts(self) -> int:
        """How many times the task has been handed to a worker."""
        return (await self._current()).task.attempts

    @property
    async def interruptions(self) -> int:
        """How many times the task lost its worker (and was retried, up to max_interrupted_retries)."""
        return (await self._current()).task.interruptions

    @property
    async def interruption_reason(self) -> str:
        """Why the task last lost its worker, for example an expired lease; empty if it never did."""
        return (await self._current()).task.interruption_reason

    @property
    async def waiting_reason(self) -> WaitingReason:
        """Why the task waits while WAITING or INTERRUPTED (QUEUED, NO_WORKER_FOR_TYPE, DEPENDENCY,
        SCHEDULED, BACKOFF, CONCURRENCY_LIMIT …); ``WaitingReason.NONE`` otherwise."""
        return (await self._current()).waiting_reason

    @property
    async def waiting_on(self) -> list[str]:
        """While it waits with reason DEPENDENCY: the names of the tasks it depends on that have not
        ended yet; empty otherwise."""
        return (await self._current()).waiting_on

    @property
    async def attempt_history(self) -> list[TaskAttempt]:
        """The earlier attempts its retry policy retried, oldest first (error, result, times)."""
        return (await self._current()).attempt_history

    @property
    async def cost(self) -> TaskCost | None:
        """What its latest attempt cost (CPU seconds, peak memory), as its worker measured it; None
        until an attempt ended with its cost measured."""
        return task_cost((await self._current()).task)

    @property
    async def next_attempt_time(self) -> dt.datetime | None:
        """While it waits out a retry backoff: when its next attempt may start."""
        return optional_datetime((await self._current()).task, "next_attempt_time")

    async def cancel(self, message: str | None = None, *, grace_period: float | None = None) -> None:
        """Cancels this task alone (STK's ``cancel_task``; reason DIRECT); its dependents that do not
        allow its failure end CANCELLED too. FailedPreconditionError when it already ended."""
        await self.instance.cancel_task(self._name, message=message, grace_period=grace_period)
        self._data = None

    @property
    async def worker(self) -> str:
        """The id of the worker session that runs or last ran the task."""
        return (await self._current()).task.worker

    @property
    async def parameters(self) -> dict[str, Any]:
        """The parameters the task was submitted with."""
        return (await self._current()).parameters

    @property
    async def start_time(self) -> dt.datetime | None:
        return (await self._current()).start_time

    @property
    async def end_time(self) -> dt.datetime | None:
        return (await self._current()).end_time

    # -- output

    def read_output(
        self, stream: str = "stdout", *, offset: int = 0, follow: bool = False, attempt: int | None = None
    ) -> AsyncIterator[OutputChunk]:
        """Streams the task's ``stream`` ("stdout" or "stderr") from byte ``offset``.

        A negative ``offset`` starts that many bytes before the current end (as ``tail -c``). Without
        ``follow`` the iterator ends after the output written so far; with it, it ends when the task has
        ended and every byte was delivered. A dropped stream is resumed at the next byte by itself.
        Closing the iterator cancels the call. ``attempt`` reads what an earlier attempt of a retried
        task wrote (``attempt_history``; the last 10 before the current one are kept).
        """
        if attempt is not None and attempt < 1:
            raise ValueError(f"attempts are counted from 1, not {attempt}")
        cursor = OutputCursor(
            self.instance.name, self._name, stream, offset=offset, follow=follow, attempt=attempt or 0
        )
        return self._read(cursor)

    async def _read(self, cursor: OutputCursor) -> AsyncIterator[OutputChunk]:
        rpc = self.instance._rpc
        while True:
            try:
                async with rpc.read_task_output(cursor.request()) as responses:
                    async for response in responses:
                        chunk = cursor.receive(response)
                        if chunk is not None:
                            yield chunk
                return
            except ApiError as error:
                delay = cursor.retry_after(error)
            await sleep(delay)

    # -- STK's events

    @property
    def on_completed(self) -> CompletedHandler | None:
        """Called with this task once it reaches a terminal status (see the class docstring)."""
        return self._on_completed

    @on_completed.setter
    def on_completed(self, handler: CompletedHandler | None) -> None:
        self._on_completed = handler
        if handler is not None and self._instance is not None:
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
        if handler is not None and self._instance is not None:
            self._instance._watch_for_handlers()

    def __repr__(self) -> str:
        # Never calls the server: shows the status last fetched, if any.
        if self._instance is None:
            return f"<AsyncTask {self._name} NOT_SUBMITTED>"
        status = f" {self._data.status.name}" if self._data is not None else ""
        return f"<AsyncTask {self._name} of {self._instance.id}{status}>"
