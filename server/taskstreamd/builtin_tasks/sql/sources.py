"""The SQL data sources of this task process: set once when the process starts, engines made on first use."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from taskstreamd.datasources import DEFAULT_DATASOURCE

from . import confine

_lock = threading.Lock()
_urls: dict[str, str] = {}
_engines: dict[str, sa.Engine] = {}


class UnknownDataSource(LookupError):
    """A task named a data source its worker was not given."""


def configure(urls: Mapping[str, str]) -> None:
    """Replace the known data sources (the worker passes its ``--datasource`` pairs)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _urls.clear()
        _urls.update(urls)


def names() -> list[str]:
    with _lock:
        return sorted(_urls)


def engine(name: str | None) -> sa.Engine:
    """The engine of data source ``name`` (None means the default one)."""
    key = name or DEFAULT_DATASOURCE
    with _lock:
        found = _engines.get(key)
        if found is not None:
            return found
        url = _urls.get(key)
        if url is None:
            known = ", ".join(sorted(_urls)) or "none"
            raise UnknownDataSource(f"this worker has no data source {key!r} (it has: {known})")
        # A connection per statement: an interrupted connection never goes back to a pool.
        created = confine.confine(sa.create_engine(url, poolclass=NullPool))
        _engines[key] = created
        return created
