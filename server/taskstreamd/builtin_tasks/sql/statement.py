"""Running one SQL statement for a task: cancellable, reporting a stage while it runs.

A cancellation interrupts the statement through the DB-API connection: SQLite's ``interrupt()``, or the
``cancel()`` of drivers such as psycopg. ``desc TABLE`` (or ``describe``) is answered from SQLAlchemy's
inspector, so it works on every database, SQLite included.
"""

from __future__ import annotations

import dataclasses
import decimal
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from taskstream.authoring import TaskContext

from . import confine, csvtext

STAGE = "M1_Stg1_job0"
FETCH_ROWS = 1000
PROGRESS_SECONDS = 0.5  # at most two stage reports a second while rows stream in

_DESC = re.compile(r"\s*desc(?:ribe)?\s+(?:table\s+)?([A-Za-z0-9_.\"`\[\]]+)\s*;?\s*", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a statement produced: rows with their column names, or a count of affected rows."""

    columns: list[str]
    rows: Sequence[Sequence[Any]]
    returns_rows: bool
    affected_rows: int = 0

    def column_types(self) -> str:
        """Each column's type as the values show it, comma-separated (read by ListTaskResultRows)."""
        return ",".join(_column_type([row[i] for row in self.rows]) for i in range(len(self.columns)))

    def csv(self) -> str:
        if self.returns_rows:
            return csvtext.table(self.columns, self.rows)
        return csvtext.table(["affected_rows"], [[self.affected_rows]])


_NOTHING = Outcome([], [], returns_rows=False)


def run(engine: sa.Engine, sql: str, ctx: TaskContext) -> Outcome:
    """Run ``sql`` on ``engine`` in one transaction, committed when it succeeds."""
    stage = _Stage(ctx)
    stage.report(running=True, rows=0)
    with engine.connect() as conn:
        described = _DESC.fullmatch(sql)
        if described is not None:
            outcome = _describe(conn, described.group(1))
        else:
            stop = _interrupter(conn)
            forget = ctx.on_cancellation(lambda _cancellation: stop())
            try:
                confine.refuse_text(engine.dialect.name, sql)
                # A statement that starts after an interrupt is not interrupted by it: look first.
                outcome = _NOTHING if ctx.cancelled else _execute(conn, sql, stage)
            finally:
                forget()
            conn.commit()
    stage.report(running=False, rows=len(outcome.rows) if outcome.returns_rows else outcome.affected_rows)
    return outcome


def _execute(conn: sa.Connection, sql: str, stage: _Stage) -> Outcome:
    # Driver SQL: the statement goes to the database as written (no bind-parameter parsing of ':name').
    result = conn.exec_driver_sql(sql)
    if not result.returns_rows:
        return Outcome([], [], returns_rows=False, affected_rows=max(result.rowcount, 0))
    columns = list(result.keys())
    rows: list[Sequence[Any]] = []
    while batch := result.fetchmany(FETCH_ROWS):
        rows.extend(batch)  # Rows are sequences already: no copy
        stage.maybe_report(len(rows))
    return Outcome(columns, rows, returns_rows=True)


def _describe(conn: sa.Connection, table: str) -> Outcome:
    name = table.strip('"`[]')
    schema, _, bare = name.rpartition(".")
    try:
        columns = sa.inspect(conn).get_columns(bare, schema=schema or None)
    except sa.exc.NoSuchTableError:
        raise LookupError(f"table {name!r} does not exist") from None
    rows = [
        (
            c["name"],
            str(c["type"]).lower(),
            "YES" if c.get("nullable", True) else "NO",
            c.get("comment") or "",
        )
        for c in columns
    ]
    return Outcome(["name", "type", "nullable", "comment"], rows, returns_rows=True)


def _column_type(values: list[Any]) -> str:
    kinds = {_kind(value) for value in values if value is not None}
    if kinds == {"integer", "double"}:
        return "double"
    return kinds.pop() if len(kinds) == 1 else ("string" if kinds else "")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | decimal.Decimal):
        return "double"
    return "string"


def _interrupter(conn: sa.Connection) -> Callable[[], None]:
    """How to stop the statement running on ``conn`` from another thread."""
    raw: Any = conn.connection.dbapi_connection
    for method in ("interrupt", "cancel"):  # sqlite3; psycopg, psycopg2 and others
        stop = getattr(raw, method, None)
        if callable(stop):
            return stop  # type: ignore[no-any-return]
    return lambda: None  # a driver that cannot interrupt: the grace period's kill ends the task


class _Stage:
    """The statement's single stage, reported PyODPS style (running / terminated / total workers)."""

    def __init__(self, ctx: TaskContext) -> None:
        self._ctx = ctx
        self._last = 0.0

    def report(self, *, running: bool, rows: int) -> None:
        self._last = time.monotonic()
        self._ctx.update_stage(
            STAGE,
            running_workers=1 if running else 0,
            terminated_workers=0 if running else 1,
            total_workers=1,
            output_records=rows,
            finished_percentage=0 if running else 100,
        )

    def maybe_report(self, rows: int) -> None:
        if time.monotonic() - self._last >= PROGRESS_SECONDS:
            self.report(running=True, rows=rows)
