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
