"""The store on a real PostgreSQL server: what two replicas' writers do to each other.

Two Store objects on one database stand for two replicas. Their commits are ordered by the test (each is
awaited), so each outcome is certain; nothing waits on time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from taskstreamd import ids
from taskstreamd.core.ownership import SHARDS, Fenced, LeasedOwnership, shard_of
from taskstreamd.domain.model import Instance, Task
from taskstreamd.domain.vocabulary import TaskStatus
from taskstreamd.store import cluster, migrate, notify
from taskstreamd.store.batch import RequestClaim
from taskstreamd.store.cluster import Replica
from taskstreamd.store.engine import libpq_url
from taskstreamd.store.store import Store
from taskstreamd.wire.event_codec import ProtoEventCodec
from tests.support.postgres import PostgresCluster


@pytest.fixture
async def database(postgres: PostgresCluster) -> str:
    url = postgres.create_database()
    await asyncio.to_thread(migrate.upgrade, url)
    return url


@pytest.fixture
async def stores(database: str) -> AsyncIterator[tuple[Store, Store]]:
    a, b = Store(database, ProtoEventCodec()), Store(database, ProtoEventCodec())
    a.start()
    b.start()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


def new_instance(task_id: int, request_id: str = "") -> Instance:
    created = datetime.now(UTC)
    instance = Instance(
        id=ids.new_instance_id(created), project="p", owner="o", priority=9, create_time=created,
        request_id=request_id,
    )  # fmt: skip
    instance.tasks = [Task(id=task_id, index=0, name="t", type="noop", status=TaskStatus.WAITING)]
    instance.count_tasks()
    return instance


def create(store: Store, instance: Instance, request_id: str = "") -> asyncio.Future:  # type: ignore[type-arg]
    batch = store.writer.batch
    batch.add_instance(instance)
    if request_id:
        batch.claim(
            RequestClaim("p", "create", request_id, "fp", instance.id, b"answer", instance.create_time, True)
        )
    return store.writer.soon()


async def test_task_id_blocks_of_two_replicas_never_overlap(stores: tuple[Store, Store]) -> None:
    a, b = stores
    blocks = [await a.reserve_task_ids(100), await b.reserve_task_ids(100), await a.reserve_task_ids(5)]
    ranges = [set(range(first, first + n)) for first, n in zip(blocks, (100, 100, 5), strict=True)]
    assert not (ranges[0] & ranges[1]) and not (ranges[1] & ranges[2]) and not (ranges[0] & ranges[2])


async def test_the_same_request_id_on_two_replicas_creates_one_instance(stores: tuple[Store, Store]) -> None:
    a, b = stores
    first_id, second_id = await a.reserve_task_ids(1), await b.reserve_task_ids(1)
    first, second = new_instance(first_id, "req-1"), new_instance(second_id, "req-1")
    assert (await create(a, first, "req-1")).lost == set()
    outcome = await create(b, second, "req-1")
    assert outcome.lost == {second.id}  # B's create lost the claim: none of its rows were written
    assert await b.reader.instance(second.id) is None
    found = await b.reader.request("p", "create", "req-1")
    assert found is not None and found.instance_id == first.id and found.response == b"answer"
    stored = await b.reader.instance(first.id)
    assert stored is not None and stored.tasks[0].id == first_id


async def test_commits_notify_the_other_replicas_when_and_only_when_they_commit(
    database: str, stores: tuple[Store, Store]
) -> None:
    a, _ = stores
    failures = [RuntimeError("the database went away")]

    def fence(cursor: object) -> None:  # the first attempt fails: its notice must not be sent
        if failures:
            raise failures.pop()

    a.writer.fence = fence
    a.writer.notices = lambda batch: [f"e {n} {i} 1 -" for n, i in enumerate(sorted(batch.new))]
    async with await psycopg.AsyncConnection.connect(libpq_url(database), autocommit=True) as listener:
        await listener.execute(f"LISTEN {notify.CHANNEL}")
        instance = new_instance(await a.reserve_task_ids(1))
        await create(a, instance)  # retried after the failure, then committed
        assert not failures and a.writer.healthy
        heard = [notify.decode(m.payload) async for m in listener.notifies(timeout=30, stop_after=1)]
    assert heard == [notify.EventsCommitted("0", instance.id, 1, progress_only=False, terminal=False)]


async def test_a_replica_whose_shard_was_taken_over_cannot_commit(stores: tuple[Store, Store]) -> None:
    a, b = stores
    sql = a.sql
    now = datetime.now(UTC)
    await a.writer.run(cluster.ensure_shards(sql, 4))
    first = Replica("ra", "127.0.0.1:1")
    epoch = await a.writer.run(cluster.claim(sql, first, 0, now, timedelta(seconds=5)))
    assert epoch is not None
    ownership = LeasedOwnership(a, first, gained=_nothing, lost=_nothing, busy=lambda shard: 0)
    ownership.owned = {0: epoch}
    fatal: list[BaseException] = []
    stopped = asyncio.Event()
    a.writer.fatal = (Fenced,)
    a.writer.on_fatal = lambda error: (fatal.append(error), stopped.set())
    await create(a, new_instance(await a.reserve_task_ids(1)))  # A still owns shard 0: it commits
    # A was cut off for longer than its lease: B takes the shard over (the epoch moves on).
    later = now + timedelta(seconds=10)
    assert await b.writer.run(
        cluster.claim(sql, Replica("rb", "127.0.0.1:2"), 0, later, timedelta(seconds=5))
    )
    pending = create(a, new_instance(await b.reserve_task_ids(1)))
    await asyncio.wait_for(stopped.wait(), 30)
    assert fatal and isinstance(fatal[0], Fenced) and a.writer.stopped
    assert not pending.done()  # never answered: nothing of it was written


async def _nothing(shards: set[int]) -> None:
    return None


async def test_a_claimed_shard_takes_new_instances_only_once_its_active_ones_are_loaded(
    stores: tuple[Store, Store],
) -> None:
    # Were new instances created in a shard while its recovery read the store, one that ended and left
    # memory meanwhile would be loaded again from that read, and its events written a second time.
    a, _ = stores
    await a.writer.run(cluster.ensure_shards(a.sql, SHARDS))
    sample = [ids.new_instance_id(datetime.now(UTC)) for _ in range(200)]
    during: list[list[bool]] = []

    async def gained(shards: set[int]) -> None:
        during.append([ownership.owns(i) for i in sample if shard_of(i) in shards])

    ownership = LeasedOwnership(
        a, Replica("ra", "127.0.0.1:1"), gained=gained, lost=_nothing, busy=lambda s: 0
    )
    await ownership.balance()
    assert len(during) == 1 and during[0] and not any(during[0])
    assert ownership.ready == set(ownership.owned) and len(ownership.owned) == SHARDS
    assert all(ownership.owns(i) for i in sample)
