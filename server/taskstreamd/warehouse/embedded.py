"""Creates the embedded SQLite warehouse under the data directory, with the sample table ``pyodps_iris``."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import sqlalchemy as sa

WAREHOUSE_FILE = "warehouse.sqlite"
IRIS_TABLE = "pyodps_iris"

_IRIS_COLUMNS = (
    sa.Column("sepallength", sa.Float),
    sa.Column("sepalwidth", sa.Float),
    sa.Column("petallength", sa.Float),
    sa.Column("petalwidth", sa.Float),
    sa.Column("name", sa.String),
)


def warehouse_url(data_dir: Path) -> str:
    """The synchronous SQLAlchemy URL of the warehouse file under ``data_dir``."""
    return f"sqlite:///{(data_dir / WAREHOUSE_FILE).resolve()}"


def ensure_warehouse(data_dir: Path) -> str:
    """Create the warehouse and load the sample tables that are missing; returns its URL.

    Only missing tables are created, so tables users created or changed survive restarts.
    """
    url = warehouse_url(data_dir)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if not sa.inspect(conn).has_table(IRIS_TABLE):
                table = sa.Table(IRIS_TABLE, sa.MetaData(), *(c.copy() for c in _IRIS_COLUMNS))
                table.create(conn)
                conn.execute(table.insert(), _iris_rows())
    finally:
        engine.dispose()
    return url


def _iris_rows() -> list[dict[str, object]]:
    text = resources.files(__package__).joinpath("iris.csv").read_text(encoding="ascii")
    rows: list[dict[str, object]] = []
    for record in csv.DictReader(text.splitlines()):
        rows.append({key: value if key == "name" else float(value) for key, value in record.items()})
    return rows
