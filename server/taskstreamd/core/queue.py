"""The in-memory run queue: queued tasks ordered by instance priority (smaller first), then age, then index.

Entries may be stale (a task cancelled or suspended while queued): dispatch checks each task it takes
against the book and skips the ones that are no longer queued.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QueuedTask:
    """What the scheduler needs to order and route a queued task."""

    priority: int
    instance_id: str
    index: int
    task_id: int
    type: str
    project: str = ""
    required_labels: tuple[tuple[str, str], ...] = ()  # worker labels the task needs
    key: str = ""  # its concurrency key (core.concurrency), with the key's limit
    key_limit: int = 0


_Entry = tuple[int, str, int, int, QueuedTask]


class RunQueue:
    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._queued: set[int] = set()

    def __len__(self) -> int:
        return len(self._heap)

    def __contains__(self, task_id: int) -> bool:
        return task_id in self._queued

    def push(self, task: QueuedTask) -> None:
        if task.task_id in self._queued:
            return
        self._queued.add(task.task_id)
        heapq.heappush(self._heap, (task.priority, task.instance_id, task.index, task.task_id, task))

    def in_order(self) -> list[QueuedTask]:
        """Every entry in the order tasks would be taken (a sorted copy: for views, not for dispatch)."""
        return [entry[4] for entry in sorted(self._heap)]

    def positions(self, task_ids: set[int], live: Callable[[int], bool]) -> tuple[dict[int, int], int]:
        """Where each of ``task_ids`` stands in queue order (1: taken first) among the entries whose task
        ``live`` says is still queued, and how many those are. One pass over the heap and no sort (the
        entries ahead of each task are counted through a bisection among the tasks asked about): for
        reads, never for dispatch."""
        counted = [entry for entry in self._heap if live(entry[3])]
        marks = sorted(entry[:4] for entry in counted if entry[3] in task_ids)
        if not marks:
            return {}, len(counted)
        ahead = [0] * (len(marks) + 1)  # ahead[j]: entries below mark j but not below mark j - 1
        for entry in counted:
            ahead[bisect.bisect_right(marks, entry[:4])] += 1
        positions: dict[int, int] = {}
        below = 0
        for j, mark in enumerate(marks):
            below += ahead[j]
            positions[mark[3]] = below + 1
        return positions, len(counted)

    def remove(self, task_ids: set[int]) -> None:
        """Takes these tasks out of the queue (a linear pass: for the rare create that lost its claim)."""
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
        skipped: list[_Entry] = []
        heap = self._heap
        while heap and len(taken) < limit:
            entry = heapq.heappop(heap)
            if can_run(entry[4]):
                if wanted is not None and not wanted(entry[4]):
                    skipped.append(entry)
                    break
                self._queued.discard(entry[3])
                taken.append(entry[4])
            else:
                skipped.append(entry)
        for entry in skipped:
            heapq.heappush(heap, entry)
        return taken
