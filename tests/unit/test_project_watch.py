"""The project watch (WatchInstances) as a use case of the core on the in-memory store: a snapshot of the
project's instances, then their instance-level changes in the project's order, resumable by one seq."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from taskstream.v1 import project_event_pb2, task_pb2
from taskstreamd.core import project_watch
from taskstreamd.core.core import Core, CoreSettings
from taskstreamd.core.project_watch import Beat, End, ProjectWatchRequest, SnapshotPage
from taskstreamd.core.sessions import WorkerSession
from taskstreamd.domain.model import Instance, NewInstance, NewTask
from taskstreamd.domain.project_events import InstanceFilter, ProjectEvent
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.domain.worker_messages import Assignment, Finished, ProgressReported, Registration, Started
from taskstreamd.store.memory import MemoryStore
from taskstreamd.wire.event_codec import ProtoEventCodec
from taskstreamd.wire.project_watch_messages import event_bytes

CODEC = ProtoEventCodec()
Item = tuple[Any, int]


@pytest.fixture
async def core() -> AsyncIterator[Core]:
    c = Core(MemoryStore(CODEC), CODEC, CoreSettings(lease_seconds=30))
    await c.start()
    try:
        yield c
    finally:
        await c.close()


def worker(core: Core, types: tuple[str, ...] = ("noop", "other")) -> WorkerSession:
    session = core.new_session(Registration("w", 4, {t: "" for t in types}, gives_back=True), None)
    core.intake.connect(session)
    return session


async def assignments(session: WorkerSession) -> list[Assignment]:
    await asyncio.sleep(0)
    if not len(session.outbox):
        return []
    return [c for c in await session.outbox.take(1000) if isinstance(c, Assignment)]


async def create(core: Core, task_type: str = "noop", **options: Any) -> Instance:
    new = NewInstance("p", options.pop("owner", "me"), [NewTask("t", task_type, "{}")], **options)
    return (await core.instances.create(new, lambda i: b"")).instance


async def finish(core: Core, session: WorkerSession, status: TaskStatus = TaskStatus.SUCCESS) -> None:
    for assignment in await assignments(session):
        await core.intake.receive(session, [Started(assignment.assignment_id)])
        await core.intake.receive(session, [Finished(assignment.assignment_id, status, started=True)])
    await core.store.writer.soon()


def watch(core: Core, *, after: int = 0, beat: float = 60.0, **where: Any) -> AsyncGenerator[Item, None]:
    request = ProjectWatchRequest("p", InstanceFilter(**where), after, 1000, beat)
    return project_watch.watch_project(core.store.reader, core.projects, CODEC, request)


async def take(stream: AsyncGenerator[Item, None], count: int) -> list[Item]:
    return [await asyncio.wait_for(anext(stream), 5) for _ in range(count)]


def change(item: Item) -> tuple[str, str]:
    """(instance id, what happened) of an event item, as its message says."""
    entry = item[0]
    assert isinstance(entry, ProjectEvent)
    message = project_event_pb2.ProjectInstanceEvent.FromString(event_bytes(entry))
    assert message.seq == entry.seq == item[1]
    kind = message.WhichOneof("change")
    if kind == "instance_status_changed":
        status = InstanceStatus.from_proto(message.instance_status_changed.status).name
        return message.instance.instance.id, f"{status}{'+' if message.instance.instance.successful else ''}"
    return message.instance.instance.id, kind or ""


async def test_a_snapshot_then_every_instance_level_change_in_order(core: Core) -> None:
    session = worker(core)
    before = await create(core)
    await finish(core, session)
    stream = watch(core)
    (page, seq), *_ = await take(stream, 1)
    assert isinstance(page, SnapshotPage) and page.last and not page.truncated
    assert [s.instance.id for s in page.instances] == [before.id] and page.seq == seq == 2
    assert page.instances[0].task_types == ["noop"] and page.instances[0].task_count == 1
    held = await create(core, hold=True)
    await core.instances.resume("p", held.id, lambda i: b"")
    await finish(core, session, TaskStatus.FAILED)
    items = await take(stream, 3)
    assert [change(i) for i in items] == [
        (held.id, "instance_created"),
        (held.id, "RUNNING"),
        (held.id, "TERMINATED"),
    ]
    assert [i[1] for i in items] == [3, 4, 5]
    await stream.aclose()


async def test_a_resumed_watch_gets_exactly_what_it_missed(core: Core) -> None:
    session = worker(core)
    first = await create(core)
    await finish(core, session)
    second = await create(core)
    await finish(core, session)
    stream = watch(core, after=2)  # saw the first instance's creation and end
    items = await take(stream, 2)
    assert [change(i) for i in items] == [(second.id, "instance_created"), (second.id, "TERMINATED+")]
    assert first.id not in {change(i)[0] for i in items}
    await stream.aclose()
    again = watch(core, after=items[0][1])
    assert [change(i) for i in await take(again, 1)] == [(second.id, "TERMINATED+")]
    await again.aclose()


async def test_filters_pick_instances_and_skipped_changes_move_the_cursor_on(core: Core) -> None:
    session = worker(core)
    stream = watch(core, beat=0.1, owner="alice", labels={"team": "a"}, task_types=frozenset({"other"}))
    (page, seq), *_ = await take(stream, 1)
    assert page.instances == [] and seq == 0
    await create(core, owner="bob", labels={"team": "a"}, task_type="other")
    await create(core, owner="alice", labels={"team": "b"}, task_type="other")
    await create(core, owner="alice", labels={"team": "a"}, task_type="noop")
    wanted = await create(core, owner="alice", labels={"team": "a", "x": "y"}, task_type="other")
    await finish(core, session)
    items = await take(stream, 2)
    assert [change(i) for i in items] == [(wanted.id, "instance_created"), (wanted.id, "TERMINATED+")]
    beat, cursor = (await take(stream, 1))[0]
    assert isinstance(beat, Beat) and beat.seq == cursor == 8  # past the others' ends too
    await stream.aclose()


async def test_a_status_filter_shows_an_instance_leave_it(core: Core) -> None:
    session = worker(core)
    running = await create(core)
    stream = watch(core, statuses=frozenset({InstanceStatus.RUNNING}))
    (page, _), *_ = await take(stream, 1)
    assert [s.instance.id for s in page.instances] == [running.id]
    await finish(core, session)
    assert [change(i) for i in await take(stream, 1)] == [(running.id, "TERMINATED+")]
    await stream.aclose()


async def test_changes_already_in_the_snapshot_are_not_sent_again(core: Core) -> None:
    """A snapshot read from a store that is not one database snapshot shows changes after its head."""
    session = worker(core)
    instance = await create(core)
    await finish(core, session)
    reader = core.store.reader
    real = reader.project_snapshot

    async def read_late(where: Any, limit: int) -> Any:
        snapshot = await real(where, limit)
        return type(snapshot)(type(snapshot.head)(0, 0), snapshot.instances, snapshot.truncated, 2)

    reader.project_snapshot = read_late  # type: ignore[method-assign]
    stream = watch(core, beat=0.1)
    (page, seq), *_ = await take(stream, 1)
    assert seq == 0 and [s.instance.id for s in page.instances] == [instance.id]
    later = await create(core)
    (item,) = await take(stream, 1)  # the instance's creation and end (seqs 1 and 2) were in the snapshot
    assert change(item) == (later.id, "instance_created") and item[1] == 3
    await stream.aclose()


async def test_retention_deletes_leave_a_deletion_and_an_old_cursor_starts_again(core: Core) -> None:
    session = worker(core)
    old = await create(core)
    await finish(core, session)
    stream = watch(core, after=1)
    assert [change(i) for i in await take(stream, 1)] == [(old.id, "TERMINATED+")]
    now = datetime.now(UTC) + timedelta(days=2)
    assert await core.store.expire(now - timedelta(days=1), 10, now) == [old.id]
    core.projects.resync()
    (deleted,) = await take(stream, 1)
    assert change(deleted) == (old.id, "instance_deleted") and deleted[1] == 3
    await stream.aclose()
    log = await core.store.reader.project_log("p")
    assert log.trimmed_seq == 2  # the creation and end went with the instance
    resumed = watch(core, after=1)
    (page, seq), *_ = await take(resumed, 1)
    assert isinstance(page, SnapshotPage) and page.instances == [] and seq == 3
    await resumed.aclose()


async def test_a_draining_server_ends_the_watch_with_its_cursor(core: Core) -> None:
    await create(core)
    stream = watch(core)
    await take(stream, 1)
    core.drain()
    (end, cursor), *_ = await take(stream, 1)
    assert isinstance(end, End) and end.reason == "draining" and cursor == 1


async def test_stages_keep_the_times_the_server_first_saw_them_start_and_end(core: Core) -> None:
    session = worker(core)
    instance = await create(core)
    (assignment,) = await assignments(session)
    await core.intake.receive(session, [Started(assignment.assignment_id)])
    held = core.book.get(instance.id)
    assert held is not None and held.tasks[0].start_time is not None
    started = held.tasks[0].start_time
    now = [started]
    core.book.clock = lambda: now[0]

    def report(*stages: tuple[str, int, int, int]) -> ProgressReported:
        progress = task_pb2.Progress(
            stages=[
                task_pb2.StageProgress(
                    name=n, running_workers=r, terminated_workers=t, total_workers=2, finished_percentage=p
                )
                for n, r, t, p in stages
            ]
        )
        return ProgressReported(assignment.assignment_id, progress.SerializeToString())

    def stamped() -> list[tuple[int | None, int | None]]:
        assert held.tasks[0].progress is not None
        stages = task_pb2.Progress.FromString(held.tasks[0].progress).stages

        def seconds(stamp: Any) -> int:
            return round((stamp.ToDatetime(tzinfo=UTC) - started).total_seconds())

        return [
            (
                seconds(s.start_time) if s.HasField("start_time") else None,
                seconds(s.end_time) if s.HasField("end_time") else None,
            )
            for s in stages
        ]

    async def at(second: int, progress: ProgressReported) -> None:
        now[0] = started + timedelta(seconds=second)
        await core.intake.receive(session, [progress])

    await at(1, report(("M1", 1, 0, 10), ("R2", 0, 0, 0)))
    assert stamped() == [(1, None), (None, None)]
    await at(2, report(("M1", 0, 2, 100), ("R2", 1, 0, 5)))
    assert stamped() == [(1, 2), (2, None)]
    await at(3, report(("M1", 0, 2, 100), ("R2", 0, 2, 100)))
    assert stamped() == [(1, 2), (2, 3)]
    # A new attempt (a later start) stamps its stages afresh.
    held.tasks[0].start_time = started + timedelta(seconds=4)
    await at(5, report(("M1", 1, 0, 50), ("R2", 0, 0, 0)))
    assert stamped() == [(5, None), (None, None)]
    await core.instances.stop(
        "p", instance.id, lambda i: b"", reason=CancellationReason.DIRECT, message="", requested_by="me",
        grace_period=1.0,
    )  # fmt: skip
