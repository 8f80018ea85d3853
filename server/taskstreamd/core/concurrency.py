"""Concurrency limits: at most N tasks of a type (the server's --type-limit) or of a concurrency key (given
on the tasks) hold a worker slot at once.

The dispatcher asks ``admits`` before it takes a queued task and ``hold`` when it takes one. Holders are
checked against the book when counted (a task that ended, or went back to the queue, holds nothing), so no
code path that frees a slot has to remember the limits, and a limit costs nothing to tasks it does not
name.

With replicas each owner counts the tasks of the instances it owns, and a limit holds across them
through permits that the owner of the limit's key grants (core.permits; docs/scheduling.md for the
design and its cost).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from taskstreamd.core.queue import QueuedTask
from taskstreamd.domain.model import Instance, Task

if TYPE_CHECKING:
    from taskstreamd.core.permits import Permits

Lookup = Callable[[int], "tuple[Instance, Task] | None"]


class ConcurrencyLimits:
    def __init__(self, lookup: Lookup, type_limits: dict[str, int] | None = None) -> None:
        self._lookup = lookup
        self.type_limits = dict(type_limits or {})
        self._holders: dict[str, set[int]] = {}
        self._picking: set[int] = set()  # taken by the dispatch under way, not assigned yet
        self.version = 0  # moves when a limit fills or frees (answers that show reasons to wait change)
        self.permits: Permits | None = None  # with replicas: a limit holds across them
        self.keyed = False  # some task with a concurrency key was queued

    @property
    def active(self) -> bool:
        """Whether any limit applies: without, dispatch never asks."""
        return bool(self.type_limits) or self.keyed

    def _keys(self, task: QueuedTask) -> list[tuple[str, int]]:
        keys = []
        limit = self.type_limits.get(task.type)
        if limit is not None:
            keys.append((f"type:{task.type}", limit))
        if task.key:
            keys.append((f"key:{task.key}", task.key_limit))
        return keys

    def admits(self, task: QueuedTask) -> bool:
        permits = self.permits
        if permits is None:
            return all(self._count(key) < limit for key, limit in self._keys(task))
        return all(permits.room(key, limit, self._count(key)) > 0 for key, limit in self._keys(task))

    def waits(self, task: QueuedTask) -> None:
        """A task its worker could run is held back by a limit: with replicas, its replica asks the
        limits' owners for permits at the end of the dispatch pass."""
        permits = self.permits
        if permits is not None:
            for key, limit in self._keys(task):
                if permits.room(key, limit, self._count(key)) <= 0:
                    permits.blocked(key, limit, task.task_id)

    def keys(self) -> list[str]:
        """The keys some task of this replica holds a slot under."""
        return [key for key in list(self._holders) if self._count(key)]

    def hold(self, task: QueuedTask) -> None:
        for key, _ in self._keys(task):
            self._holders.setdefault(key, set()).add(task.task_id)
        self._picking.add(task.task_id)
        self.version += 1

    def picked(self) -> None:
        """The dispatch under way assigned what it took (what it could not is dropped at the next count)."""
        self._picking.clear()
        if self.permits is not None:
            self.permits.flush()

    def count(self, key: str) -> int:
        return self._count(key)

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
