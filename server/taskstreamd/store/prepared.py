"""Hot-path statements compiled once and run on the raw sqlite3 connection.

A SQLAlchemy Core execute costs about 100 us on this class of machine (cache key, parameter processing,
result setup, a greenlet switch) against 15 us for the SQLite statement itself, and a task's records take
about a dozen of them. With SQLite run inline (see ``inline_sqlite``) the transaction's sqlite3 connection
is at hand, so the hottest statements skip that layer: each is compiled by SQLAlchemy's SQLite dialect once,
and its parameters and results go through the same type processors SQLAlchemy would apply (dates as text,
booleans as integers), so rows read back either way are the same.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

Processor = Callable[[Any], Any] | None


class Prepared:
    """One statement compiled for SQLite: its SQL, its parameters' order and processors, its columns."""

    def __init__(self, statement: Executable, dialect: Dialect, column_keys: Sequence[str] | None) -> None:
        compiled = cast(ClauseElement, statement).compile(
            dialect=dialect, column_keys=list(column_keys) if column_keys else None
        )
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self.names: list[str] = list(compiled.positiontup or [])
        bind_processors = compiled._bind_processors
        binds = [cast(Processor, bind_processors.get(name)) for name in self.names]
        self.keys: list[str] = []
        results: list[Processor] = []
        for key, _name, _objects, type_ in compiled._result_columns:
            self.keys.append(key)
            results.append(type_._cached_result_processor(dialect, None))
        # Only the columns with a processor are touched after a row becomes a dict.
        self._converted = [(k, p) for k, p in zip(self.keys, results, strict=True) if p is not None]
        # Parameters the statement fills in itself (literal values in .values()).
        fixed = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        self._binds = [
            (name, process, fixed.get(name)) for name, process in zip(self.names, binds, strict=True)
        ]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, process, default in self._binds:
            value = params.get(name, default)
            out.append(process(value) if process is not None and value is not None else value)
        return out

    def rows(self, cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
        keys, converted = self.keys, self._converted
        out = []
        for row in cursor.fetchall():
            mapping = dict(zip(keys, row, strict=True))
            for key, process in converted:
                mapping[key] = process(mapping[key])
            out.append(mapping)
        return out


class PreparedStatements:
    """The prepared form of each hot statement, made on first use (statements are module constants)."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._prepared: dict[tuple[int, tuple[str, ...]], Prepared] = {}

    def get(self, statement: Executable, column_keys: Sequence[str] = ()) -> Prepared:
        key = (id(statement), tuple(column_keys))
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = Prepared(statement, self._dialect, column_keys)
            self._prepared[key] = prepared
        return prepared


def execute(
    connection: sqlite3.Connection, prepared: Prepared, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    cursor = connection.execute(prepared.sql, prepared.arguments(params))
    try:
        return prepared.rows(cursor) if prepared.keys else []
    finally:
        cursor.close()


def execute_many(
    connection: sqlite3.Connection, prepared: Prepared, params: Sequence[Mapping[str, Any]]
) -> None:
    connection.executemany(prepared.sql, [prepared.arguments(p) for p in params]).close()


class InstanceReader:
    """Reads an instance with its tasks and properties in one synchronous snapshot, on a connection of
    its own: run inline, nothing else on the event loop can come between its statements, so it needs no
    pool, session or greenlet (GetInstance's and WaitInstance's read)."""

    def __init__(self, path: str, dialect: Dialect, busy_seconds: float) -> None:
        self._connection = sqlite3.connect(path, timeout=busy_seconds, check_same_thread=False)
        self._connection.isolation_level = None  # BEGIN/COMMIT below make the snapshot
        self._statements = PreparedStatements(dialect)

    def read(
        self, instance: Executable, tasks: Executable, properties: Executable, instance_id: str
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows of the three statements (each takes ``_id``, the instance id) in one snapshot."""
        params = {"_id": instance_id}
        connection = self._connection
        connection.execute("BEGIN")
        try:
            found = execute(connection, self._statements.get(instance), params)
            if not found:
                return None, [], []
            task_rows = execute(connection, self._statements.get(tasks), params)
            property_rows = execute(connection, self._statements.get(properties), params)
            return found[0], task_rows, property_rows
        finally:
            connection.execute("COMMIT")

    def close(self) -> None:
        self._connection.close()
