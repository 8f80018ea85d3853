"""The GetInstance answer cache: an unchanged instance is answered without reading, every kind of write drops
its answer when it commits, and a read that raced a commit never keeps the older state (no sleeps: the
races are staged with events)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from taskstream._status import InstanceStatus
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import task_pb2
from taskstreamd.api import convert
from taskstreamd.domain.model import Instance
from taskstreamd.errors import NotFound
from taskstreamd.events import changes
from taskstreamd.scheduler.service import InstanceManager, Settings
from taskstreamd.store import expiry, leases
from taskstreamd.store.answers import Answer, AnswerCache
from taskstreamd.store.repository import NewTask, Store, TaskRef, Transaction, claim

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
ID = "20261121100000000aaaaaaaa"


class Reads:
    """GetInstance's encoding, counting how often it had to read and encode."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, instance: Instance) -> bytes:
        self.count += 1
        return pb.GetInstanceResponse(instance=convert.instance_proto(instance)).SerializeToString()


async def fresh(store: Store) -> bytes:
    """The answer as read from the database now, bypassing the cache."""
    instance = await store.get_instance(ID)
    assert instance is not None
    return pb.GetInstanceResponse(instance=convert.instance_proto(instance)).SerializeToString()


async def new_instance(store: Store) -> int:
    instance = Instance(id=ID, project="p", owner="o", priority=9, create_time=T0)
    instance.status = InstanceStatus.RUNNING
    async with store.transaction() as tx:
        await tx.add_instance(instance, [NewTask("t", "noop", "", b"", b"", None)])
    return instance.tasks[0].id


async def task_ref(store: Store) -> TaskRef:
    ref = await store.task_ref(ID, "t")
    assert ref is not None
    return ref


async def test_an_unchanged_instance_is_answered_without_reading(store: Store) -> None:
    await new_instance(store)
    manager, reads = InstanceManager(store, Settings()), Reads()
    first = await manager.answer("p", ID, reads)
    assert await manager.answer("p", ID, reads) == first == await fresh(store)
    assert reads.count == 1
    # The project is part of the check: the cached answer of project p is no answer for project q.
    with pytest.raises(NotFound):
        await manager.answer("q", ID, reads)


async def _record(tx: Transaction, task_id: int) -> None:
    await tx.record(ID, [changes.property_set("t", "k", b"")], T0)


async def _progress(tx: Transaction, task_id: int) -> None:
    ref = TaskRef(task_id, ID, "t", 0)
    await tx.record_progress(ref, task_pb2.Progress(percent=40).SerializeToString(), T0)


async def _property(tx: Transaction, task_id: int) -> None:
    ref = TaskRef(task_id, ID, "t", 0)
    assert await tx.set_property(ref, "k", task_pb2.PropertyValue(int_value=7).SerializeToString())


async def _result(tx: Transaction, task_id: int) -> None:
    await tx.set_result(TaskRef(task_id, ID, "t", 0), None, 12, 34)


async def _save(tx: Transaction, task_id: int) -> None:
    instance = await tx.load(ID)
    assert instance is not None
    instance.status = InstanceStatus.SUSPENDED
    await tx.save(instance)


async def _claim(tx: Transaction, task_id: int) -> None:
    assert await claim(tx, task_id, "w", T0, T0 + timedelta(seconds=10)) is not None


WRITES: dict[str, Callable[[Transaction, int], Awaitable[None]]] = {
    "record": _record,
    "record_progress": _progress,
    "set_property": _property,
    "set_result": _result,
    "save": _save,
    "claim": _claim,
}


@pytest.mark.parametrize("write", list(WRITES))
async def test_every_kind_of_write_drops_the_answer_when_it_commits(store: Store, write: str) -> None:
    task_id = await new_instance(store)
    manager, reads = InstanceManager(store, Settings()), Reads()
    before = await manager.answer("p", ID, reads)
    async with store.transaction() as tx:
        await WRITES[write](tx, task_id)
        assert await manager.answer("p", ID, reads) == before  # not committed yet
    after = await manager.answer("p", ID, reads)
    assert after == await fresh(store) != before
    assert reads.count == 2  # the one inside the transaction was a hit: nothing was committed then


async def test_a_lease_taken_and_retention_drop_the_answer(store: Store) -> None:
    task_id = await new_instance(store)
    manager, reads = InstanceManager(store, Settings()), Reads()
    async with store.transaction() as tx:
        await claim(tx, task_id, "w", T0, T0 + timedelta(seconds=10))
    await manager.answer("p", ID, reads)
    (lease,) = await leases.expired(store, T0 + timedelta(seconds=11))
    async with store.transaction() as tx:
        assert await leases.take(tx, lease, T0 + timedelta(seconds=11))
    await manager.answer("p", ID, reads)
    assert reads.count == 2

    async with store.transaction() as tx:
        instance = await tx.load(ID)
        assert instance is not None
        instance.status, instance.end_time = InstanceStatus.TERMINATED, T0
        await tx.save(instance)
    await manager.answer("p", ID, reads)  # cached, terminated
    assert await expiry.expire_batch(store, T0 + timedelta(days=1), 10, T0 + timedelta(days=1)) == 1
    with pytest.raises(NotFound):  # expired, not the answer kept from before
        await manager.answer("p", ID, reads)


