"""Concurrency limits across replicas (core.permits): two cores on in-memory stores play two replicas,
their calls to each other routed in process; the owner of the limit's key grants permits, the other
asks, waits and gives back. Time is a clock the test moves; sweeps run when the test calls them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from taskstreamd.core.core import Core, CoreSettings
from taskstreamd.core.ownership import SHARDS
from taskstreamd.core.permits import SWEEP_SECONDS, Permits, key_shard
from taskstreamd.core.sessions import WorkerSession
from taskstreamd.domain.model import Instance, NewInstance, NewTask
from taskstreamd.domain.vocabulary import TaskStatus, WaitingReason
from taskstreamd.domain.worker_messages import Assignment, Finished, Registration
from taskstreamd.store.memory import MemoryStore
from taskstreamd.wire.event_codec import ProtoEventCodec

KEY = "key:db"


class Cluster:
    """Routes the replicas' permit calls and says who owns which shard and who is alive."""

    def __init__(self) -> None:
        self.permits: dict[str, Permits] = {}
        self.owners: dict[int, str] = dict.fromkeys(range(SHARDS), "a")
        self.alive: set[str] = {"a", "b"}
        self.now = 0.0
        self.asked = 0

    async def acquire(
        self, owner: str, replica: str, key: str, limit: int, held: int, wanted: int, wait: float
    ) -> int:
        self.asked += 1
        return await self.permits[owner].acquire(replica, key, limit, held, wanted, wait)

    async def report(self, owner: str, replica: str, shards: list[int], holdings: dict[str, int]) -> None:
        self.permits[owner].report(replica, shards, holdings)

    def join(self, core: Core, name: str) -> None:
        limits = core.dispatcher.limits

        def changed() -> None:
            limits.version += 1
            core.dispatcher.kick()

        permits = Permits(
            name,
            self,
            self.owners.get,
            lambda: set(self.alive),
            limits.count,
            changed,
            clock=lambda: self.now,
        )
        core.permits = limits.permits = self.permits[name] = permits


@pytest.fixture
async def cores() -> AsyncIterator[tuple[Core, Core, Cluster]]:
    cluster = Cluster()
    a, b = (Core(MemoryStore(ProtoEventCodec()), ProtoEventCodec(), CoreSettings()) for _ in range(2))
    cluster.join(a, "a")
    cluster.join(b, "b")
    await a.start()
    await b.start()
    try:
        yield a, b, cluster
    finally:
        for core in (a, b):
            assert core.permits is not None
            await core.permits.close()
            await core.close()


def worker(core: Core, slots: int = 8) -> WorkerSession:
    session = core.new_session(Registration("w", slots, {"noop": ""}), None)
    core.intake.connect(session)
    return session


async def settle() -> None:
    """Lets calls between the replicas and the dispatch passes they cause run (no time passes)."""
    for _ in range(30):
        await asyncio.sleep(0)


async def create(core: Core, tasks: int, limit: int = 2) -> Instance:
    new = NewInstance(
        "p",
        "me",
        [NewTask(f"t{i}", "noop", "{}", concurrency_key="db", concurrency_limit=limit) for i in range(tasks)],
    )
    return (await core.instances.create(new, lambda i: b"")).instance


async def taken(session: WorkerSession) -> list[Assignment]:
    await settle()
    if not len(session.outbox):
        return []
    return [c for c in await session.outbox.take(1000) if isinstance(c, Assignment)]


async def finish(core: Core, session: WorkerSession, assignment: Assignment) -> None:
    await core.intake.receive(session, [Finished(assignment.assignment_id, TaskStatus.SUCCESS, started=True)])
    await settle()


def running(*cores: Core) -> int:
    return sum(c.dispatcher.limits.count(KEY) for c in cores)


async def test_a_limit_holds_across_replicas_and_freed_permits_go_to_the_replica_waiting(
    cores: tuple[Core, Core, Cluster],
) -> None:
    a, b, cluster = cores
    wa, wb = worker(a), worker(b)
    await create(a, 2)
    on_a = await taken(wa)
    assert len(on_a) == 2  # the owner of the key starts its own tasks without asking anyone
    instance_b = await create(b, 2)
    assert await taken(wb) == [] and running(a, b) == 2
    b.dispatcher.explain(instance_b)
    assert instance_b.tasks[0].queue_reason == WaitingReason.CONCURRENCY_LIMIT
    assert cluster.asked == 1  # one ask, waiting at the owner

    await finish(a, wa, on_a[0])  # the freed permit goes to B, which waited for it, not back to A
    (first_b,) = await taken(wb)
    assert running(a, b) == 2 and b.permits is not None and b.permits.allowance == {KEY: 1}
    await create(a, 1)
    assert await taken(wa) == []  # A's new task waits too: the limit is full

    await finish(a, wa, on_a[1])
    cluster.now += SWEEP_SECONDS
    b.permits.sweep()  # B asks again for its second task; the owner's new task was queued first
    await settle()
    assert running(a, b) == 2
    await finish(b, wb, first_b)
    cluster.now += SWEEP_SECONDS
    for core in (a, b):
        assert core.permits is not None
        core.permits.sweep()
    await settle()
    assert running(a, b) == 2  # whichever got it, never more than the limit


async def test_permits_nothing_uses_go_back_and_a_dead_replica_holds_none(
    cores: tuple[Core, Core, Cluster],
) -> None:
    a, b, cluster = cores
    wa, wb = worker(a), worker(b)
    await create(b, 1)
    (on_b,) = await taken(wb)
    assert b.permits is not None and b.permits.allowance == {KEY: 1}
    assert a.permits is not None and a.permits.ledger[KEY] == {"b": 1}
    await finish(b, wb, on_b)
    cluster.now += SWEEP_SECONDS
    b.permits.sweep()  # unused: given back
    await settle()
    assert b.permits.allowance == {} and a.permits.ledger.get(KEY, {}) == {}

    await create(b, 1)
    await taken(wb)
    await create(a, 2)
    assert len(await taken(wa)) == 1  # B holds the other permit
    cluster.alive.discard("b")  # B is gone (its instances are retried by whoever takes them over)
    a.permits.sweep()
    await settle()
    assert len(await taken(wa)) == 1


async def test_a_new_owner_grants_nothing_until_the_others_reported_what_they_hold(
    cores: tuple[Core, Core, Cluster],
) -> None:
    a, b, cluster = cores
    wa, wb = worker(a), worker(b)
    await create(a, 1)
    assert len(await taken(wa)) == 1
    await create(b, 1)
    assert len(await taken(wb)) == 1  # A owns the key: B holds one of its permits

    shard = key_shard(KEY)
    cluster.owners[shard] = "b"  # the key's shard moves to B
    assert a.permits is not None and b.permits is not None
    a.permits.lost({shard}, a.dispatcher.limits.keys())
    b.permits.gained({shard})
    await create(b, 1)
    assert await taken(wb) == []  # B starts nothing beyond what it held until A reported
    a.permits.sweep()  # A sees the new owner and reports the permit its running task holds
    await settle()
    assert b.permits.ledger[KEY] == {"a": 1} and running(a, b) == 2
    await create(a, 1)
    cluster.now += SWEEP_SECONDS
    a.permits.sweep()
    await settle()
    assert await taken(wa) == [] and await taken(wb) == [] and running(a, b) == 2
