"""The Alembic migrations build exactly the schema the SQLAlchemy models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from taskstreamd.store import migrate
from taskstreamd.store.models import Base
from tests.support.postgres import PostgresCluster


def test_migrated_database_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    migrate.upgrade(url)
    engine = create_engine(migrate.sync_url(url))
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_migrated_postgresql_database_matches_the_models(postgres: PostgresCluster) -> None:
    url = postgres.create_database()
    migrate.upgrade(url)
    migrate.upgrade(url)  # a second replica starting finds it done
    engine = create_engine(migrate.sync_url(url))
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    finally:
        engine.dispose()
    assert differences == []
    assert version == "0012_task_info_and_cost"
