"""Leases in the database: claiming grants one, heartbeats renew live ones, and an expired one is taken
exactly once however many reapers race for it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from taskstream._status import InstanceStatus
from taskstreamd.domain.model import Instance
from taskstreamd.store import leases
from taskstreamd.store.repository import NewTask, Store, claim

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=10)


async def _claimed_task(store: Store, worker: str) -> tuple[str, int, str]:
    instance = Instance(id="20261121100000000aaaaaaaa", project="p", owner="o", priority=9, create_time=T0)
    instance.status = InstanceStatus.RUNNING
    async with store.transaction() as tx:
        await tx.add_instance(instance, [NewTask("t", "noop", "", b"", b"", None)])
    task_id = instance.tasks[0].id
    async with store.transaction() as tx:
        claimed = await claim(tx, task_id, worker, T0, T0 + LEASE)
    assert claimed is not None
    return instance.id, task_id, claimed.assignment_id


async def test_heartbeats_renew_a_live_lease_but_never_an_expired_one(store: Store) -> None:
    _, _, assignment = await _claimed_task(store, "w-a")
    assert await leases.renew(store, "w-a", T0 + timedelta(seconds=5), T0 + 2 * LEASE) == {assignment}
    assert await leases.renew(store, "w-b", T0, T0 + LEASE) == set()  # not its task
    assert await leases.expired(store, T0 + LEASE + timedelta(seconds=1)) == []
    late = T0 + 2 * LEASE + timedelta(seconds=1)
    assert await leases.renew(store, "w-a", late, late + LEASE) == set()  # too late: it stays expired
    assert [e.assignment_id for e in await leases.expired(store, late)] == [assignment]


async def test_an_expired_lease_is_taken_once_by_racing_reapers(store: Store) -> None:
    _, _, assignment = await _claimed_task(store, "w-a")
    later = T0 + LEASE + timedelta(seconds=1)
    (lease,) = await leases.expired(store, later)

    async def take() -> bool:
        async with store.transaction() as tx:
            return await leases.take(tx, lease, later)

    assert sorted(await asyncio.gather(take(), take(), take())) == [False, False, True]
    assert await leases.expired(store, later) == []
    assert lease.assignment_id == assignment and lease.worker == "w-a"
