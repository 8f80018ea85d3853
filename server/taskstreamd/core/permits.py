"""Concurrency limits across replicas: the owner of a limit's key grants permits to the other replicas.

A limit's key ("type:NAME" for --type-limit, "key:NAME" for a concurrency key) belongs to a shard, as an
instance does, and the replica that owns that shard is the key's *owner*. Each replica counts the tasks
of its own instances that hold a worker slot under the key (core.concurrency); the owner keeps a ledger of
how many permits every other replica holds, and starts a task of its own only while its count, the
permits it granted and the replicas waiting for one stay under the limit. Another replica starts a task
only under a permit it holds: when one of its queued tasks finds none free, it asks the owner
(``AcquirePermits``, one call in flight per key, waiting at the owner until a permit frees), and it gives
back at once what its tasks no longer use. On the owner, and for tasks without a limit, nothing is
asked of anyone.

Each call tells the owner how many permits the caller holds, and a replica's calls for a key go one at a
time, so the ledger is corrected by every call. A replica that is no longer live holds nothing (its
tasks are retried by whoever takes its instances over). A replica that gains a shard grants none of its
keys' permits until every live replica reported what it holds there (``ReportPermits``, sent when a
replica sees a shard change owner), or ``RECOVERY_SECONDS`` passed, and starts its own tasks meanwhile
only under the permits it held before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from taskstreamd.core.ownership import SHARDS, shard_of
from taskstreamd.errors import Unavailable

log = logging.getLogger(__name__)

SWEEP_SECONDS = 0.5  # how often releases, reports and retries are looked at
WAIT_SECONDS = 5.0  # how long an owner holds an ask while no permit is free
RECOVERY_SECONDS = 10.0  # the longest a new owner waits for the replicas' reports


def key_shard(key: str) -> int:
    return shard_of("limit/" + key)


class PermitLink(Protocol):
    """Calls to the owner of a key (the API layer implements them over ReplicaService)."""

    async def acquire(
        self, owner: str, replica: str, key: str, limit: int, held: int, wanted: int, wait: float
    ) -> int: ...

    async def report(self, owner: str, replica: str, shards: list[int], holdings: dict[str, int]) -> None: ...


@dataclass(eq=False)
class _Waiter:
    replica: str
    limit: int
    wanted: int
    future: asyncio.Future[int]


class Permits:
    def __init__(
        self,
        me: str,
        link: PermitLink,
        owner_of: Callable[[int], str | None],  # the live owner of a shard
        live: Callable[[], set[str]],  # the live replicas
        count: Callable[[str], int],  # tasks of this replica holding a slot under a key
        changed: Callable[[], None],  # what the dispatcher may start changed
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.me = me
        self.link = link
        self.owner_of = owner_of
        self.live = live
        self.count = count
        self.changed = changed
        self.clock = clock
        # As a replica that does not own the key: what it holds, and what limit it asked with.
        self.allowance: dict[str, int] = {}
        self._limits: dict[str, int] = {}
        self._asking: dict[str, asyncio.Task[None]] = {}
        self._retry_after: dict[str, float] = {}
        self._granted_at: dict[str, float] = {}  # kept a moment for the task it was asked for
        self._dirty: set[str] = set()  # keys whose owner may count what this replica holds wrong
        self._blocked: dict[str, tuple[int, set[int]]] = {}  # this pass: key -> (limit, tasks waiting)
        # As the owner: who holds what, who waits, and the shards whose reports are awaited.
        self.ledger: dict[str, dict[str, int]] = defaultdict(dict)
        self._waiters: dict[str, list[_Waiter]] = defaultdict(list)
        self._recovering: dict[int, tuple[float, set[str]]] = {}  # shard -> (until, replicas not heard)
        self._held_before: dict[str, int] = {}  # what it held of keys it just came to own
        self._owners_seen: dict[int, str] = {}
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._sweep_now_and_then(), name="permits")

    async def close(self) -> None:
        tasks = [t for t in (self._task, *self._asking.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.future.done():
                    waiter.future.cancel()

    # -- the dispatcher's side ---------------------------------------------------------------------------

    def owner(self, key: str) -> str | None:
        return self.owner_of(key_shard(key))

    def room(self, key: str, limit: int, count: int) -> int:
        """How many more tasks of the key this replica may start now (``count`` of them hold a slot)."""
        owner = self.owner(key)
        if owner == self.me:
            if self._in_recovery(key):
                return min(limit, self._held_before.get(key, 0)) - count
            granted = sum(self.ledger[key].values()) if key in self.ledger else 0
            waiting = len(self._waiters[key]) if key in self._waiters else 0
            return limit - count - granted - waiting
        return min(limit, self.allowance.get(key, 0)) - count

    def blocked(self, key: str, limit: int, task_id: int) -> None:
        """A queued task of the key found no permit in this dispatch pass."""
        entry = self._blocked.get(key)
        if entry is None:
            self._blocked[key] = (limit, {task_id})
        else:
            entry[1].add(task_id)

    def flush(self) -> None:
        """At the end of a dispatch pass: asks the owners for what the blocked tasks need, gives back
        what nothing uses, and hands freed permits to the replicas waiting here."""
        if not (self._blocked or self.allowance or self._waiters):
            return
        now = self.clock()
        for key, (limit, tasks) in self._blocked.items():
            owner = self.owner(key)
            if (
                owner is None
                or owner == self.me
                or key in self._asking
                or self._retry_after.get(key, 0) > now
            ):
                continue
            held = self._held(key)
            wanted = min(limit, self.count(key) + len(tasks))
            if wanted > held:
                self._ask(owner, key, limit, held, wanted)
        self._release(skip=self._blocked, fresh_after=now - SWEEP_SECONDS)
        self._blocked.clear()
        if self._waiters:
            self._wake()

    def _held(self, key: str) -> int:
        return max(self.allowance.get(key, 0), self.count(key))

    def _release(self, skip: Iterable[str] = (), fresh_after: float | None = None) -> None:
        """Gives back what this replica holds beyond its running tasks (applied here before it is sent);
        with ``fresh_after``, not what was granted since then (its task may not have found a slot yet)."""
        skipped = set(skip)
        for key, held in list(self.allowance.items()):
            if key in skipped or key in self._asking:
                continue
            if fresh_after is not None and self._granted_at.get(key, 0) > fresh_after:
                continue
            running = self.count(key)
            owner = self.owner(key)
            if running >= held or owner is None or owner == self.me:
                continue
            self._set(key, running)
            self._ask(owner, key, self._limits.get(key, held), held, running)

    def _set(self, key: str, held: int) -> None:
        if held > 0:
            self.allowance[key] = held
        else:
            self.allowance.pop(key, None)

    def _ask(self, owner: str, key: str, limit: int, held: int, wanted: int) -> None:
        self._limits[key] = limit
        self._asking[key] = asyncio.get_running_loop().create_task(
            self._call(owner, key, limit, held, wanted), name=f"permits {key}"
        )

    async def _call(self, owner: str, key: str, limit: int, held: int, wanted: int) -> None:
        try:
            granted = await self.link.acquire(owner, self.me, key, limit, held, wanted, WAIT_SECONDS)
        except Exception as error:
            log.debug("asking replica %s for permits of %s failed: %s", owner, key, error)
            self._retry_after[key] = self.clock() + SWEEP_SECONDS
            self._dirty.add(key)  # it may have granted or released without this replica hearing
            return
        finally:
            self._asking.pop(key, None)
        self._dirty.discard(key)
        if wanted < held:
            return  # a release: applied here before it was sent
        self._set(key, granted)
        if granted < wanted:
            self._retry_after[key] = self.clock() + SWEEP_SECONDS
        if granted > held:
            self._granted_at[key] = self.clock()
            self.changed()

    # -- the owner's side --------------------------------------------------------------------------------

    async def acquire(self, replica: str, key: str, limit: int, held: int, wanted: int, wait: float) -> int:
        """What ``replica`` holds of the key after asking for ``wanted`` (see the module's docstring)."""
        if self.owner(key) != self.me:
            raise Unavailable(f"this replica does not own the limit {key}; ask its owner")
        entries = self.ledger[key]
        self._record(entries, replica, held)
        if wanted <= held:
            self._record(entries, replica, wanted)
            self._wake()
            self.changed()  # room for this replica's own tasks too
            return wanted
        if self._in_recovery(key):
            return held
        free = limit - self.count(key) - sum(entries.values()) - len(self._waiters[key])
        if free > 0:
            now_held = held + min(wanted - held, free)
            self._record(entries, replica, now_held)
            self.changed()
            return now_held
        waiter = _Waiter(replica, limit, wanted, asyncio.get_running_loop().create_future())
        self._waiters[key].append(waiter)
        self.changed()  # a waiter holds one place: this replica's own tasks do not take it
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.future), wait)
        except TimeoutError:
            return entries.get(replica, 0)
        finally:
            with contextlib.suppress(ValueError):
                self._waiters[key].remove(waiter)
            if not self._waiters[key]:
                del self._waiters[key]

    def report(self, replica: str, shards: list[int], holdings: dict[str, int]) -> None:
        """What ``replica`` holds of every key of ``shards`` (a key it does not list: nothing)."""
        owned = [s for s in shards if self.owner_of(s) == self.me]
        if len(owned) < len(shards):
            raise Unavailable("this replica does not own every shard reported")
        for key, entries in self.ledger.items():
            if key_shard(key) in owned and key not in holdings:
                entries.pop(replica, None)
        for key, held in holdings.items():
            if key_shard(key) in owned:
                self._record(self.ledger[key], replica, held)
        for shard in owned:
            recovering = self._recovering.get(shard)
            if recovering is not None:
                recovering[1].discard(replica)
        self.changed()

    @staticmethod
    def _record(entries: dict[str, int], replica: str, held: int) -> None:
        if held > 0:
            entries[replica] = held
        else:
            entries.pop(replica, None)

    def _wake(self) -> None:
        """Grants freed permits to the waiting replicas, first come first served."""
        for key, waiters in list(self._waiters.items()):
            entries = self.ledger[key]
            for waiter in list(waiters):
                if waiter.future.done():
                    continue
                free = waiter.limit - self.count(key) - sum(entries.values())
                have = entries.get(waiter.replica, 0)
                grant = min(waiter.wanted - have, free)
                if grant <= 0:
                    break
                self._record(entries, waiter.replica, have + grant)
                waiter.future.set_result(have + grant)

    def _in_recovery(self, key: str) -> bool:
        shard = key_shard(key)
        recovering = self._recovering.get(shard)
        if recovering is None:
            return False
        until, waiting = recovering
        if self.clock() >= until or not (waiting & self.live()):
            del self._recovering[shard]
            for held in [k for k in self._held_before if key_shard(k) == shard]:
                del self._held_before[held]
            return False
        return True

    # -- ownership ---------------------------------------------------------------------------------------

    def gained(self, shards: set[int]) -> None:
        """Shards this replica came to own: their keys' permits held elsewhere are not known yet."""
        others = self.live() - {self.me}
        until = self.clock() + RECOVERY_SECONDS
        for shard in shards:
            if others:
                self._recovering[shard] = (until, set(others))
            self._owners_seen[shard] = self.me
        for key in [k for k in self.allowance if key_shard(k) in shards]:
            self._held_before[key] = self.allowance.pop(key)

    def lost(self, shards: set[int], keys: Iterable[str]) -> None:
        """Shards this replica gave up: for their ``keys`` it now holds permits for its running tasks,
        which it reports to the new owner once it knows it."""
        for key in [k for k in keys if key_shard(k) in shards]:
            self._set(key, self.count(key))
        for key in [k for k in self.ledger if key_shard(k) in shards]:
            del self.ledger[key]
        for key in [k for k in self._waiters if key_shard(k) in shards]:
            for waiter in self._waiters.pop(key):
                if not waiter.future.done():
                    waiter.future.set_exception(Unavailable(f"the limit {key} moved to another replica"))
        for shard in shards:
            self._recovering.pop(shard, None)
            self._owners_seen.pop(shard, None)  # the next sweep reports to the new owner

    # -- now and then ------------------------------------------------------------------------------------

    async def _sweep_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)  # a periodic look: owners change on a clock too
            try:
                self.sweep()
            except Exception:
                log.exception("looking after permits failed; trying again")

    def sweep(self) -> None:
        """Forgets the permits of replicas that are gone, reports to new owners, gives back what is
        unused, and lets the dispatcher ask again for what an owner could not grant before."""
        live = self.live()
        for key, entries in list(self.ledger.items()):
            gone = [r for r in entries if r not in live]
            for replica in gone:
                del entries[replica]
            if not entries:
                del self.ledger[key]
            if gone:
                log.info("permits of %s held by replicas that are gone are free: %s", key, gone)
                self.changed()
        self._report_to_new_owners()
        self._release()
        for key in [k for k in self._dirty if k not in self._asking]:
            owner = self.owner(key)
            if owner is not None and owner != self.me:
                held = self._held(key)  # tells the owner what this replica holds, asking nothing
                self._ask(owner, key, self._limits.get(key, held), held, held)
            else:
                self._dirty.discard(key)
        if self._waiters:
            self._wake()
        now = self.clock()
        if any(t <= now for t in self._retry_after.values()):
            self._retry_after = {k: t for k, t in self._retry_after.items() if t > now}
            self.changed()  # the next dispatch pass asks again

    def _report_to_new_owners(self) -> None:
        moved: dict[str, list[int]] = defaultdict(list)
        for shard in range(SHARDS):
            owner = self.owner_of(shard)
            if owner is None or self._owners_seen.get(shard) == owner:
                continue
            self._owners_seen[shard] = owner
            if owner == self.me:
                for key in [k for k in self.allowance if key_shard(k) == shard]:
                    self._held_before[key] = self.allowance.pop(key)
            else:
                moved[owner].append(shard)
        for owner, shards in moved.items():
            holdings = {k: self._held(k) for k in self.allowance if key_shard(k) in shards}
            asyncio.get_running_loop().create_task(self._report(owner, shards, holdings))

    async def _report(self, owner: str, shards: list[int], holdings: dict[str, int]) -> None:
        try:
            await self.link.report(owner, self.me, shards, holdings)
        except Exception as error:
            log.debug("reporting permits to replica %s failed: %s", owner, error)
            for shard in shards:  # the next sweep tries again
                if self._owners_seen.get(shard) == owner:
                    del self._owners_seen[shard]
