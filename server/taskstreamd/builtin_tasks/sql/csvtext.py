"""A result set as CSV text, the way PyODPS shows a SQL task's result.

A header of double-quoted column names, then one line per row: strings (and dates, bytes and other
values) double-quoted with inner quotes doubled, numbers bare, NULL empty; every line ends with ``\\n``.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from typing import Any


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def header(columns: Sequence[str]) -> str:
    return ",".join(quote(name) for name in columns) + "\n"


def row(values: Sequence[Any]) -> str:
    return ",".join(_FAST.get(type(value), cell)(value) for value in values) + "\n"


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return quote(bytes(value).decode("utf-8", "replace"))
    if hasattr(value, "isoformat"):  # date, time, datetime
        return quote(value.isoformat(sep=" ") if hasattr(value, "date") else value.isoformat())
    return quote(str(value))


# The common exact types, formatted without cell()'s chain of checks.
_FAST: dict[type, Any] = {int: str, float: repr, str: quote, type(None): lambda _: ""}


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    return header(columns) + "".join(row(values) for values in rows)
