"""The SQL data sources of this task process: set once when the process starts, engines made on first use.

A task asks for a data source by name on behalf of its project: a data source limited to other projects
is refused, and a per-project one (``{project}`` in its URL) resolves to that project's database; a
per-project SQLite file is created with the sample tables on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from taskstreamd.datasources import DEFAULT_DATASOURCE, DataSource
from taskstreamd.warehouse.embedded import ensure_sample_tables

from . import confine

_lock = threading.Lock()
_sources: dict[str, DataSource] = {}
_engines: dict[tuple[str, str], sa.Engine] = {}  # (data source, URL) -> its engine


class UnknownDataSource(LookupError):
    """A task named a data source its worker was not given."""


class DataSourceDenied(PermissionError):
    """A task's project may not use the data source it named."""


def configure(sources: Mapping[str, DataSource]) -> None:
    """Replace the known data sources (the worker passes its ``--datasource`` values)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sources.clear()
        _sources.update(sources)


def names() -> list[str]:
    with _lock:
        return sorted(_sources)


def engine(name: str | None, project: str) -> sa.Engine:
    """The engine of data source ``name`` (None means the default one) for a task of ``project``."""
    key = name or DEFAULT_DATASOURCE
    with _lock:
        source = _sources.get(key)
        if source is None:
            known = ", ".join(sorted(_sources)) or "none"
            raise UnknownDataSource(f"this worker has no data source {key!r} (it has: {known})")
        if not source.allows(project):
            raise DataSourceDenied(f"project {project!r} may not use the data source {key!r}")
        url = source.url_for(project)
        found = _engines.get((key, url))
        if found is not None:
            return found
        parsed = sa.make_url(url)
        if source.per_project and parsed.get_backend_name() == "sqlite" and parsed.database:
            ensure_sample_tables(Path(parsed.database))
        # A connection per statement: an interrupted connection never goes back to a pool.
        created = confine.confine(sa.create_engine(url, poolclass=NullPool))
        _engines[(key, url)] = created
        return created
