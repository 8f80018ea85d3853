"""What a task process needs besides its task modules: the server's address and the SQL data sources.

The worker builds one ``ChildSettings`` and every child it spawns applies it at start.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from taskstreamd.builtin_tasks.sql import sources
from taskstreamd.datasources import DataSource

# Imported by every worker and child before the task modules it is given.
BUILTIN_TASK_MODULE = "taskstreamd.builtin_tasks"


@dataclasses.dataclass(frozen=True)
class ChildSettings:
    """``server`` is the HOST:PORT of the server's InstanceService (workflows call it); ``datasources``
    are the SQL data sources by name."""

    server: str = ""
    datasources: Mapping[str, DataSource] = dataclasses.field(default_factory=dict)

    def apply(self) -> None:
        """Make the settings current in this process."""
        sources.configure(self.datasources)
