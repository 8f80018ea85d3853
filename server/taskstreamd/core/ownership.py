"""Which instances this server owns: only their owner changes them, so each can live in one memory.

Instances fall into ``SHARDS`` shards by their id. Alone on SQLite a server owns every shard. Replicas on
PostgreSQL claim shards as leases in the ``shards`` table (``LeasedOwnership``): each replica renews its
leases every few seconds, takes the shards whose lease ran out (a replica that died: its instances are
loaded from the store and go on here within seconds), and gives up shards beyond its share when replicas
join, so each has some to create instances in. A claim raises the shard's epoch, and every commit first
checks that this replica still holds its shards at their epochs (``fence``): a replica that was cut off
for longer than its lease can no longer write what the new owner took over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from taskstreamd.store import cluster
from taskstreamd.store.cluster import Replica, ShardOwner
from taskstreamd.store.store import Store

log = logging.getLogger(__name__)

SHARDS = 64
LEASE_SECONDS = 5.0


def shard_of(instance_id: str) -> int:
    return zlib.crc32(instance_id.encode()) % SHARDS


class Fenced(Exception):
    """This replica no longer owns a shard it wrote to: another took it over."""


class Ownership:
    """A server alone on its store: it owns every shard."""

    def __init__(self) -> None:
        self.owned: dict[int, int] = {shard: 0 for shard in range(SHARDS)}

    def owns(self, instance_id: str) -> bool:
        return shard_of(instance_id) in self.owned

    def owner_of(self, instance_id: str) -> ShardOwner | None:
        return None

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


Gained = Callable[[set[int]], Awaitable[None]]
Lost = Callable[[set[int]], Awaitable[None]]


class LeasedOwnership(Ownership):
    """Replicas sharing PostgreSQL: shards held as leases (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        replica: Replica,
        *,
        gained: Gained,
        lost: Lost,
        busy: Callable[[int], int],
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.owned = {}
        # Owned shards whose active instances are loaded: only these take new instances. A shard just
        # claimed is not until its recovery read the store, or an instance created, ended and dropped
        # from memory meanwhile would be loaded again from that read and its events written twice.
        self.ready: set[int] = set()
        self.store = store
        self.replica = replica
        self.lease = timedelta(seconds=lease_seconds)
        self.interval = lease_seconds / 3
        self._gained = gained
        self._lost = lost
        self._busy = busy  # active instances of a shard in memory: the fewer, the cheaper to give up
        self.owners: dict[int, ShardOwner] = {}
        self.replicas: list[Replica] = []
        self._task: asyncio.Task[None] | None = None
        store.fence_with(self.fence)

    def owns(self, instance_id: str) -> bool:
        return shard_of(instance_id) in self.ready

    def owner_of(self, instance_id: str) -> ShardOwner | None:
        return self.owners.get(shard_of(instance_id))

    async def start(self) -> None:
        writer, sql = self.store.writer, self.store.sql
        await writer.run(cluster.ensure_shards(sql, SHARDS))
        await self.balance()
        while not self.owned:  # a replica needs a shard to create instances in: others give some up
            await asyncio.sleep(self.interval)
            await self.balance()
        self._task = asyncio.create_task(self._run(), name="shard-leases")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.store.writer.run(cluster.leave(self.store.sql, self.replica))

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)  # a lease is renewed on a clock, not on an event
            try:
                await self.balance()
            except Fenced as error:
                self.store.writer.on_fatal(error)
                return
            except Exception:
                log.exception("renewing shard leases failed; trying again")

    async def balance(self) -> None:
        """Renews the leases, notices shards taken away, takes free ones up to a fair share and gives
        up what is beyond it."""
        writer, sql = self.store.writer, self.store.sql
        now = datetime.now(UTC)
        live, owners = await writer.run(cluster.heartbeat(sql, self.replica, now, self.lease))
        self.replicas = live
        self.owners = {o.shard: o for o in owners}
        taken = {
            shard
            for shard, epoch in self.owned.items()
            if (o := self.owners.get(shard)) is None or o.owner != self.replica.id or o.epoch != epoch
        }
        if taken:
            # Another replica took them over while this one was cut off: what memory holds of them is
            # stale, and nothing more may be written (fail-stop; the supervisor restarts the server).
            raise Fenced(f"shards {sorted(taken)} were taken over by another replica")
        share = math.ceil(SHARDS / max(1, len(live)))
        gained: set[int] = set()
        for owner in owners:
            if len(self.owned) >= share:
                break
            if owner.shard in self.owned or owner.live:
                continue
            epoch = await writer.run(cluster.claim(sql, self.replica, owner.shard, now, self.lease))
            if epoch is not None:
                self.owned[owner.shard] = epoch
                self.owners[owner.shard] = ShardOwner(
                    owner.shard, self.replica.id, self.replica.address, epoch, True
                )
                gained.add(owner.shard)
        if gained:
            log.info("replica %s took shards %s", self.replica.id, sorted(gained))
            await self._gained(gained)
            self.ready |= gained
        # Shards move only for a replica that has none (it could create nothing): giving one up costs its
        # running tasks a retry on the new owner.
        held = {o.owner for o in owners if o.live}
        needy = any(r.id not in held for r in live if r.id != self.replica.id)
        free = any(not o.live for o in self.owners.values())
        surplus = len(self.owned) - share
        if surplus > 0 and needy and not free:
            idle_first = sorted(self.owned, key=self._busy)[:surplus]
            given = set(idle_first)
            for shard in given:
                del self.owned[shard]
                self.ready.discard(shard)
                # Nor is this replica their owner any more: until the next heartbeat tells who is, they
                # have none here (else it would go on granting and using their keys' permits itself).
                self.owners.pop(shard, None)
            await self._lost(given)  # committed and dropped from memory before anyone else takes them
            for shard in given:
                await writer.run(cluster.release(sql, self.replica, shard))
            log.info("replica %s gave up shards %s for the others", self.replica.id, sorted(given))

    def fence(self, cursor: Any) -> None:
        """Runs first in every commit: the shards this replica believes it owns are still its own, at
        their epochs, and stay so until the commit ends (FOR SHARE)."""
        cursor.execute(self.store.sql.fence_shards, (self.replica.id,))
        held = {row[0]: row[1] for row in cursor.fetchall()}
        for shard, epoch in list(self.owned.items()):
            if held.get(shard) != epoch:
                raise Fenced(f"shard {shard} belongs to another replica now")