async def test_a_read_that_began_before_a_commit_keeps_nothing(store: Store) -> None:
    task_id = await new_instance(store)
    manager, reads = InstanceManager(store, Settings()), Reads()
    read, release = asyncio.Event(), asyncio.Event()
    real_get = store.get_instance

    async def slow_get(instance_id: str) -> Instance | None:
        found = await real_get(instance_id)  # the state before the commit below
        read.set()
        await release.wait()
        return found

    store.get_instance = slow_get  # type: ignore[method-assign]
    racing = asyncio.create_task(manager.answer("p", ID, reads))
    await read.wait()
    store.get_instance = real_get  # type: ignore[method-assign]
    async with store.transaction() as tx:
        await _property(tx, task_id)
    release.set()
    old = await racing  # it answers what it read...
    new = await manager.answer("p", ID, reads)  # ...but kept nothing: this one reads again
    assert reads.count == 2
    assert new == await fresh(store) != old
    assert await manager.answer("p", ID, reads) == new and reads.count == 2  # and this answer is kept


async def test_a_transaction_that_fails_drops_the_answers_it_touched(store: Store) -> None:
    task_id = await new_instance(store)
    manager, reads = InstanceManager(store, Settings()), Reads()
    before = await manager.answer("p", ID, reads)
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await _property(tx, task_id)
            raise RuntimeError("rolled back")
    assert await manager.answer("p", ID, reads) == before  # nothing changed, but it was read again
    assert reads.count == 2


def test_tickets_taken_before_an_invalidation_or_during_a_commit_keep_nothing() -> None:
    cache = AnswerCache(capacity=10)
    early = cache.ticket("a")
    cache.invalidate({"a"})
    cache.put(early, Answer("p", b"old"))
    assert cache.get("a") is None

    cache.put(cache.ticket("a"), Answer("p", b"v1"))
    assert cache.get("a") == Answer("p", b"v1")
    before_commit = cache.ticket("a")
    cache.committing({"a"})
    assert cache.get("a") is None  # not served while the commit is under way
    during_commit = cache.ticket("a")
    cache.put(during_commit, Answer("p", b"either"))
    cache.put(before_commit, Answer("p", b"old"))
    assert cache.get("a") is None
    cache.committed({"a"})
    cache.put(cache.ticket("a"), Answer("p", b"v2"))
    assert cache.get("a") == Answer("p", b"v2")
    assert not cache._reading and not cache._committing  # nothing left behind


def test_overlapping_commits_of_one_instance_hold_it_until_the_last_ends() -> None:
    cache = AnswerCache(capacity=10)
    cache.committing({"a"})
    cache.committing({"a", "b"})
    cache.committed({"a", "b"})
    cache.put(cache.ticket("a"), Answer("p", b"x"))
    cache.put(cache.ticket("b"), Answer("p", b"y"))
    assert cache.get("a") is None and cache.get("b") == Answer("p", b"y")
    cache.committed({"a"})
    cache.put(cache.ticket("a"), Answer("p", b"x"))
    assert cache.get("a") == Answer("p", b"x")


def test_the_least_recently_used_answers_go_first() -> None:
    cache = AnswerCache(capacity=2)
    for key in "abc":
        cache.put(cache.ticket(key), Answer("p", key.encode()))
    assert cache.get("a") is None and len(cache) == 2
    assert cache.get("b") is not None
    cache.put(cache.ticket("d"), Answer("p", b"d"))
    assert cache.get("c") is None and cache.get("b") is not None
    discarded = cache.ticket("e")
    cache.discard(discarded)
    assert not cache._reading


def test_the_cache_is_bounded_in_bytes_too() -> None:
    cache = AnswerCache(capacity=100, max_bytes=1600)
    cache.put(cache.ticket("huge"), Answer("p", bytes(101)))  # over a sixteenth: never kept
    assert cache.get("huge") is None and cache.bytes == 0
    for key in "abcdefghijklmnopqrstuvwxyz":
        cache.put(cache.ticket(key), Answer("p", bytes(100)))
    assert cache.bytes == 1600 and len(cache) == 16 and cache.get("j") is None and cache.get("k") is not None
    cache.put(cache.ticket("k"), Answer("p", bytes(50)))  # replaced, not counted twice
    cache.invalidate({"z"})
    assert cache.bytes == 1600 - 50 - 100 and len(cache) == 15


def test_no_cache_when_replicas_share_the_database() -> None:
    assert Store("postgresql+psycopg://u@127.0.0.1:1/db").answers is None
