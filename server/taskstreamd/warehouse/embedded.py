"""The embedded warehouse: the default SQL data source, a SQLite file per project under the data directory.

The server makes the directory (``warehouse/`` in the data directory) and names the data source
``sqlite:///DIR/{project}.sqlite``; the task process that first runs a statement of a project creates
that project's file with the sample table ``pyodps_iris``, so PyODPS's examples run in every project.
A file that has tables is never seeded again, so a project may drop or change the sample table.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sqlite3
from importlib import resources
from pathlib import Path

from taskstreamd.datasources import DEFAULT_DATASOURCE, PROJECT_PLACEHOLDER, DataSource

WAREHOUSE_DIR = "warehouse"
IRIS_TABLE = "pyodps_iris"
# Seeding waits this long for another process seeding the same file.
_LOCK_SECONDS = 30.0

_IRIS_SCHEMA = (
    f"create table {IRIS_TABLE} (sepallength float, sepalwidth float, petallength float, petalwidth float,"
    " name varchar)"
)


def warehouse_dir(data_dir: Path) -> Path:
    return (data_dir / WAREHOUSE_DIR).resolve()


def embedded_datasource(data_dir: Path) -> DataSource:
    """The default data source: makes the warehouse directory (owner only) and names its files."""
    directory = warehouse_dir(data_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return DataSource(DEFAULT_DATASOURCE, f"sqlite:///{directory}/{PROJECT_PLACEHOLDER}.sqlite")


def ensure_sample_tables(path: Path) -> None:
    """Create the SQLite file at ``path`` (and its directory) with the sample tables, unless it has tables.

    A file with tables is left alone, so a project may drop or change the sample tables. Several processes
    may get here at once: the tables are created in a write transaction (BEGIN IMMEDIATE) that looks
    again first, so one process creates them and the others find them there.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Created owner-only before SQLite opens it (its -wal and -shm take its mode): a project's data is
    # nobody else's to read, whatever the task process's umask.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=_LOCK_SECONDS, isolation_level=None)
    try:
        if _has_tables(conn):
            return
        conn.execute("begin immediate")
        if not _has_tables(conn):
            conn.execute(_IRIS_SCHEMA)
            conn.executemany(f"insert into {IRIS_TABLE} values (?, ?, ?, ?, ?)", _iris_rows())
        conn.execute("commit")
    finally:
        conn.close()


def _has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("select 1 from sqlite_master limit 1").fetchone() is not None


def _iris_rows() -> list[tuple[float, float, float, float, str]]:
    text = resources.files(__package__).joinpath("iris.csv").read_text(encoding="ascii")
    return [
        (
            float(r["sepallength"]),
            float(r["sepalwidth"]),
            float(r["petallength"]),
            float(r["petalwidth"]),
            r["name"],
        )
        for r in csv.DictReader(text.splitlines())
    ]
