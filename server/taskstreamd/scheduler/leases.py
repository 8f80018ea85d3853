"""The lease reaper: tasks whose worker stopped heartbeating are interrupted and retried.

Every replica runs one. A lost worker is noticed in at most ``lease_seconds`` plus one reaper round, even
when its stream never breaks (a network partition) or the replica it was connected to died.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from taskstreamd.store import leases
from taskstreamd.store.leases import ExpiredLease
from taskstreamd.store.repository import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeaseSettings:
    lease_seconds: float = 15.0
    heartbeat_seconds: float = 0.0  # 0: a third of the lease, so two heartbeats may be lost

    def __post_init__(self) -> None:
        if self.lease_seconds <= 0:
            raise ValueError(f"the lease must last more than 0 seconds, not {self.lease_seconds}")
        if not 0 <= self.heartbeat_seconds < self.lease_seconds:
            raise ValueError("the heartbeat interval must be shorter than the lease")

    @property
    def heartbeat_interval(self) -> float:
        return self.heartbeat_seconds or self.lease_seconds / 3

    @property
    def reaper_interval(self) -> float:
        return self.lease_seconds / 4


Expire = Callable[[ExpiredLease, datetime], Awaitable[None]]


class Reaper:
    def __init__(self, store: Store, settings: LeaseSettings, expire: Expire) -> None:
        self._store = store
        self._settings = settings
        self._expire = expire

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self._settings.reaper_interval)  # a periodic check: nothing to wait on
            try:
                await self.reap_once()
            except Exception:
                log.exception("expiring leases failed; retrying next round")

    async def reap_once(self) -> int:
        """Expires every lease that ran out; how many were found (others may have taken some)."""
        now = datetime.now(UTC)
        found = await leases.expired(self._store, now)
        for lease in found:
            await self._expire(lease, now)
        return len(found)
