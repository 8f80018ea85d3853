# Generated from taskstream/_async/result_rows.py by clients/python/tools/unasync.py: edit that file, then
# run `make unasync`. `make lint` fails while this copy is stale.
"""Reading a task's tabular result (a SQL select) as records, a page at a time (ListTaskResultRows)."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from taskstream._result_rows import Record, columns_of, positions_of, records_of, slice_bounds
from taskstream.v1 import instance_service_pb2

if TYPE_CHECKING:
    from taskstream._sync.rpc import _Rpc


class ResultReader:
    """The rows of a task's result as PyODPS's records, fetched a page at a time as they are read.

    ``instance.open_reader()`` fetches the first page (so a task without a tabular result fails there)
    and returns the reader. As PyODPS's: ``with`` it, ``for record in reader``,
    ``reader[start:stop]`` (the records at those positions), ``reader.count`` (reads every page
    once to count). ``columns`` lists ``(name, type)`` with type "string", "integer", "double",
    "boolean" or "" when no value told it. Each pass over the records fetches the pages after the first
    again, so a reader can be read more than once.
    """

    def __init__(
        self,
        rpc: _Rpc,
        request: instance_service_pb2.ListTaskResultRowsRequest,
        first: instance_service_pb2.ListTaskResultRowsResponse,
    ) -> None:
        self._rpc = rpc
        self._request = request
        self._first = first
        self._count: int | None = None

    def __enter__(self) -> ResultReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None  # nothing is held open between pages

    @property
    def columns(self) -> list[tuple[str, str]]:
        return columns_of(self._first)

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in columns_of(self._first)]

    @property
    def count(self) -> int:
        """How many records the result has (PyODPS's ``reader.count``)."""
        if self._count is None:
            total = 0
            for _ in self._records(0, None, 1):
                total += 1
            self._count = total
        return self._count

    def __iter__(self) -> Iterator[Record]:
        return self._records(0, None, 1)

    def __getitem__(self, index: slice) -> Iterator[Record]:
        """The records at positions ``start:stop:step``, fetched as they are read."""
        if not isinstance(index, slice):
            raise TypeError("a result reader takes slices (reader[start:stop]); iterate it for every record")
        return self._records(*slice_bounds(index))

    def _records(self, start: int, stop: int | None, step: int) -> Iterator[Record]:
        response = self._first
        positions = positions_of(response)
        request = instance_service_pb2.ListTaskResultRowsRequest()
        request.CopyFrom(self._request)
        position = 0
        while True:
            for record in records_of(response, positions):
                if stop is not None and position >= stop:
                    return
                if position >= start and (position - start) % step == 0:
                    yield record
                position += 1
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token
            response = self._rpc.list_task_result_rows(request)
