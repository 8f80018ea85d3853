"""Actions due at a wall-clock time: an instance's start time, the end of a task's backoff, the grace
period of an instance bound to its caller. One loop timer is armed for the earliest; the clock is the
book's, so tests move time themselves and call ``due()``.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable, Hashable
from datetime import datetime

log = logging.getLogger(__name__)

# The loop timer is re-armed at least this often, so a wall clock that jumps is noticed.
MAX_SLEEP_SECONDS = 60.0

Clock = Callable[[], datetime]


class Timers:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[tuple[datetime, int, Hashable]] = []
        self._actions: dict[Hashable, tuple[datetime, int, Callable[[], None]]] = {}
        self._order = itertools.count()
        self._handle: asyncio.TimerHandle | None = None
        self._running = False

    def __len__(self) -> int:
        return len(self._actions)

    def at(self, when: datetime, key: Hashable, action: Callable[[], None]) -> None:
        """Runs ``action`` once ``when`` has come (replacing the action under ``key``)."""
        number = next(self._order)
        self._actions[key] = (when, number, action)
        heapq.heappush(self._heap, (when, number, key))
        self._arm()

    def cancel(self, key: Hashable) -> None:
        self._actions.pop(key, None)  # its heap entry is skipped when it comes up

    def due(self) -> int:
        """Runs every action whose time has come, earliest first; how many ran."""
        now = self.clock()
        ran = 0
        while self._heap and self._heap[0][0] <= now:
            _, number, key = heapq.heappop(self._heap)
            entry = self._actions.get(key)
            if entry is None or entry[1] != number:
                continue  # cancelled or replaced
            del self._actions[key]
            ran += 1
            try:
                entry[2]()
            except Exception:
                log.exception("a timed action failed")
        return ran

    def start(self) -> None:
        self._running = True
        self._arm()

    async def close(self) -> None:
        self._running = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _arm(self) -> None:
        if not self._running:
            return
        while self._heap and self._heap[0][2] not in self._actions:
            heapq.heappop(self._heap)  # drop what was cancelled, so the timer aims at a live entry
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._heap:
            return
        delay = (self._heap[0][0] - self.clock()).total_seconds()
        loop = asyncio.get_running_loop()
        self._handle = loop.call_later(min(max(delay, 0.0), MAX_SLEEP_SECONDS), self._fire)

    def _fire(self) -> None:
        self._handle = None
        self.due()
        self._arm()
