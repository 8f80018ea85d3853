"""SQL data sources: ``NAME=URL[;projects=P1,P2]`` given to ``taskstreamd serve`` and ``taskstreamd worker``.

Tasks of type ``sql`` name one (``datasource``); unset means :data:`DEFAULT_DATASOURCE`, which is the
embedded warehouse (a SQLite file per project under the data directory) unless a
``--datasource default=URL`` replaces it.

A URL holding ``{project}`` is a database per project: the task's project, made into a safe file name
(:func:`project_file_name`), takes its place; a SQLite file named so is created on first use with the
sample table ``pyodps_iris``. ``;projects=`` limits a data source to those projects: the server refuses
other projects' sql tasks on it (PERMISSION_DENIED), and so does the worker. A ``;`` inside a URL is
written ``%3B``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from taskstreamd import ids
from taskstreamd.errors import InvalidArgument

DEFAULT_DATASOURCE = "default"
PROJECT_PLACEHOLDER = "{project}"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
_KEPT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_MAX_FILE_NAME = 120


@dataclass(frozen=True)
class DataSource:
    name: str
    url: str  # a SQLAlchemy URL, maybe with {project}
    projects: frozenset[str] | None = None  # the projects that may use it; None: every project

    def allows(self, project: str) -> bool:
        return self.projects is None or project in self.projects

    @property
    def per_project(self) -> bool:
        return PROJECT_PLACEHOLDER in self.url

    def url_for(self, project: str) -> str:
        """The URL a task of ``project`` connects to."""
        return self.url.replace(PROJECT_PLACEHOLDER, project_file_name(project))

    def spec(self) -> str:
        """The ``NAME=URL[;projects=...]`` text it was parsed from (to hand it on to a worker)."""
        limit = "" if self.projects is None else ";projects=" + ",".join(sorted(self.projects))
        return f"{self.name}={self.url}{limit}"


def project_file_name(project: str) -> str:
    """A file name (and URL path segment) made from a project name, the same on every machine.

    Lowercase letters, digits and ``_`` stay; every other byte becomes ``-`` and two hex digits, so no
    two projects share a name, even on a file system that ignores case, and nothing like ``..`` or ``/``
    survives. A long result is cut and ends with a hash of the whole name.
    """
    if not project:
        raise ValueError("a project name is not empty")
    name = "".join(
        chr(b) if chr(b) in _KEPT else f"-{b:02x}" for b in project.encode("utf-8", "surrogatepass")
    )
    if len(name) > _MAX_FILE_NAME:
        name = name[: _MAX_FILE_NAME - 17] + "~" + hashlib.sha256(project.encode()).hexdigest()[:16]
    return name


def parse_datasource(value: str) -> DataSource:
    """``NAME=URL[;projects=P1,P2]`` as a DataSource; ValueError saying what is wrong."""
    name, sep, rest = value.partition("=")
    url, *options = rest.split(";")
    if not sep or not url:
        raise ValueError(f"expected NAME=URL[;projects=P1,P2], got {value!r}")
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a data source name (letters, digits, _ . -)")
    projects: frozenset[str] | None = None
    for option in options:
        key, has_value, listed = option.partition("=")
        key = key.strip()
        if key != "projects" or not has_value:
            raise ValueError(
                f"unknown option {key!r} in {value!r} (the one option is ';projects=P1,P2'; "
                "write a ';' inside the URL as %3B)"
            )
        if projects is not None:
            raise ValueError(f"';projects=' is given twice in {value!r}")
        names = [p.strip() for p in listed.split(",") if p.strip()]
        if not names:
            raise ValueError(f"projects= needs at least one project, in {value!r}")
        for project in names:
            try:
                ids.parse_project(f"projects/{project}")
            except InvalidArgument:
                raise ValueError(f"{project!r} is not a project name, in {value!r}") from None
        projects = frozenset(names)
    return DataSource(name, url, projects)


def parse_datasources(values: list[str]) -> dict[str, DataSource]:
    """Every ``NAME=URL[;projects=...]`` by name; a name given twice is a ValueError."""
    sources: dict[str, DataSource] = {}
    for value in values:
        source = parse_datasource(value)
        if source.name in sources:
            raise ValueError(f"data source {source.name!r} is given twice")
        sources[source.name] = source
    return sources
