"""SQL data sources: ``NAME=URL`` pairs given to ``taskstreamd serve`` and ``taskstreamd worker``.

Tasks of type ``sql`` name one (``datasource``); unset means :data:`DEFAULT_DATASOURCE`, which is the
embedded SQLite warehouse unless a ``--datasource default=URL`` replaces it.
"""

from __future__ import annotations

import re

DEFAULT_DATASOURCE = "default"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")


def parse_datasource(value: str) -> tuple[str, str]:
    """``NAME=URL`` split in two; ValueError when it is not of that form."""
    name, sep, url = value.partition("=")
    if not sep or not url:
        raise ValueError(f"expected NAME=URL, got {value!r}")
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a data source name (letters, digits, _ . -)")
    return name, url


def parse_datasources(values: list[str]) -> dict[str, str]:
    """Every ``NAME=URL``; a name given twice is a ValueError."""
    sources: dict[str, str] = {}
    for value in values:
        name, url = parse_datasource(value)
        if name in sources:
            raise ValueError(f"data source {name!r} is given twice")
        sources[name] = url
    return sources
