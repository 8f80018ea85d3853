from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresCluster


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL server for the whole run; each user creates its own database."""
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


_KINDS = {"browser": "browser", "e2e": "e2e"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks each test by what it needs, so a run can pick (``make test-unit``, ``-m "not postgres"``):
    ``postgres`` (a PostgreSQL server), ``browser`` (Chromium), ``e2e`` (the CLI in tmux)."""
    for item in items:
        folder = item.path.parent.name
        if folder in _KINDS:
            item.add_marker(_KINDS[folder])
        params = getattr(item, "callspec", None)
        uses_postgres = "postgres" in getattr(item, "fixturenames", ()) or (
            params is not None and params.params.get("store") == "postgresql"
        )
        if uses_postgres:
            item.add_marker("postgres")
