"""Reading a task's tabular result (a SQL select) as typed rows, a page at a time (ListTaskResultRows)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from taskstream.v1 import instance_service_pb2

_TYPE_NAMES = {
    instance_service_pb2.COLUMN_TYPE_UNSPECIFIED: "",
    instance_service_pb2.COLUMN_TYPE_STRING: "string",
    instance_service_pb2.COLUMN_TYPE_INTEGER: "integer",
    instance_service_pb2.COLUMN_TYPE_DOUBLE: "double",
    instance_service_pb2.COLUMN_TYPE_BOOLEAN: "boolean",
}

ListPage = Callable[
    [instance_service_pb2.ListTaskResultRowsRequest], instance_service_pb2.ListTaskResultRowsResponse
]


class ResultReader:
    """The rows of a task's result as tuples of Python values (None for NULL), fetched a page at a time
    while iterating; ``columns`` lists ``(name, type)`` with type "string", "integer", "double",
    "boolean" or "" when no value told it."""

    def __init__(self, list_page: ListPage, request: instance_service_pb2.ListTaskResultRowsRequest) -> None:
        self._list_page = list_page
        self._request = request
        self._first = list_page(request)
        self.columns = [(column.name, _TYPE_NAMES.get(column.type, "")) for column in self._first.columns]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        response = self._first
        request = instance_service_pb2.ListTaskResultRowsRequest()
        request.CopyFrom(self._request)
        while True:
            for row in response.rows:
                yield tuple(cell_value(cell) for cell in row.cells)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token
            response = self._list_page(request)


AsyncListPage = Callable[
    [instance_service_pb2.ListTaskResultRowsRequest],
    Awaitable[instance_service_pb2.ListTaskResultRowsResponse],
]


class AsyncResultReader:
    """``ResultReader`` for asyncio: ``await reader.open()`` reads the columns, ``async for`` the rows."""

    def __init__(
        self, list_page: AsyncListPage, request: instance_service_pb2.ListTaskResultRowsRequest
    ) -> None:
        self._list_page = list_page
        self._request = request
        self._first: instance_service_pb2.ListTaskResultRowsResponse | None = None
        self.columns: list[tuple[str, str]] = []

    async def open(self) -> AsyncResultReader:
        self._first = await self._list_page(self._request)
        self.columns = [(column.name, _TYPE_NAMES.get(column.type, "")) for column in self._first.columns]
        return self

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    async def __aiter__(self) -> AsyncIterator[tuple[Any, ...]]:
        response = self._first if self._first is not None else await self._list_page(self._request)
        request = instance_service_pb2.ListTaskResultRowsRequest()
        request.CopyFrom(self._request)
        while True:
            for row in response.rows:
                yield tuple(cell_value(cell) for cell in row.cells)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token
            response = await self._list_page(request)


def result_rows_request(
    instance: str, task: str, page_size: int
) -> instance_service_pb2.ListTaskResultRowsRequest:
    if page_size <= 0:
        raise ValueError(f"page_size must be positive, not {page_size}")
    return instance_service_pb2.ListTaskResultRowsRequest(instance=instance, task=task, page_size=page_size)


def cell_value(cell: instance_service_pb2.ResultCell) -> Any:
    kind = cell.WhichOneof("kind")
    return None if kind is None else getattr(cell, kind)
