"""Schedules in the core on the in-memory store: firing on a clock the test moves, the cursor committed
with each instance, restarts that catch up without firing twice, overlap policies, pause, trigger and
delete. Timers fire when the test says ``due()``; ``settled()`` waits for the firings that started."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from taskstreamd.core.core import Core, CoreSettings
from taskstreamd.core.schedules import FIRE_TIME_LABEL, SCHEDULE_LABEL
from taskstreamd.domain.model import Instance, NewInstance, NewTask
from taskstreamd.domain.schedule_model import NewSchedule, OverlapPolicy, Schedule, Timing
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.domain.worker_messages import Assignment, Finished, Registration
from taskstreamd.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from taskstreamd.store.batch import Frozen
from taskstreamd.store.memory import MemoryStore, Tables
from taskstreamd.wire.event_codec import ProtoEventCodec


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Templates:
    """Reads the tests' templates (a task type as bytes); ``refuse`` makes the next reads fail."""

    def __init__(self) -> None:
        self.refuse: Exception | None = None

    async def __call__(self, schedule: Schedule) -> NewInstance:
        if self.refuse is not None:
            raise self.refuse
        return NewInstance(schedule.project, "ignored", [NewTask("t", schedule.template.decode(), "{}")])


async def start(tables: Tables, clock: Clock, templates: Templates) -> Core:
    core = Core(MemoryStore(ProtoEventCodec(), tables), ProtoEventCodec(), CoreSettings(), clock=clock)
    core.schedules.instantiate = templates
    await core.start()
    return core


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def templates() -> Templates:
    return Templates()


@pytest.fixture
async def core(clock: Clock, templates: Templates) -> AsyncIterator[Core]:
    c = await start(Tables(), clock, templates)
    try:
        yield c
    finally:
        await c.close()


def every(seconds: float, schedule_id: str = "s", **options: Any) -> NewSchedule:
    return NewSchedule("p", schedule_id, "alice", Timing(interval=seconds), b"noop", False, **options)


async def tick(core: Core, clock: Clock, seconds: float) -> None:
    clock.advance(seconds)
    core.timers.due()
    await core.schedules.settled()
    await core.store.writer.soon()


def started(core: Core, schedule_id: str = "s") -> list[dict[str, Any]]:
    """The stored instances the schedule started, by fire time (ids drawn in one millisecond of the
    test's clock are not in order)."""
    store = core.store
    assert isinstance(store, MemoryStore)
    rows = [
        r for r in store.tables.instances.values() if r["schedule"] == f"projects/p/schedules/{schedule_id}"
    ]
    return sorted(rows, key=lambda r: (r["create_time"], labels(r).get(FIRE_TIME_LABEL, "")))


def labels(row: dict[str, Any]) -> dict[str, str]:
    return dict(json.loads(row["labels_json"]))


async def stored(core: Core, schedule_id: str = "s") -> Schedule:
    await core.store.writer.soon()
    found = await core.store.reader.schedule("p", schedule_id)
    assert found is not None
    return found


async def finish_all(core: Core) -> None:
    """Ends every running task of the schedule's instances (a worker that takes them and succeeds)."""
    session = core.new_session(Registration("w", 100, {"noop": ""}), None)
    core.intake.connect(session)
    await asyncio.sleep(0)
    taken = [c for c in await session.outbox.take(1000) if isinstance(c, Assignment)]
    finished = [Finished(a.assignment_id, TaskStatus.SUCCESS, started=True) for a in taken]
    await core.intake.receive(session, finished)
    await core.store.writer.soon()
    core.intake.disconnect(session)


async def test_an_interval_schedule_fires_each_time_and_commits_its_cursor_with_the_instance(
    core: Core, clock: Clock
) -> None:
    store = core.store
    assert isinstance(store, MemoryStore)
    commits: list[Frozen] = []
    commit = store.backend.commit
    store.backend.commit = lambda c, frozen, fence: (commits.append(frozen), commit(c, frozen, fence))[1]  # type: ignore[method-assign]

    await core.schedules.create(every(60, overlap=OverlapPolicy.ALLOW), lambda s: b"")
    await tick(core, clock, 59)
    assert started(core) == []
    await tick(core, clock, 1)
    (first,) = started(core)
    assert labels(first) == {SCHEDULE_LABEL: "s", FIRE_TIME_LABEL: "2026-01-01T00:01:00Z"}
    assert first["owner"] == "alice"
    # The commit that inserted the instance moved the cursor past its fire time.
    (together,) = [f for f in commits if any(r[0] == first["id"] for r in f.instances)]
    assert together.schedule_updates and together.schedule_updates[0][-2:] == ("p", "s")
    kept = await stored(core)
    assert kept.fired_through == clock.now and kept.last_instance == first["id"] and kept.fire_count == 1
    assert kept.next_fire_time() == clock.now + timedelta(minutes=1)
    await tick(core, clock, 60)
    assert len(started(core)) == 2


