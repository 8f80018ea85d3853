"""Task info and queueing info in the core, on the in-memory store: puts go through the book and are
durable before they are answered, a restarted core loads them, reads work on any instance, and queue
positions skip stale entries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from taskstreamd.core import queueing, task_info
from taskstreamd.core.core import Core, CoreSettings
from taskstreamd.core.queue import QueuedTask, RunQueue
from taskstreamd.domain.model import NewInstance, NewTask
from taskstreamd.domain.vocabulary import CancellationReason, TaskStatus
from taskstreamd.errors import Elsewhere, FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted
from taskstreamd.store.memory import MemoryStore, Tables
from taskstreamd.wire.event_codec import ProtoEventCodec


async def started_core(tables: Tables) -> Core:
    codec = ProtoEventCodec()
    core = Core(MemoryStore(codec, tables), codec, CoreSettings(lease_seconds=30))
    await core.start()
    return core


@pytest.fixture
async def tables() -> Tables:
    return Tables()


@pytest.fixture
async def core(tables: Tables) -> AsyncIterator[Core]:
    c = await started_core(tables)
    try:
        yield c
    finally:
        await c.close()


def held(tasks: int = 1) -> NewInstance:
    return NewInstance("p", "me", [NewTask(f"t{i}", "noop", "{}") for i in range(tasks)], hold=True)


async def create(core: Core, new: NewInstance) -> str:
    return (await core.instances.create(new, lambda i: b"")).instance.id


async def test_a_put_is_stored_before_it_is_answered_and_a_restarted_core_has_it(tables: Tables) -> None:
    core = await started_core(tables)
    try:
        instance_id = await create(core, held())
        await task_info.put(core.instances, "p", instance_id, "t0", "stage", "one")
        assert tables.info[(core.book.get(instance_id).tasks[0].id, "stage")] == b"one"  # type: ignore[union-attr]
        commits = tables.commits
        await task_info.put(core.instances, "p", instance_id, "t0", "stage", "one")
        assert tables.commits == commits  # the same value again writes nothing
        assert await task_info.get(core.instances, "p", instance_id, "t0", []) == {"stage": "one"}
    finally:
        await core.close()
    again = await started_core(tables)
    try:
        assert await task_info.get(again.instances, "p", instance_id, "t0", ["stage"]) == {"stage": "one"}
        for i in range(task_info.MAX_KEYS_PER_TASK - 1):  # the loaded key counts towards the limit
            await task_info.put(again.instances, "p", instance_id, "t0", f"k{i}", "v")
        with pytest.raises(ResourceExhausted) as full:
            await task_info.put(again.instances, "p", instance_id, "t0", "one-more", "v")
        assert full.value.reason == "TASK_INFO_KEYS"
        await task_info.put(again.instances, "p", instance_id, "t0", "stage", "two")  # a key it has
        found = await task_info.get(again.instances, "p", instance_id, "t0", ["stage", "k0", "absent"])
        assert found == {"stage": "two", "k0": "v"}
    finally:
        await again.close()


async def test_unknown_tasks_and_instances_are_not_found(core: Core) -> None:
    instance_id = await create(core, held())
    for call in (
        task_info.put(core.instances, "p", instance_id, "nope", "k", "v"),
        task_info.get(core.instances, "p", instance_id, "nope", []),
        task_info.put(core.instances, "p", "20991231235959999zzzzzzzz", "t0", "k", "v"),
        task_info.get(core.instances, "p", "20991231235959999zzzzzzzz", "t0", []),
        task_info.get(core.instances, "other-project", instance_id, "t0", []),
    ):
        with pytest.raises(NotFound):
            await call


async def test_an_ended_task_takes_no_more_and_its_info_is_read_from_the_store(core: Core) -> None:
    instance_id = await create(core, held(2))
    await task_info.put(core.instances, "p", instance_id, "t0", "k", "v")
    await core.instances.cancel_task(
        "p", instance_id, "t0", lambda i: b"", reason=CancellationReason.DIRECT, message="",
        requested_by="me", grace_period=None,
    )  # fmt: skip
    with pytest.raises(FailedPrecondition) as ended:
        await task_info.put(core.instances, "p", instance_id, "t0", "k", "w")
    assert ended.value.reason == "TASK_TERMINATED"
    await task_info.put(core.instances, "p", instance_id, "t1", "k", "w")  # its sibling still runs
    await core.instances.stop(
        "p", instance_id, lambda i: b"", reason=CancellationReason.DIRECT, message="", requested_by="me",
        grace_period=None,
    )  # fmt: skip
    assert core.book.get(instance_id) is None  # left memory
    assert await task_info.get(core.instances, "p", instance_id, "t0", []) == {"k": "v"}
    assert await task_info.get(core.instances, "p", instance_id, "t1", []) == {"k": "w"}


async def test_a_put_on_an_instance_another_replica_holds_is_for_that_replica(core: Core) -> None:
    instance_id = await create(core, held())
    await task_info.put(core.instances, "p", instance_id, "t0", "k", "v")
    core.book.forget(instance_id)  # as if another replica owned it
    with pytest.raises(Elsewhere):
        await task_info.put(core.instances, "p", instance_id, "t0", "k", "w")
    with pytest.raises(Elsewhere):
        await queueing.queueing_info(core.instances, "p", instance_id, 10, "")
    assert await task_info.get(core.instances, "p", instance_id, "t0", []) == {"k": "v"}  # the store's


def queued(priority: int, instance_id: str, index: int, task_id: int) -> QueuedTask:
    return QueuedTask(priority, instance_id, index, task_id, "noop")


def test_queue_positions_follow_queue_order_and_skip_stale_entries() -> None:
    queue = RunQueue()
    for entry in (
        queued(9, "b", 0, 10),
        queued(9, "a", 1, 2),
        queued(0, "z", 0, 30),  # a smaller priority goes first
        queued(9, "a", 0, 1),
        queued(9, "b", 1, 11),
    ):
        queue.push(entry)
    live = {10, 2, 30, 1, 11}
    assert queue.positions({10, 1, 11}, live.__contains__) == ({1: 2, 10: 4, 11: 5}, 5)
    live -= {2, 30}  # cancelled or suspended while queued: their entries stay in the heap
    assert queue.positions({10, 1, 11, 30}, live.__contains__) == ({1: 1, 10: 2, 11: 3}, 3)
    assert queue.positions(set(), live.__contains__) == ({}, 3)
    assert len(queue) == 5  # reading changed nothing


async def test_queueing_info_pages_through_the_tasks_not_started(core: Core) -> None:
    instance_id = await create(core, held(3))
    first = await queueing.queueing_info(core.instances, "p", instance_id, 2, "")
    assert [t.task.name for t in first.tasks] == ["t0", "t1"] and first.next_page_token
    assert all(t.task.status == TaskStatus.SUSPENDED and t.position == 0 for t in first.tasks)
    rest = await queueing.queueing_info(core.instances, "p", instance_id, 2, first.next_page_token)
    assert [t.task.name for t in rest.tasks] == ["t2"] and rest.next_page_token == ""
    for token in ("not-a-token", "eyJhZnRlciI6ICItMSJ9", "eyJhZnRlciI6ICIxMjM0NTY3ODkwMTIzIn0="):
        with pytest.raises(InvalidArgument):  # garbage, {"after": "-1"}, an index far too long
            await queueing.queueing_info(core.instances, "p", instance_id, 2, token)


async def test_a_task_and_an_instance_hold_a_bounded_amount_of_info(tables: Tables) -> None:
    big = "x" * task_info.MAX_VALUE_BYTES
    core = await started_core(tables)
    try:
        instance_id = await create(core, held(20))
        per_task = task_info.MAX_TASK_BYTES // (len(big) + 3)  # values that fit one task (keys "kNN")
        for i in range(per_task):
            await task_info.put(core.instances, "p", instance_id, "t0", f"k{i:02}", big)
        with pytest.raises(ResourceExhausted) as task_full:
            await task_info.put(core.instances, "p", instance_id, "t0", "one-more", big)
        assert task_full.value.reason == "TASK_INFO_BYTES"
        await task_info.put(core.instances, "p", instance_id, "t0", "k00", "small")  # shrinking is fine
        await task_info.put(core.instances, "p", instance_id, "t0", "one-more", big)  # and makes room
    finally:
        await core.close()
    again = await started_core(tables)  # the loaded info counts towards the instance's total
    try:
        reached = None
        for t in range(1, 20):
            for i in range(per_task):
                try:
                    await task_info.put(again.instances, "p", instance_id, f"t{t}", f"k{i:02}", big)
                except ResourceExhausted as full:
                    reached = (t, full.reason, full.metadata)
                    break
            if reached:
                break
        assert reached is not None
        assert reached[1:] == ("INSTANCE_INFO_BYTES", {"limit": str(task_info.MAX_INSTANCE_BYTES)})
        stored = sum(len(k) + len(v) for (_, k), v in tables.info.items())
        assert task_info.MAX_INSTANCE_BYTES - len(big) < stored <= task_info.MAX_INSTANCE_BYTES
    finally:
        await again.close()
