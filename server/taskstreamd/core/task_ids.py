"""Task ids, handed out from blocks this server reserves in the store (``counters``), so a new task has
its id before anything is written and no two servers sharing a database give out the same one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

BLOCK = 10_000


class TaskIds:
    def __init__(self, reserve: Callable[[int], Awaitable[int]], block: int = BLOCK) -> None:
        self._reserve = reserve
        self._block = block
        self._next = 0
        self._end = 0
        self._lock = asyncio.Lock()

    async def take(self, count: int) -> int:
        """The first of ``count`` consecutive new ids."""
        if self._end - self._next < count:
            async with self._lock:
                if self._end - self._next < count:
                    size = max(self._block, count)
                    self._next = await self._reserve(size)
                    self._end = self._next + size
        first = self._next
        self._next += count
        return first
