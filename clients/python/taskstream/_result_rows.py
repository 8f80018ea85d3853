"""Rows of a task's tabular result (a SQL select) as PyODPS's records, and the request that pages them.

The readers that fetch the pages are in ``taskstream/_async/result_rows.py`` (and its sync twin).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, SupportsIndex, overload

from taskstream.v1 import instance_service_pb2

_TYPE_NAMES = {
    instance_service_pb2.COLUMN_TYPE_UNSPECIFIED: "",
    instance_service_pb2.COLUMN_TYPE_STRING: "string",
    instance_service_pb2.COLUMN_TYPE_INTEGER: "integer",
    instance_service_pb2.COLUMN_TYPE_DOUBLE: "double",
    instance_service_pb2.COLUMN_TYPE_BOOLEAN: "boolean",
}


class Record(tuple[Any, ...]):
    """One row (PyODPS's Record): a tuple of its values, None for NULL, that also reads a value by
    column name, ``record["name"]`` or ``record.name`` (a column named like a tuple method, ``count``
    or ``index``, is read with ``record["count"]``)."""

    _positions: dict[str, int]

    def __new__(cls, values: Iterable[Any], positions: dict[str, int]) -> Record:
        record = super().__new__(cls, values)
        record._positions = positions
        return record

    @overload
    def __getitem__(self, key: SupportsIndex | str) -> Any: ...

    @overload
    def __getitem__(self, key: slice) -> tuple[Any, ...]: ...

    def __getitem__(self, key: SupportsIndex | str | slice) -> Any:
        if isinstance(key, str):
            try:
                key = self._positions[key]
            except KeyError:
                raise KeyError(f"no column {key!r}; the columns are {', '.join(self._positions)}") from None
        return super().__getitem__(key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._positions:
            raise AttributeError(name)
        return self[name]

    @property
    def values(self) -> list[Any]:
        """The values in column order, as PyODPS's ``record.values``."""
        return list(self)

    def get_by_name(self, name: str) -> Any:
        return self[name]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Record, (tuple(self), self._positions))


def columns_of(response: instance_service_pb2.ListTaskResultRowsResponse) -> list[tuple[str, str]]:
    """``(name, type)`` of each column: type "string", "integer", "double", "boolean", or "" when no
    value told it."""
    return [(column.name, _TYPE_NAMES.get(column.type, "")) for column in response.columns]


def positions_of(response: instance_service_pb2.ListTaskResultRowsResponse) -> dict[str, int]:
    return {column.name: index for index, column in enumerate(response.columns)}


def records_of(
    response: instance_service_pb2.ListTaskResultRowsResponse, positions: dict[str, int]
) -> list[Record]:
    return [Record((cell_value(cell) for cell in row.cells), positions) for row in response.rows]


def result_rows_request(
    instance: str, task: str, page_size: int
) -> instance_service_pb2.ListTaskResultRowsRequest:
    if page_size <= 0:
        raise ValueError(f"page_size must be positive, not {page_size}")
    return instance_service_pb2.ListTaskResultRowsRequest(instance=instance, task=task, page_size=page_size)


def slice_bounds(index: slice) -> tuple[int, int | None, int]:
    """``(start, stop, step)`` of a reader's slice; ValueError for what paging forward cannot do."""
    start, stop, step = index.start or 0, index.stop, 1 if index.step is None else index.step
    if start < 0 or (stop is not None and stop < 0) or step <= 0:
        raise ValueError("a result reader takes slices with non-negative bounds and a positive step")
    return start, stop, step


def cell_value(cell: instance_service_pb2.ResultCell) -> Any:
    kind = cell.WhichOneof("kind")
    return None if kind is None else getattr(cell, kind)
