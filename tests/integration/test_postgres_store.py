"""The store on a real PostgreSQL server: claims under concurrency and the signals commits send.

Two Store objects on one database stand for two replicas. Their transactions are interleaved by hand, so
each outcome is certain; nothing waits on time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text

from taskstreamd import ids
from taskstreamd.domain.model import Instance
from taskstreamd.replica import REPLICA_ID
from taskstreamd.store import migrate, notify
from taskstreamd.store.engine import libpq_url
from taskstreamd.store.repository import DuplicateRequest, InstanceBusy, NewTask, Store, claim
from tests.support.postgres import PostgresCluster


@pytest.fixture
async def database(postgres: PostgresCluster) -> str:
    url = postgres.create_database()
    await asyncio.to_thread(migrate.upgrade, url)
    return url


@pytest.fixture
async def stores(database: str) -> AsyncIterator[tuple[Store, Store]]:
    a, b = Store(database), Store(database)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


def new_instance(request_id: str = "") -> Instance:
    created = datetime.now(UTC)
    return Instance(
        id=ids.new_instance_id(created), project="p", owner="o", priority=9, create_time=created,
        request_id=request_id,
    )  # fmt: skip


TASK = NewTask("t", "noop", "{}", b"", b"", None)


async def test_a_task_claimed_by_one_replica_is_skipped_by_another_then_found_taken(
    stores: tuple[Store, Store],
) -> None:
    a, b = stores
    instance = new_instance()
    async with a.transaction() as tx:
        await tx.add_instance(instance, [TASK])
    task_id = instance.tasks[0].id
    now = datetime.now(UTC)
    lease = now + timedelta(seconds=15)
    async with a.transaction() as tx_a:
        claimed = await claim(tx_a, task_id, "ra/w1", now, lease)
        # A holds the instance until it commits: B does not wait for it, it skips the task for now.
        async with b.transaction() as tx_b:
            with pytest.raises(InstanceBusy):
                await claim(tx_b, task_id, "rb/w1", now, lease)
    assert claimed is not None and claimed.assignment_id == f"{task_id}-1"
    async with b.transaction() as tx_b:
        assert await claim(tx_b, task_id, "rb/w1", now, lease) is None  # A's claim committed: nothing to take
    stored = await b.get_instance(instance.id)
    assert stored is not None and stored.tasks[0].worker == "ra/w1" and stored.tasks[0].attempts == 1


async def test_the_same_request_id_on_two_replicas_creates_one_instance(stores: tuple[Store, Store]) -> None:
    a, b = stores
    first, second = new_instance("req-1"), new_instance("req-1")
    async with a.transaction() as tx:
        await tx.add_instance(first, [TASK])
    with pytest.raises(DuplicateRequest):
        async with b.transaction() as tx:
            await tx.add_instance(second, [TASK])
    found = await b.find_by_request_id("p", "req-1")
    assert found is not None and found.id == first.id


async def test_commits_signal_new_work_and_new_events_to_listeners(
    database: str, stores: tuple[Store, Store]
) -> None:
    a, _ = stores
    async with await psycopg.AsyncConnection.connect(libpq_url(database), autocommit=True) as listener:
        await listener.execute(f"LISTEN {notify.CHANNEL}")
        instance = new_instance()
        async with a.transaction() as tx:
            await tx.add_instance(instance, [TASK])
        task_id = instance.tasks[0].id
        async with a.transaction() as tx:
            await claim(tx, task_id, "ra/w1", datetime.now(UTC), datetime.now(UTC) + timedelta(seconds=15))
        with pytest.raises(RuntimeError):  # a rolled-back transaction signals nothing
            async with a.transaction() as tx:
                await (await tx.orm()).execute(text("SELECT pg_notify('taskstream', 'e rolled-back x 1 -')"))
                raise RuntimeError("rolled back")
        async with a.transaction() as tx:
            await (await tx.orm()).execute(text("SELECT pg_notify('taskstream', 'e committed x 1 -')"))
        heard: list[notify.Signal | None] = []
        async for message in listener.notifies(timeout=30, stop_after=3):
            heard.append(notify.decode(message.payload))
    assert heard == [
        notify.TasksQueued(REPLICA_ID, (task_id,)),
        notify.EventsCommitted(REPLICA_ID, instance.id, 1, progress_only=False, terminal=False),
        notify.EventsCommitted("committed", "x", 1, progress_only=False, terminal=False),
    ]
