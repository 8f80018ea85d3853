"""Log lines about floods, at most one per interval: the first at once, the rest counted into the next.

A flood (a slowloris on the web port, a process out of file descriptors) repeats the same complaint
thousands of times a second; logged each time it fills the disk and hides everything else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

INTERVAL = 60.0


class Throttle:
    """Lets one event through per ``interval`` seconds, counting those it holds back."""

    def __init__(self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: float | None = None
        self.held_back = 0

    def allow(self) -> int | None:
        """None when the event should not be logged; otherwise how many were held back since the last."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self.held_back += 1
            return None
        self._last = now
        held, self.held_back = self.held_back, 0
        return held


class OneLinePerInterval(logging.Filter):
    """For records whose message starts with ``prefix``: one line per interval, without its traceback,
    saying how many were held back. asyncio logs each failed accept() with a traceback, which is how a
    server out of file descriptors wrote 20,000 of them in 15 seconds."""

    def __init__(self, prefix: str, interval: float = INTERVAL) -> None:
        super().__init__()
        self.prefix = prefix
        self.throttle = Throttle(interval)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith(self.prefix):
            return True
        held = self.throttle.allow()
        if held is None:
            return False
        cause = record.exc_info[1] if record.exc_info else None
        first_line = message.splitlines()[0]
        record.msg = f"{first_line}: {cause}" if cause is not None else first_line
        if held:
            record.msg += f" ({held} more in the last {self.throttle.interval:g}s)"
        record.args, record.exc_info, record.exc_text = (), None, None
        return True
