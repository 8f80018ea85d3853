"""The names of a new instance's tasks: each unique, and a default for a task submitted without one.

A default is the task type's base name (PyODPS's ``AnonymousSQLTask`` for SQL, ``PythonTask`` for Python
objects, else the type), then ``base_1``, ``base_2``, ... for the next unnamed tasks of that base. The next
suffix to try is remembered per base, so naming n unnamed tasks takes linear time, not a scan from 1 for
each (100,000 unnamed tasks once took minutes on the event loop).
"""

from __future__ import annotations

from taskstreamd.domain.model import PYTHON_OBJECT_TYPE

DEFAULT_SQL_NAME = "AnonymousSQLTask"
DEFAULT_PYTHON_NAME = "PythonTask"


def base_name(task_type: str) -> str:
    if task_type == "sql":
        return DEFAULT_SQL_NAME
    return DEFAULT_PYTHON_NAME if task_type == PYTHON_OBJECT_TYPE else task_type


class TaskNames:
    """The names taken so far in one instance."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self._next_suffix: dict[str, int] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.taken

    def add(self, name: str) -> None:
        self.taken.add(name)

    def default(self, task_type: str) -> str:
        """The first free default name for a task of ``task_type`` (not yet added).

        Suffixes below the remembered one stay taken, since names are only ever added, so starting
        there finds the same name a scan from 1 would."""
        base = base_name(task_type)
        if base not in self.taken:
            return base
        n = self._next_suffix.get(base, 1)
        while f"{base}_{n}" in self.taken:
            n += 1
        self._next_suffix[base] = n + 1
        return f"{base}_{n}"
