"""A task's CSV text result read back as typed rows, a page at a time (ListTaskResultRows).

The CSV is the one SQL tasks produce (see builtin_tasks/sql/csvtext.py): a header of quoted names, quoted
strings, bare numbers and booleans, empty for NULL, ``\\n`` after each row. Column types come from the
task's ``column_types`` property (set by the SQL task), else from each cell's form. A page token holds
the character offset where the previous page stopped, so each page parses only its own rows.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re

from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import task_pb2
from taskstreamd import bounded_json
from taskstreamd.domain.vocabulary import TaskStatus
from taskstreamd.errors import FailedPrecondition, InvalidArgument
from taskstreamd.store.reads import TaskOutcome

COLUMN_TYPES_PROPERTY = "column_types"
_TYPES: dict[str, pb.ColumnType] = {
    "string": pb.COLUMN_TYPE_STRING,
    "integer": pb.COLUMN_TYPE_INTEGER,
    "double": pb.COLUMN_TYPE_DOUBLE,
    "boolean": pb.COLUMN_TYPE_BOOLEAN,
}
_INTEGER = re.compile(r"-?\d+")


@dataclasses.dataclass(frozen=True)
class Page:
    columns: list[pb.ResultColumn]
    rows: list[pb.ResultRow]
    next_page_token: str


def page(outcome: TaskOutcome, page_size: int, page_token: str) -> Page:
    text = _csv_text(outcome)
    header, position = _parse_row(text, 0)
    names = [cell if isinstance(cell, str) else "" for cell in header]
    types = _column_types(outcome, len(names))
    columns = [pb.ResultColumn(name=name, type=t) for name, t in zip(names, types, strict=True)]
    if page_token:
        position = _decode(page_token, len(text))
    rows: list[pb.ResultRow] = []
    while position < len(text) and len(rows) < page_size:
        values, position = _parse_row(text, position)
        rows.append(pb.ResultRow(cells=[_cell(value, t) for value, t in zip(values, types, strict=False)]))
    return Page(columns, rows, _encode(position) if position < len(text) else "")


def _csv_text(outcome: TaskOutcome) -> str:
    result = task_pb2.Result()
    if outcome.result:
        result.ParseFromString(outcome.result)
    if outcome.task.status != TaskStatus.SUCCESS or result.WhichOneof("kind") != "text":
        raise FailedPrecondition(
            "RESULT_NOT_TABULAR", f"task {outcome.task.name!r} has no CSV result (it must succeed with one)"
        )
    return result.text


def _column_types(outcome: TaskOutcome, count: int) -> list[pb.ColumnType]:
    declared = outcome.task.properties.get(COLUMN_TYPES_PROPERTY)
    names = task_pb2.PropertyValue.FromString(declared).string_value.split(",") if declared else []
    if len(names) != count:
        return [pb.COLUMN_TYPE_UNSPECIFIED] * count
    return [_TYPES.get(name, pb.COLUMN_TYPE_UNSPECIFIED) for name in names]


# A parsed value: str for a quoted cell, _Bare for an unquoted one ("" is NULL).
class _Bare(str):
    pass


# One cell: a quoted string (inner quotes doubled) or bare text, then what ends it.
_CELL = re.compile(r'(?:"((?:[^"]|"")*)"|([^,\n"]*))(,|\n|$)')


def _parse_row(text: str, position: int) -> tuple[list[str], int]:
    """The cells of the row starting at ``position`` and where the next row starts."""
    cells: list[str] = []
    while True:
        match = _CELL.match(text, position)
        if match is None:
            raise FailedPrecondition("RESULT_NOT_TABULAR", f"the CSV result is malformed at {position}")
        quoted, bare, ending = match.groups()
        cells.append(quoted.replace('""', '"') if quoted is not None else _Bare(bare))
        position = match.end()
        if ending != ",":
            return cells, position


def _cell(value: str, column_type: pb.ColumnType) -> pb.ResultCell:
    if not isinstance(value, _Bare):
        return pb.ResultCell(string_value=value)
    if value == "":
        return pb.ResultCell()  # NULL
    if value in ("true", "false"):
        return pb.ResultCell(bool_value=value == "true")
    if column_type != pb.COLUMN_TYPE_DOUBLE and _INTEGER.fullmatch(value) and -(2**63) <= int(value) < 2**63:
        return pb.ResultCell(int_value=int(value))
    try:
        return pb.ResultCell(double_value=float(value))
    except ValueError:
        return pb.ResultCell(string_value=value)


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": position}).encode()).decode()


def _decode(token: str, length: int) -> int:
    try:
        offset = bounded_json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument.one("page_token", "is not a token this server handed out") from exc
    if not isinstance(offset, int) or not 0 < offset <= length:
        raise InvalidArgument.one("page_token", "is not a token this server handed out")
    return offset
