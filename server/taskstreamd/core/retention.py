"""Retention: the server deletes terminated instances older than ``--retention``, a bounded batch
at a time so that no transaction holds the database for long."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from taskstreamd.store.interface import StoreLike

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_AGE = re.compile(r"(\d+)([smhd])")


def parse_age(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``90s`` (or several: ``1d12h``); ValueError otherwise."""
    text = text.strip()
    parts = _AGE.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"expected an age like 7d, 12h, 30m or 90s, got {text!r}")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


@dataclass(frozen=True)
class RetentionPolicy:
    max_age: timedelta | None  # None: only instances with a retention of their own are deleted
    batch_size: int = 500
    interval: float = 300.0  # seconds between sweeps


class Retention:
    def __init__(
        self,
        store: StoreLike,
        policy: RetentionPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        forget: Callable[[list[str]], None] = lambda ids: None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.forget = forget  # what is kept of deleted instances elsewhere (cached answers) goes
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> int:
        """Deletes every expired instance, batch by batch; the number deleted."""
        total = 0
        while True:
            now = self.clock()
            age = self.policy.max_age
            deleted = await self.store.expire(
                now - age if age is not None else None, self.policy.batch_size, now
            )
            self.forget(deleted)
            total += len(deleted)
            if len(deleted) < self.policy.batch_size:
                return total
            await asyncio.sleep(0)  # let other writers in between batches

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                deleted = await self.sweep()
                if deleted:
                    log.info("retention deleted %d instances", deleted)
            except Exception:
                log.exception("retention sweep failed; trying again at the next interval")
            await asyncio.sleep(self.policy.interval)
