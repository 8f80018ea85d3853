"""The in-memory run queue: queued tasks ordered by instance priority (smaller first), then age, then index.

The database is the truth; this queue is rebuilt from it on start. Entries may be stale (a task cancelled
while queued): claiming them in the store fails and they are dropped.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from taskstreamd.store.repository import QueuedTask


class RunQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[int, str, int, int, QueuedTask]] = []
        self._queued: set[int] = set()

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, task: QueuedTask) -> None:
        if task.task_id in self._queued:
            return
        self._queued.add(task.task_id)
        heapq.heappush(self._heap, (task.priority, task.instance_id, task.index, task.task_id, task))

    def remove(self, task_ids: set[int]) -> None:
        """Takes these tasks out of the queue (a linear pass: for the rare transaction that failed)."""
        if not self._queued & task_ids:
            return
        self._heap = [entry for entry in self._heap if entry[3] not in task_ids]
        heapq.heapify(self._heap)
        self._queued -= task_ids

    def pop_matching(
        self,
        can_run: Callable[[QueuedTask], bool],
        limit: int,
        wanted: Callable[[QueuedTask], bool] | None = None,
    ) -> list[QueuedTask]:
        """Up to ``limit`` tasks in queue order that ``can_run`` accepts; the others stay queued.

        With ``wanted``, it stops at the first task ``can_run`` accepts and ``wanted`` does not, so no task
        is taken ahead of one that could have run in its place.
        """
        taken: list[QueuedTask] = []
        skipped: list[tuple[int, str, int, int, QueuedTask]] = []
        while self._heap and len(taken) < limit:
            entry = heapq.heappop(self._heap)
            if can_run(entry[4]):
                if wanted is not None and not wanted(entry[4]):
                    skipped.append(entry)
                    break
                self._queued.discard(entry[3])
                taken.append(entry[4])
            else:
                skipped.append(entry)
        for entry in skipped:
            heapq.heappush(self._heap, entry)
        return taken
