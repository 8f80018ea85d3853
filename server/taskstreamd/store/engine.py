"""Engine creation: SQLite in WAL mode by default, PostgreSQL (psycopg 3) for several replicas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from taskstreamd.store import inline_sqlite

# How long a statement waits for a lock another process holds on the SQLite file.
BUSY_SECONDS = 5.0


def default_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'taskstream.db').resolve()}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def libpq_url(url: str) -> str:
    """A PostgreSQL SQLAlchemy URL as a plain libpq connection URI, for connections outside the pool."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    if is_postgresql(url):
        # Writers lock the rows they change (READ COMMITTED); the pool covers dispatch, reports and
        # readers of one busy replica.
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True)
    inline = inline_path(url)
    if inline is None:
        engine = create_async_engine(url, connect_args={"timeout": 30})
    else:
        engine = create_async_engine(url, async_creator=inline_sqlite.connector(inline, BUSY_SECONDS))

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (not a power cut) and is much faster than FULL.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Statements run on the event loop (see inline_sqlite), so a wait for a lock would stop the
        # server; only another process writing the file (never taskstreamd itself) can cause one.
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        cursor.close()
        # The driver would only BEGIN before a write, so the reads of one session could each see a
        # different commit; a snapshot (an instance with its tasks and its last seq) needs one view.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        driver = connection.connection.driver_connection
        if isinstance(driver, inline_sqlite.InlineConnection):
            # The same statement without a trip through SQLAlchemy; none when the store's transaction
            # began on sqlite3 itself and SQLAlchemy joins it (repository.Transaction.core).
            if not driver.sqlite.in_transaction:
                driver.sqlite.execute("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def inline_path(url: str) -> str | None:
    """The file of a plain ``sqlite+aiosqlite`` URL, whose statements can run inline; None otherwise
    (an in-memory database, URL options, another driver)."""
    parsed = make_url(url)
    if parsed.drivername != "sqlite+aiosqlite" or parsed.query:
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return parsed.database


def create_read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine for reads. On PostgreSQL each read session is one REPEATABLE READ snapshot (READ
    COMMITTED would give each statement its own), read-only so it never waits for or blocks a writer."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
