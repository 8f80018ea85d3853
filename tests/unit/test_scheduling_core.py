"""The core's scheduling semantics on the in-memory store (issue 22): retries with backoff, dependencies,
a start time, cancelling one task, deleting an instance, concurrency limits and reasons to wait. Time is a
clock the test moves; timers fire when the test says ``due()``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from taskstream.v1 import task_pb2
from taskstreamd.core import task_output
from taskstreamd.core.core import Core, CoreSettings
from taskstreamd.core.sessions import WorkerSession
from taskstreamd.domain.model import Instance, InstanceOptions, NewInstance, NewTask, TaskFailure
from taskstreamd.domain.scheduling import Dependency, RetryPolicy
from taskstreamd.domain.vocabulary import (
    CancellationReason,
    InstanceStatus,
    TaskStatus,
    WaitingReason,
)
from taskstreamd.domain.worker_messages import Assignment, Finished, OutputReported, Registration
from taskstreamd.errors import Expired, FailedPrecondition, InvalidArgument
from taskstreamd.store.memory import MemoryStore
from taskstreamd.wire import convert
from taskstreamd.wire.event_codec import ProtoEventCodec


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def core(clock: Clock) -> AsyncIterator[Core]:
    c = Core(
        MemoryStore(ProtoEventCodec()),
        ProtoEventCodec(),
        CoreSettings(lease_seconds=30, type_limits={"limited": 1}),
        clock=clock,
    )
    c.intake.rand = lambda: 0.5
    await c.start()
    try:
        yield c
    finally:
        await c.close()


def worker(core: Core, slots: int = 4, types: tuple[str, ...] = ("noop",), **labels: str) -> WorkerSession:
    registration = Registration("w", slots, {t: "" for t in types}, labels=labels, gives_back=True)
    session = core.new_session(registration, None)
    core.intake.connect(session)
    return session


async def assignments(session: WorkerSession) -> list[Assignment]:
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    if not len(session.outbox):
        return []
    return [c for c in await session.outbox.take(1000) if isinstance(c, Assignment)]


async def create(core: Core, tasks: list[NewTask], **options: object) -> Instance:
    new = NewInstance("p", "me", tasks, **options)  # type: ignore[arg-type]
    return (await core.instances.create(new, lambda i: b"")).instance


async def end(
    core: Core, session: WorkerSession, assignment: Assignment, status: TaskStatus, **kw: object
) -> None:
    await core.intake.receive(session, [Finished(assignment.assignment_id, status, started=True, **kw)])  # type: ignore[arg-type]
    await core.store.writer.soon()


def reasons(core: Core, instance: Instance) -> list[WaitingReason | None]:
    core.dispatcher.explain(instance)
    return [t.queue_reason or t.waiting if t.status == TaskStatus.WAITING else None for t in instance.tasks]


async def stored(core: Core, instance: Instance) -> Instance:
    await core.store.writer.soon()
    found = await core.store.reader.instance(instance.id)
    assert found is not None
    return found


async def test_a_failed_attempt_is_retried_after_its_backoff_and_kept_in_the_history(
    core: Core, clock: Clock
) -> None:
    session = worker(core)
    policy = RetryPolicy(
        max_attempts=3, initial_backoff=10, multiplier=2, jitter=0.5, non_retryable=("ValueError",)
    )
    instance = await create(core, [NewTask("t", "noop", "{}", retry=policy)])
    (first,) = await assignments(session)
    await end(core, session, first, TaskStatus.FAILED, error=TaskFailure("builtins.OSError", "disk"))
    task = instance.tasks[0]
    assert task.status == TaskStatus.WAITING and task.waiting == WaitingReason.BACKOFF
    assert task.retry_time == clock.now + timedelta(seconds=7.5)  # 10 s less half of the 50% jitter
    assert [(a.number, a.status, a.error_type) for a in task.history] == [
        (1, TaskStatus.FAILED, "builtins.OSError")
    ]
    clock.advance(7)
    core.timers.due()
    assert await assignments(session) == []  # not yet
    clock.advance(1)
    core.timers.due()
    (second,) = await assignments(session)
    assert second.attempt == 2 and task.waiting is None
    # A non-retryable error ends it at once, with both attempts kept.
    await end(core, session, second, TaskStatus.FAILED, error=TaskFailure("builtins.ValueError", "bad"))
    kept = await stored(core, instance)
    assert kept.status == InstanceStatus.TERMINATED and kept.tasks[0].status == TaskStatus.FAILED
    assert [a.number for a in kept.tasks[0].history] == [1] and kept.tasks[0].error is not None


async def test_the_last_attempt_fails_the_task_and_a_backoff_survives_a_restart(
    core: Core, clock: Clock
) -> None:
    session = worker(core)
    instance = await create(
        core,
        [NewTask("t", "noop", "{}")],
        options=InstanceOptions(retry=RetryPolicy(max_attempts=2, initial_backoff=5)),
    )
    (first,) = await assignments(session)
    await end(core, session, first, TaskStatus.TIMED_OUT)
    kept = await stored(core, instance)
    assert (
        kept.tasks[0].retry_time == clock.now + timedelta(seconds=5)
        and kept.tasks[0].waiting == WaitingReason.BACKOFF
    )
    # A new server on the same store holds the task until the backoff passes.
    store = core.store
    assert isinstance(store, MemoryStore)
    second_core = Core(
        MemoryStore(ProtoEventCodec(), store.tables), ProtoEventCodec(), CoreSettings(), clock=clock
    )
    await second_core.start()
    try:
        other = worker(second_core)
        assert await assignments(other) == []
        clock.advance(5)
        second_core.timers.due()
        (retry,) = await assignments(other)
        assert retry.attempt == 2
        await end(second_core, other, retry, TaskStatus.FAILED)
        final = await stored(second_core, instance)
        assert final.tasks[0].status == TaskStatus.FAILED and len(final.tasks[0].history) == 1
    finally:
        await second_core.close()


async def test_dependents_wait_then_run_with_the_results_and_a_failure_cancels_them(core: Core) -> None:
    session = worker(core)
    tasks = [
        NewTask("extract", "noop", "{}"),
        NewTask("load", "noop", "{}", dependencies=(Dependency(0, "extract"),)),
        NewTask("report", "noop", "{}", dependencies=(Dependency(1, "load"),)),
        NewTask("cleanup", "noop", "{}", dependencies=(Dependency(1, "load", allow_failure=True),)),
    ]
    instance = await create(core, tasks)
    assert reasons(core, instance)[1:] == [WaitingReason.DEPENDENCY] * 3
    (extract,) = await assignments(session)
    await end(core, session, extract, TaskStatus.SUCCESS, result=b"\x12\x02ok")
    (load,) = await assignments(session)
    assert load.task_name == "load" and load.dependency_results == {"extract": b"\x12\x02ok"}
    await end(core, session, load, TaskStatus.FAILED)
    (cleanup,) = await assignments(session)
    assert cleanup.task_name == "cleanup"
    report = instance.tasks[2]
    assert report.status == TaskStatus.CANCELLED and report.cancellation is not None
    assert (
        report.cancellation.reason == CancellationReason.CONSEQUENTIAL
        and "load" in report.cancellation.message
    )
    await end(core, session, cleanup, TaskStatus.SUCCESS)
    assert (await stored(core, instance)).status == InstanceStatus.TERMINATED


async def test_a_waiting_dependent_names_the_dependencies_not_yet_ended(core: Core) -> None:
    session = worker(core)
    tasks = [
        NewTask("extract", "noop", "{}"),
        NewTask("load", "noop", "{}"),
        NewTask("report", "noop", "{}", dependencies=(Dependency(1, "load"), Dependency(0, "extract"))),
    ]
    instance = await create(core, tasks)

    def shown(name: str) -> tuple[int, list[str]]:
        task = instance.task(name)
        assert task is not None
        message = convert.task_proto(task, instance)
        return message.waiting_reason, list(message.waiting_on)

    assert shown("report") == (task_pb2.WAITING_REASON_DEPENDENCY, ["load", "extract"])  # as submitted
    assert shown("extract")[1] == [] and shown("load")[1] == []
    started = {a.task_name: a for a in await assignments(session)}
    assert set(started) == {"extract", "load"}
    await end(core, session, started["extract"], TaskStatus.SUCCESS)
    assert shown("report") == (task_pb2.WAITING_REASON_DEPENDENCY, ["load"])
    await end(core, session, started["load"], TaskStatus.SUCCESS)
    (report,) = await assignments(session)
    assert report.task_name == "report" and shown("report") == (task_pb2.WAITING_REASON_UNSPECIFIED, [])


async def test_a_start_time_holds_the_tasks_until_it_comes(core: Core, clock: Clock) -> None:
    session = worker(core)
    instance = await create(core, [NewTask("t", "noop", "{}")], start_time=clock.now + timedelta(minutes=1))
    assert reasons(core, instance) == [WaitingReason.SCHEDULED]
    assert await assignments(session) == []
    clock.advance(60)
    core.timers.due()
    (assignment,) = await assignments(session)
    assert assignment.task_name == "t"


async def test_cancelling_one_task_cancels_its_dependents_and_not_the_others(core: Core) -> None:
    worker(core, slots=1)
    tasks = [
        NewTask("a", "noop", "{}"),
        NewTask("b", "noop", "{}"),
        NewTask("c", "noop", "{}", dependencies=(Dependency(1, "b"),)),
    ]
    instance = await create(core, tasks)
    await core.instances.cancel_task(
        "p", instance.id, "b", lambda i: b"", reason=CancellationReason.DIRECT, message="no", requested_by="me",
        grace_period=None,
    )  # fmt: skip
    assert [t.status for t in instance.tasks] == [
        TaskStatus.ASSIGNED,
        TaskStatus.CANCELLED,
        TaskStatus.CANCELLED,
    ]
    assert instance.tasks[2].cancellation is not None
    assert instance.tasks[2].cancellation.reason == CancellationReason.CONSEQUENTIAL
    with pytest.raises(FailedPrecondition):
        await core.instances.cancel_task(
            "p", instance.id, "b", lambda i: b"", reason=CancellationReason.DIRECT, message="", requested_by="me",
            grace_period=None,
        )  # fmt: skip


async def test_a_deleted_instance_leaves_a_tombstone_and_a_running_one_is_refused(core: Core) -> None:
    session = worker(core)
    instance = await create(core, [NewTask("t", "noop", "{}")])
    with pytest.raises(FailedPrecondition):
        await core.instances.delete("p", instance.id)
    (assignment,) = await assignments(session)
    await end(core, session, assignment, TaskStatus.SUCCESS)
    await core.instances.delete("p", instance.id)
    with pytest.raises(Expired) as gone:
        await core.instances.current("p", instance.id)
    assert gone.value.reason == "INSTANCE_DELETED"


async def test_limits_hold_tasks_of_a_type_and_of_a_key_and_say_so(core: Core) -> None:
    session = worker(core, slots=8, types=("noop", "limited"))
    keyed = [NewTask(f"k{i}", "noop", "{}", concurrency_key="db", concurrency_limit=2) for i in range(3)]
    instance = await create(core, [*keyed, NewTask("l0", "limited", "{}"), NewTask("l1", "limited", "{}")])
    first = await assignments(session)
    assert sorted(a.task_name for a in first) == ["k0", "k1", "l0"]
    assert reasons(core, instance) == [
        None,
        None,
        WaitingReason.CONCURRENCY_LIMIT,
        None,
        WaitingReason.CONCURRENCY_LIMIT,
    ]
    done = next(a for a in first if a.task_name == "k0")
    await end(core, session, done, TaskStatus.SUCCESS)
    (freed,) = await assignments(session)
    assert freed.task_name == "k2"


async def test_a_queued_task_says_whether_a_worker_offers_its_type_and_labels(core: Core) -> None:
    instance = await create(
        core, [NewTask("t", "noop", "{}"), NewTask("g", "noop", "{}", required_labels={"gpu": "true"})]
    )
    assert reasons(core, instance) == [WaitingReason.NO_WORKER_FOR_TYPE, WaitingReason.NO_WORKER_FOR_TYPE]
    worker(core, slots=1, types=("other",))
    assert reasons(core, instance) == [WaitingReason.NO_WORKER_FOR_TYPE] * 2
    busy = worker(core, slots=1)
    await assignments(busy)
    assert reasons(core, instance) == [None, WaitingReason.NO_MATCHING_LABELS]


async def test_an_unwatched_bound_instance_is_stopped_after_its_grace(core: Core, clock: Clock) -> None:
    worker(core, slots=1)
    instance = await create(
        core, [NewTask("t", "noop", "{}")], options=InstanceOptions(bound=True, bound_grace=30)
    )
    core.bindings.opened(instance.id)
    clock.advance(60)
    core.timers.due()
    assert instance.status == InstanceStatus.RUNNING  # watched
    core.bindings.closed(instance.id)
    clock.advance(29)
    core.timers.due()
    assert instance.status == InstanceStatus.RUNNING
    clock.advance(2)
    core.timers.due()
    for _ in range(10):
        await asyncio.sleep(0)
    task = instance.tasks[0]
    assert (
        task.cancellation is not None and task.cancellation.reason == CancellationReason.CLIENT_DISCONNECTED
    )


async def test_a_concurrency_key_holds_on_a_server_without_type_limits(clock: Clock) -> None:
    plain = Core(MemoryStore(ProtoEventCodec()), ProtoEventCodec(), CoreSettings(), clock=clock)
    await plain.start()
    try:
        session = worker(plain, slots=4)
        keyed = [NewTask(f"k{i}", "noop", "{}", concurrency_key="db", concurrency_limit=1) for i in range(3)]
        await create(plain, keyed)
        (only,) = await assignments(session)
        await end(plain, session, only, TaskStatus.SUCCESS)
        assert len(await assignments(session)) == 1
    finally:
        await plain.close()


async def test_a_retried_attempt_s_output_is_kept_apart_and_read_by_its_number(
    core: Core, clock: Clock
) -> None:
    session = worker(core)
    policy = RetryPolicy(max_attempts=3, initial_backoff=1)
    instance = await create(core, [NewTask("t", "noop", "{}", retry=policy)])
    for n in (1, 2):
        (attempt,) = await assignments(session)
        out = [OutputReported(attempt.assignment_id, 1, 0, f"try {n}\n".encode())]
        await core.intake.receive(session, out)
        await end(core, session, attempt, TaskStatus.FAILED if n == 1 else TaskStatus.SUCCESS)
        clock.advance(1)
        core.timers.due()

    async def read(attempt: int) -> bytes:
        chunks = task_output.read_output(
            core.instances, core.hub, "p", instance.id, "t", 1, 0, False, attempt
        )
        return b"".join([c.data async for c in chunks])

    assert await read(0) == await read(2) == b"try 2\n"
    assert await read(1) == b"try 1\n"
    with pytest.raises(InvalidArgument):
        await read(3)
