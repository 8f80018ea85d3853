"""The asyncio AsyncTask handle: one task of an AsyncInstance, fetched when awaited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from taskstream._output import OutputChunk, OutputCursor
from taskstream._status import TaskStatus
from taskstream._task_attributes import TaskAttributes
from taskstream._task_data import TaskData
from taskstream.errors import ApiError

if TYPE_CHECKING:
    from taskstream._aio_instance import AsyncInstance


class AsyncTask(TaskAttributes):
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

    def _view(self) -> TaskData:
        return self._fetched()

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
