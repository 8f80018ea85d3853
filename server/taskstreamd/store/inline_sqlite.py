"""A driver connection for SQLAlchemy's aiosqlite dialect that runs sqlite3 on the event loop's thread.

aiosqlite runs every statement on a thread of its own and wakes the event loop when it is done: on a busy
2-core machine that hop costs about 0.8 ms per statement, while the statement itself takes 15 to 50 us
(a point lookup or an update in WAL mode, no fsync with synchronous=NORMAL). taskstreamd runs dozens of
statements per task, so the hops were most of its time. Running them inline blocks the loop for those
microseconds instead.

That is safe only because no statement here waits for a lock: the server is the only process writing
its SQLite file, every write goes through ``Store.transaction()`` (one writer at a time, serialized by
an asyncio lock), and readers never wait for the writer in WAL mode. A statement that did wait would stop
the whole event loop, so ``busy_timeout`` stays short (see ``engine``).

The objects mimic the parts of ``aiosqlite.Connection`` and ``aiosqlite.Cursor`` that SQLAlchemy's
adapter uses: awaitable methods that return at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's queue of calls to its thread: SQLAlchemy's adapter sets the isolation
    level by putting ``(future, function)`` there; here the function runs at once."""

    def __init__(self) -> None:
        self.closed = False

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to whoever awaits the future, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = connection
        self._tx = _RunNow()

    @property
    def _connection(self) -> sqlite3.Connection | None:  # what the adapter checks before commit/rollback
        return self._conn

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for statements run without SQLAlchemy (see ``prepared``)."""
        return self._open()

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._open().cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def commit(self) -> None:
        self._open().commit()

    async def rollback(self) -> None:
        self._open().rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:  # a forced close (SQLAlchemy's terminate)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._open().create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._open().isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._open().isolation_level = value


def connector(path: str, timeout: float) -> Callable[[], Any]:
    """The ``async_creator`` of an engine whose connections run inline."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: SQLAlchemy may close a pooled connection from the garbage collector.
        return InlineConnection(sqlite3.connect(path, timeout=timeout, check_same_thread=False))

    return connect
