"""A timer that stops counting while its task is paused, for task timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class PausableTimer:
    """Calls ``callback`` once after ``seconds`` of running time; paused time does not count."""

    def __init__(self, seconds: float, callback: Callable[[], None]) -> None:
        self._remaining = seconds
        self._callback = callback
        self._handle: asyncio.TimerHandle | None = None
        self._running_since = 0.0
        self._started = False
        self._paused = False
        self._done = False

    def start(self) -> None:
        self._started = True
        self._arm()

    def pause(self) -> None:
        if self._paused:
            return
        self._paused = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            self._remaining -= asyncio.get_running_loop().time() - self._running_since

    def resume(self) -> None:
        if not self._paused:
            return
        self._paused = False
        self._arm()

    def cancel(self) -> None:
        self._done = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _arm(self) -> None:
        if self._done or not self._started or self._paused or self._handle is not None:
            return
        loop = asyncio.get_running_loop()
        self._running_since = loop.time()
        self._handle = loop.call_later(max(self._remaining, 0.0), self._fire)

    def _fire(self) -> None:
        self._handle = None
        self._done = True
        self._callback()
