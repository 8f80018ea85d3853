"""The core's use cases on the in-memory store: no gRPC, no database, workers played by the test.

A worker here is a WorkerSession the test connects through the intake; it reads the commands in its
outbox and reports back through ``Intake.receive``, as the WorkerService servicer does for a real one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from taskstream.v1 import task_pb2
from taskstreamd.core.core import Core, CoreSettings
from taskstreamd.core.sessions import WorkerSession
from taskstreamd.domain.events import EventKind
from taskstreamd.domain.model import Instance, NewInstance, NewTask
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.domain.worker_messages import (
    Assignment,
    Cancel,
    Drop,
    Finished,
    ProgressReported,
    Registration,
    Started,
)
from taskstreamd.errors import FailedPrecondition
from taskstreamd.store.memory import MemoryStore, Tables
from taskstreamd.wire.event_codec import ProtoEventCodec


def status_of(instance: Instance) -> tuple[InstanceStatus, list[TaskStatus]]:
    return instance.status, [t.status for t in instance.tasks]


@pytest.fixture
async def core() -> AsyncIterator[Core]:
    c = Core(MemoryStore(ProtoEventCodec()), ProtoEventCodec(), CoreSettings(lease_seconds=30))
    await c.start()
    try:
        yield c
    finally:
        await c.close()


def worker(core: Core, slots: int = 1, types: tuple[str, ...] = ("noop",)) -> WorkerSession:
    session = core.new_session(Registration("w", slots, {t: "" for t in types}, gives_back=True), None)
    core.intake.connect(session)
    return session


async def commands(session: WorkerSession) -> list[object]:
    """What the worker has been told so far (after the dispatch of this turn)."""
    await asyncio.sleep(0)  # dispatch runs at the end of the turn that queued the task
    if not len(session.outbox):
        return []
    return [c for c in await session.outbox.take(1000) if c is not None]


def noop_instance(tasks: int = 1, **options: object) -> NewInstance:
    return NewInstance("p", "me", [NewTask(f"t{i}", "noop", "{}") for i in range(tasks)], **options)  # type: ignore[arg-type]


async def create(core: Core, new: NewInstance) -> Instance:
    return (await core.instances.create(new, lambda i: b"answer")).instance


async def test_a_task_runs_on_a_worker_and_its_end_terminates_the_instance(core: Core) -> None:
    session = worker(core)
    instance = await create(core, noop_instance())
    (assignment,) = await commands(session)
    assert isinstance(assignment, Assignment) and assignment.attempt == 1
    with core.waits.watch() as watching:
        watching.add(instance.id)
        await core.intake.receive(
            session, [Finished(assignment.assignment_id, TaskStatus.SUCCESS, started=True)]
        )
        await asyncio.wait_for(watching.woken.wait(), 5)  # woken by the commit, not before
    stored = await core.store.reader.instance(instance.id)
    assert stored is not None and status_of(stored) == (InstanceStatus.TERMINATED, [TaskStatus.SUCCESS])
    assert stored.successful and stored.tasks[0].start_time is not None
    assert core.book.get(instance.id) is None  # ended and committed: it left memory


async def test_nothing_is_answered_before_the_commit_that_holds_it(core: Core) -> None:
    store = core.store
    assert isinstance(store, MemoryStore)
    store.backend.gate.clear()  # commits wait here
    creating = asyncio.ensure_future(create(core, noop_instance()))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not creating.done() and not store.tables.instances
    store.backend.gate.set()
    instance = await asyncio.wait_for(creating, 5)
    assert instance.id in store.tables.instances


async def test_a_failed_commit_is_retried_and_the_store_is_reported_unwritable_meanwhile(core: Core) -> None:
    store = core.store
    assert isinstance(store, MemoryStore)
    health: list[bool] = []
    core.health_changed.append(health.append)
    store.backend.fail_next = [OSError(28, "No space left on device")]
    instance = await create(core, noop_instance())
    assert instance.id in store.tables.instances  # retried until it went in
    assert health == [False, True] and store.writer.healthy


async def test_stopping_a_running_task_asks_its_worker_and_ends_it_cancelled(core: Core) -> None:
    session = worker(core)
    instance = await create(core, noop_instance())
    (assignment,) = await commands(session)
    await core.intake.receive(session, [Started(assignment.assignment_id)])
    answer = await core.instances.stop(
        "p", instance.id, lambda i: repr(status_of(i)).encode(), reason=CancellationReason.DIRECT,
        message="enough", requested_by="me", grace_period=1.0,
    )  # fmt: skip
    assert b"CANCELLING" in answer
    (cancel,) = await commands(session)
    assert isinstance(cancel, Cancel) and cancel.cancellation.message == "enough"
    await core.intake.receive(session, [Finished(assignment.assignment_id, TaskStatus.CANCELLED)])
    await core.store.writer.soon()
    stored = await core.store.reader.instance(instance.id)
    assert stored is not None and status_of(stored) == (InstanceStatus.TERMINATED, [TaskStatus.CANCELLED])
    with pytest.raises(FailedPrecondition):
        await core.instances.stop(
            "p", instance.id, lambda i: b"", reason=CancellationReason.DIRECT, message="", requested_by="me",
            grace_period=None,
        )  # fmt: skip


async def test_a_lost_worker_s_task_is_retried_elsewhere_and_its_late_report_dropped(core: Core) -> None:
    first = worker(core)
    instance = await create(core, noop_instance())
    (assignment,) = await commands(first)
    second = worker(core)
    core.intake.disconnect(first)
    (retry,) = await commands(second)
    assert isinstance(retry, Assignment) and retry.attempt == 2
    held = core.book.get(instance.id)
    assert held is not None and held.tasks[0].interruptions == 1
    # The first worker's end comes late, on a session that no longer counts: refused.
    await core.intake.receive(first, [Finished(assignment.assignment_id, TaskStatus.SUCCESS)])
    assert isinstance((await commands(first))[-1], Drop)
    await core.intake.receive(second, [Finished(retry.assignment_id, TaskStatus.SUCCESS, started=True)])
    await core.store.writer.soon()
    stored = await core.store.reader.instance(instance.id)
    assert stored is not None and stored.tasks[0].attempts == 2 and stored.successful


async def test_a_silent_worker_loses_its_tasks_when_its_lease_runs_out(core: Core) -> None:
    session = worker(core)
    await create(core, noop_instance())
    (assignment,) = await commands(session)
    session.alive_until = 0.0  # no heartbeat for longer than a lease
    assert core.reaper.reap() == 1
    told = await commands(session)
    assert any(isinstance(c, Drop) and c.assignment_id == assignment.assignment_id for c in told)


async def test_a_restart_takes_over_active_instances_and_retries_what_workers_held() -> None:
    tables = Tables()
    first = Core(MemoryStore(ProtoEventCodec(), tables), ProtoEventCodec(), CoreSettings())
    await first.start()
    session = worker(first)
    running = await create(first, noop_instance())
    await commands(session)
    held = await create(first, noop_instance(hold=True))
    await first.close()  # the server stops; its worker's session is gone with it

    second = Core(MemoryStore(ProtoEventCodec(), tables), ProtoEventCodec(), CoreSettings())
    await second.start()
    try:
        again = second.book.get(running.id)
        assert again is not None and again.tasks[0].status == TaskStatus.INTERRUPTED
        assert "restarted" in again.tasks[0].interruption_reason
        kept = second.book.get(held.id)
        assert kept is not None and status_of(kept) == (InstanceStatus.SUSPENDED, [TaskStatus.SUSPENDED])
        fresh = worker(second)
        (retry,) = await commands(fresh)
        assert isinstance(retry, Assignment) and retry.instance_id == running.id and retry.attempt == 2
    finally:
        await second.close()


async def test_one_instance_of_many_tasks_ends_once_every_task_did(core: Core) -> None:
    session = worker(core, slots=4)
    instance = await create(core, noop_instance(tasks=50))
    done = 0
    while done < 50:
        sent = [c for c in await commands(session) if isinstance(c, Assignment)]
        assert sent, "the worker is kept busy while tasks are queued"
        await core.intake.receive(
            session, [Finished(a.assignment_id, TaskStatus.SUCCESS, started=True) for a in sent]
        )
        done += len(sent)
    await core.store.writer.soon()
    stored = await core.store.reader.instance(instance.id)
    assert stored is not None and stored.status == InstanceStatus.TERMINATED and stored.successful
    assert {t.attempts for t in stored.tasks} == {1}


async def test_progress_superseded_within_one_commit_leaves_the_watchers_ring_whole(core: Core) -> None:
    """A task reporting progress faster than commits go: the older reports of one commit are never
    written, and the ring still serves every cursor from before them (a gap would send every watcher to
    the store, which is what made 1,000 watchers collapse)."""
    store = core.store
    assert isinstance(store, MemoryStore)
    session = worker(core)
    instance = await create(core, noop_instance())
    (assignment,) = await commands(session)
    await core.intake.receive(session, [Started(assignment.assignment_id)])
    cursor = instance.seq
    with core.hub.subscribe(instance.id) as channel:
        channel.complete_after(cursor)
        await core.book.settle(instance)
        store.backend.gate.clear()  # the next reports share one commit
        reports = [
            ProgressReported(assignment.assignment_id, task_pb2.Progress(stages=[
                task_pb2.StageProgress(name="s", total_workers=4, terminated_workers=n)
            ]).SerializeToString())
            for n in (1, 2, 3)
        ]  # fmt: skip
        await core.intake.receive(session, reports)
        await core.intake.receive(session, [Finished(assignment.assignment_id, TaskStatus.SUCCESS)])
        store.backend.gate.set()
        with core.waits.watch() as watching:
            watching.add(instance.id)
            await asyncio.wait_for(watching.woken.wait(), 5)
        sent = channel.coalesced_after(cursor)
        assert sent is not None, "the ring was cleared: watchers would read the store"
    kinds = [e.kind for e in sent]
    assert kinds.count(EventKind.PROGRESS) == 1 and sent[-1].terminal
    stored = [seq for (iid, seq) in store.tables.events if iid == instance.id]
    assert [e.seq for e in sent] == [s for s in stored if s > cursor]  # exactly what the store holds
