"""Database connections: SQLite in WAL mode by default, PostgreSQL (psycopg 3) for several replicas.

The store runs every statement on threads of its own, never on the event loop: the writer's thread on a
plain DB-API connection (``connect_writer``), reads on a small pool of SQLAlchemy connections
(``create_engine``). URLs may name an asyncio driver (``sqlite+aiosqlite``, ``postgresql+asyncpg``), as
earlier versions required; the blocking driver of the same database is used.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

# How long a statement waits for a lock another process holds on the SQLite file.
BUSY_SECONDS = 5.0
_BLOCKING_DRIVER = {
    "sqlite+aiosqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql+asyncpg": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
}


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'taskstream.db').resolve()}"


def blocking_url(url: str) -> str:
    parsed = make_url(url)
    driver = _BLOCKING_DRIVER.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def libpq_url(url: str) -> str:
    """A PostgreSQL SQLAlchemy URL as a plain libpq connection URI, for connections outside the pool."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> str:
    parsed = make_url(url)
    if not parsed.database or parsed.database == ":memory:":
        raise ValueError(f"the store needs a database file, not {url!r}")
    return parsed.database


def _sqlite_pragmas(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a killed process (not a power cut) and is much faster than FULL.
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")


def connect_writer(url: str) -> Any:
    """A DB-API connection for the writer's thread, outside any transaction."""
    if is_sqlite(url):
        connection = sqlite3.connect(
            sqlite_path(url), timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
        )
        _sqlite_pragmas(connection)
        connection.isolation_level = None  # the writer says BEGIN IMMEDIATE itself
        return _SqliteCommits(connection)
    import psycopg

    return psycopg.connect(libpq_url(url), autocommit=False, application_name="taskstreamd-writer")


class _SqliteCommits:
    """A sqlite3 connection in autocommit mode whose commit and rollback end the BEGIN the writer issued."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def cursor(self) -> sqlite3.Cursor:
        return self._connection.cursor()

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self._connection.execute(sql, params)

    def commit(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("COMMIT")

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")

    def close(self) -> None:
        self._connection.close()


def create_engine(url: str, *, pool_size: int = 4) -> Engine:
    """The engine for reads (and for the rare writes outside the writer, such as migrations' checks)."""
    url = blocking_url(url)
    if is_postgresql(url):
        # Each read is one REPEATABLE READ snapshot, read-only so it never waits for or blocks a writer.
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)
        return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    engine = sa.create_engine(
        url, connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False}, pool_size=pool_size
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _sqlite_pragmas(dbapi_connection)
        # The driver would only BEGIN before a write, so the reads of one connection could each see a
        # different commit; a snapshot (an instance with its tasks) needs one view.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine
