"""A waiting create waits on its instance from before the commit, so the create's own state stands for the
wait's first read; what ends the instance meanwhile is still seen."""

from __future__ import annotations

import asyncio

import pytest

from taskstream._status import CancellationReason, InstanceStatus
from taskstreamd.domain.model import Instance
from taskstreamd.scheduler.service import InstanceManager, NewInstance, Settings
from taskstreamd.store.repository import NewTask, Store


def _new_instance() -> NewInstance:
    return NewInstance(project="p", owner="o", tasks=[NewTask("t", "noop", "{}", b"", b"", None)])


def _count_reads(store: Store) -> list[str]:
    reads: list[str] = []
    read = store.get_instance

    async def counted(instance_id: str) -> Instance | None:
        reads.append(instance_id)
        return await read(instance_id)

    store.get_instance = counted  # type: ignore[method-assign]
    return reads


async def _stop(manager: InstanceManager, instance: Instance) -> None:
    await manager.stop(
        "p",
        instance.id,
        reason=CancellationReason.DIRECT,
        message="enough",
        requested_by="o",
        grace_period=None,
    )


async def test_a_waiting_create_reads_its_instance_once_when_it_ends(store: Store) -> None:
    manager = InstanceManager(store, Settings())  # no worker: the task waits until stopped
    with manager.waits.watch() as watch:
        created = await manager.create(_new_instance(), watch=watch)
        reads = _count_reads(store)
        waiting = asyncio.create_task(manager.wait("p", created.id, 30, watch=watch, known=created))
        await asyncio.sleep(0)  # one turn: the wait takes the created state as read and sleeps
        assert not waiting.done() and reads == []
        await _stop(manager, created)
        reads.clear()  # the stop's own reads; the woken wait has not run yet
        instance, terminated = await asyncio.wait_for(waiting, 10)
    assert terminated and instance.status == InstanceStatus.TERMINATED
    assert reads == [created.id]


async def test_an_end_before_the_wait_began_is_not_missed(store: Store) -> None:
    manager = InstanceManager(store, Settings())
    with manager.waits.watch() as watch:
        created = await manager.create(_new_instance(), watch=watch)
        await _stop(manager, created)  # the created state is now stale
        instance, terminated = await asyncio.wait_for(
            manager.wait("p", created.id, 30, watch=watch, known=created), 10
        )
    assert terminated and instance.status == InstanceStatus.TERMINATED


async def test_a_wait_that_runs_out_answers_with_the_instance_as_it_is_now(store: Store) -> None:
    manager = InstanceManager(store, Settings())
    with manager.waits.watch() as watch:
        created = await manager.create(_new_instance(), watch=watch)
        reads = _count_reads(store)
        instance, terminated = await manager.wait("p", created.id, 0, watch=watch, known=created)
    assert not terminated and instance is not created and reads == [created.id]
    assert instance.seq == created.seq and instance.status == InstanceStatus.RUNNING


async def test_a_state_from_before_the_watch_is_read_again(store: Store) -> None:
    manager = InstanceManager(store, Settings())
    created = await manager.create(_new_instance())  # not waited on before its commit
    await _stop(manager, created)
    with manager.waits.watch() as watch:
        _, terminated = await asyncio.wait_for(
            manager.wait("p", created.id, 30, watch=watch, known=created), 10
        )
    assert terminated


@pytest.mark.parametrize("waits", [1, 2])
async def test_a_watch_ends_its_registrations(store: Store, waits: int) -> None:
    manager = InstanceManager(store, Settings())
    created = await manager.create(_new_instance())
    for _ in range(waits):
        await manager.wait("p", created.id, 0)
    assert manager.waits._woken == {}
