"""The asyncio AsyncTask handle: one task of an AsyncInstance, fetched when awaited."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from taskstream._output import OutputChunk, OutputCursor
from taskstream._progress import TaskProgress
from taskstream._status import CancellationReason, TaskStatus
from taskstream._task_data import TaskData
from taskstream._values import PropertyType
from taskstream.errors import ApiError

if TYPE_CHECKING:
    from taskstream._aio_instance import AsyncInstance


class AsyncTask:
    """A handle on one task of an ``AsyncInstance``, reached by ``instance.get_task(name)``.

    ``await task.refresh()`` fetches the task (GetTaskResult); the STK attributes (``task_status``,
    ``result``, ``standard_output`` …) then read what was fetched last, and raise RuntimeError before
    the first fetch. They mean the same as on the sync ``Task``.
    """

    Status = TaskStatus

    def __init__(self, instance: AsyncInstance, name: str) -> None:
        self._instance = instance
        self._name = name
        self._data: TaskData | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def instance(self) -> AsyncInstance:
        return self._instance

    async def refresh(self) -> None:
        """Fetches the task's status, result, output and properties from the server."""
        rpc = self._instance._rpc
        self._data = TaskData(await rpc.get_task_result(self._instance.name, self._name))

    async def _current(self) -> TaskData:
        """The task's data, fetched again unless what was fetched shows it terminal (which is final)."""
        if self._data is None or not self._data.status.is_terminal:
            await self.refresh()
        assert self._data is not None
        return self._data

    def _fetched(self) -> TaskData:
        if self._data is None:
            raise RuntimeError(
                f"task {self._name} of {self._instance.id} is not fetched yet; await refresh()"
            )
        return self._data

    # -- STK's attributes, as last fetched

    @property
    def type(self) -> str:
        return self._fetched().task.type

    @property
    def task_status(self) -> TaskStatus:
        return self._fetched().status

    @property
    def status(self) -> TaskStatus:
        """The same as ``task_status``."""
        return self.task_status

    def is_terminated(self) -> bool:
        return self.task_status.is_terminal

    @property
    def result(self) -> Any:
        """What the task returned; for FAILED and ENVIRONMENT_ERROR the exception it raised (STK)."""
        return self._fetched().result

    @property
    def error(self) -> BaseException | None:
        return self._fetched().error

    @property
    def standard_output(self) -> str:
        return self._fetched().standard_output

    @property
    def standard_error(self) -> str:
        return self._fetched().standard_error

    @property
    def properties(self) -> dict[str, PropertyType | None]:
        return dict(self._fetched().properties)

    @property
    def progress(self) -> TaskProgress:
        return self._fetched().progress

    @property
    def task_cancellation_message(self) -> str:
        return self._fetched().cancellation_message

    @property
    def task_cancellation_reason(self) -> CancellationReason:
        return self._fetched().cancellation_reason

    @property
    def attempts(self) -> int:
        return self._fetched().task.attempts

    @property
    def parameters(self) -> dict[str, Any]:
        return self._fetched().parameters

    @property
    def start_time(self) -> dt.datetime | None:
        return self._fetched().start_time

    @property
    def end_time(self) -> dt.datetime | None:
        return self._fetched().end_time

    # -- output

    def read_output(
        self, stream: str = "stdout", *, offset: int = 0, follow: bool = False
    ) -> AsyncIterator[OutputChunk]:
        """Streams the task's ``stream`` from byte ``offset``, as the sync ``Task.read_output``."""
        cursor = OutputCursor(self._instance.name, self._name, stream, offset=offset, follow=follow)
        return self._read(cursor)

    async def _read(self, cursor: OutputCursor) -> AsyncIterator[OutputChunk]:
        rpc = self._instance._rpc
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
            await asyncio.sleep(delay)

    def __repr__(self) -> str:
        status = f" {self._data.status.name}" if self._data is not None else ""
        return f"<AsyncTask {self._name} of {self._instance.id}{status}>"
