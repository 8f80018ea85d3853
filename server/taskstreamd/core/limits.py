"""Concurrency limits: at most N tasks of a type (the server's --type-limit) or of a concurrency key (given
on the tasks) hold a worker slot at once.

The dispatcher asks ``admits`` before it takes a queued task and ``hold`` when it takes one. Holders are
checked against the book when counted (a task that ended, or went back to the queue, holds nothing), so no
code path that frees a slot has to remember the limits, and a limit costs nothing to tasks it does not
name.

With replicas each owner counts the tasks of the instances it owns: a limit holds per replica (see
docs/scheduling.md for the design and its cost).
"""

from __future__ import annotations

from collections.abc import Callable

from taskstreamd.core.queue import QueuedTask
from taskstreamd.domain.model import Instance, Task

Lookup = Callable[[int], "tuple[Instance, Task] | None"]


class ConcurrencyLimits:
    def __init__(self, lookup: Lookup, type_limits: dict[str, int] | None = None) -> None:
        self._lookup = lookup
        self.type_limits = dict(type_limits or {})
        self._holders: dict[str, set[int]] = {}
        self._picking: set[int] = set()  # taken by the dispatch under way, not assigned yet
        self.version = 0  # moves when a limit fills or frees (answers that show reasons to wait change)

    @property
    def active(self) -> bool:
        """Whether any limit applies: without, dispatch never asks."""
        return bool(self.type_limits) or bool(self._holders)

    def _keys(self, task: QueuedTask) -> list[tuple[str, int]]:
        keys = []
        limit = self.type_limits.get(task.type)
        if limit is not None:
            keys.append((f"type:{task.type}", limit))
        if task.key:
            keys.append((f"key:{task.key}", task.key_limit))
        return keys

    def admits(self, task: QueuedTask) -> bool:
        return all(self._count(key) < limit for key, limit in self._keys(task))

    def hold(self, task: QueuedTask) -> None:
        for key, _ in self._keys(task):
            self._holders.setdefault(key, set()).add(task.task_id)
        self._picking.add(task.task_id)
        self.version += 1

    def picked(self) -> None:
        """The dispatch under way assigned what it took (what it could not is dropped at the next count)."""
        self._picking.clear()

    def _count(self, key: str) -> int:
        holders = self._holders.get(key)
        if not holders:
            return 0
        gone = {t for t in holders if not self._holds(t)}
        if gone:
            holders -= gone
            self.version += 1
        return len(holders)

    def _holds(self, task_id: int) -> bool:
        if task_id in self._picking:
            return True
        found = self._lookup(task_id)
        return found is not None and bool(found[1].worker) and not found[1].is_terminal