async def test_after_a_restart_nothing_fires_twice_and_the_window_is_caught_up(
    clock: Clock, templates: Templates
) -> None:
    tables = Tables()
    first = await start(tables, clock, templates)
    await first.schedules.create(every(60, catch_up_window=600, overlap=OverlapPolicy.ALLOW), lambda s: b"")
    await tick(first, clock, 120)  # fires for 00:01 and 00:02
    assert [labels(r)[FIRE_TIME_LABEL] for r in started(first)] == [
        "2026-01-01T00:01:00Z",
        "2026-01-01T00:02:00Z",
    ]
    await first.close()

    clock.advance(20 * 60)  # down until 00:22: 00:03 .. 00:11 are beyond the 10-minute window
    second = await start(tables, clock, templates)
    try:
        second.timers.due()
        await second.schedules.settled()
        await second.store.writer.soon()
        times = [labels(r)[FIRE_TIME_LABEL] for r in started(second)]
        assert times[:2] == ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"]
        assert times[2:] == [f"2026-01-01T00:{m:02d}:00Z" for m in range(12, 23)]  # each once
        kept = await stored(second)
        assert kept.miss_count == 9 and kept.fire_count == 13 and kept.fired_through == clock.now
    finally:
        await second.close()
    third = await start(tables, clock, templates)  # a restart with nothing due fires nothing
    try:
        third.timers.due()
        await third.schedules.settled()
        assert len(started(third)) == 13
    finally:
        await third.close()


async def test_overlap_skip_allow_and_cancel_previous(core: Core, clock: Clock) -> None:
    await core.schedules.create(every(60, "skip"), lambda s: b"")
    await core.schedules.create(every(60, "allow", overlap=OverlapPolicy.ALLOW), lambda s: b"")
    await core.schedules.create(every(60, "cancel", overlap=OverlapPolicy.CANCEL_PREVIOUS), lambda s: b"")
    await tick(core, clock, 60)
    await tick(core, clock, 60)  # the first instances have no worker: they still run
    assert len(started(core, "skip")) == 1 and (await stored(core, "skip")).skip_count == 1
    assert len(started(core, "allow")) == 2
    previous, latest = started(core, "cancel")
    old = core.book.get(previous["id"])
    assert old is None or old.status == InstanceStatus.TERMINATED
    kept = await core.store.reader.instance(previous["id"])
    assert kept is not None and kept.status == InstanceStatus.TERMINATED
    cancellation = kept.tasks[0].cancellation
    assert cancellation is not None and cancellation.reason == CancellationReason.DIRECT
    assert "cancel" in cancellation.message and cancellation.requested_by == "taskstream"
    assert core.book.get(latest["id"]) is not None
    # Once the running ones end, SKIP fires again.
    await finish_all(core)
    await tick(core, clock, 60)
    assert len(started(core, "skip")) == 2


async def test_a_paused_schedule_fires_nothing_and_resumes_without_catching_up(
    core: Core, clock: Clock
) -> None:
    await core.schedules.create(every(60, overlap=OverlapPolicy.ALLOW), lambda s: b"")
    paused = await core.schedules.pause("p", "s", lambda s: s)
    assert paused.paused and paused.next_fire_time() is None
    await tick(core, clock, 600)
    assert started(core) == []
    resumed = await core.schedules.resume("p", "s", lambda s: s)
    assert resumed.next_fire_time() == clock.now + timedelta(minutes=1)  # the paused 10 minutes are gone
    await tick(core, clock, 60)
    assert len(started(core)) == 1


async def test_trigger_starts_an_instance_now_and_honours_skip(core: Core, clock: Clock) -> None:
    await core.schedules.create(every(3600, paused=True), lambda s: b"")
    answer = await core.schedules.trigger("p", "s", lambda i: i.id.encode())
    (row,) = started(core)
    assert answer == row["id"].encode() and labels(row) == {SCHEDULE_LABEL: "s"}
    with pytest.raises(FailedPrecondition) as refused:
        await core.schedules.trigger("p", "s", lambda i: b"")
    assert refused.value.reason == "SCHEDULE_OVERLAP"
    kept = await stored(core)
    assert kept.fire_count == 1 and kept.fired_through == kept.create_time  # its fire times are untouched


async def test_a_firing_that_cannot_create_its_instance_is_recorded_and_not_retried(
    core: Core, clock: Clock, templates: Templates
) -> None:
    await core.schedules.create(every(60), lambda s: b"")
    templates.refuse = PermissionDenied(
        "CODE_SUBMISSION_DENIED", "'alice' may not submit Python-object tasks"
    )
    await tick(core, clock, 60)
    kept = await stored(core)
    assert kept.skip_count == 1 and "alice" in kept.last_error and kept.fired_through == clock.now
    templates.refuse = InvalidArgument.one("tasks", "at most 1 tasks per instance")
    with pytest.raises(InvalidArgument):
        await core.schedules.trigger("p", "s", lambda i: b"")
    templates.refuse = None
    await tick(core, clock, 60)
    assert len(started(core)) == 1


async def test_create_refuses_a_taken_id_unless_it_is_a_retry_and_delete_stops_the_firing(
    core: Core, clock: Clock
) -> None:
    first = await core.schedules.create(every(60, request_id="r1", fingerprint="f"), lambda s: b"first")
    assert first == b"first"
    again = await core.schedules.create(every(60, request_id="r1", fingerprint="f"), lambda s: b"second")
    assert again == b"first"
    with pytest.raises(AlreadyExists):
        await core.schedules.create(every(60), lambda s: b"")
    with pytest.raises(InvalidArgument):  # the same request_id for a different request
        await core.schedules.create(every(60, request_id="r1", fingerprint="other"), lambda s: b"")
    await tick(core, clock, 60)
    await core.schedules.delete("p", "s")
    with pytest.raises(NotFound):
        await core.schedules.read("p", "s", lambda s: s)
    await tick(core, clock, 600)
    (only,) = started(core)
    instance = await core.store.reader.instance(only["id"])
    assert isinstance(instance, Instance) and instance.schedule == "projects/p/schedules/s"
