"""Dispatch without a round trip: short-task prefetch (which task types count as short, which queued tasks
a busy worker is sent) and an idle worker taking a new instance's task in the create's own commit."""

from __future__ import annotations

import pytest

from taskstream._status import TaskStatus
from taskstreamd.scheduler import durations
from taskstreamd.scheduler.durations import RunDurations
from taskstreamd.scheduler.queue import RunQueue
from taskstreamd.scheduler.service import InstanceManager, NewInstance, Settings
from taskstreamd.scheduler.workers import WorkerSession
from taskstreamd.store.repository import NewTask, QueuedTask, Store

TYPES = {"noop": "", "sql": ""}


def _queued(task_id: int, task_type: str) -> QueuedTask:
    return QueuedTask(9, "i", task_id, task_id, task_type)


def _made_short(runs: RunDurations, task_type: str) -> None:
    for _ in range(durations.MIN_RUNS):
        runs.record(task_type, 0.001)


def test_a_type_is_short_after_enough_short_runs_and_long_after_one_long_run() -> None:
    runs = RunDurations()
    assert not runs.is_short("noop")  # never seen
    for _ in range(durations.MIN_RUNS - 1):
        runs.record("noop", 0.001)
    assert not runs.is_short("noop")  # too few runs to tell
    runs.record("noop", 0.001)
    assert runs.is_short("noop") and not runs.is_short("sql")
    runs.record("noop", 10.0)
    assert not runs.is_short("noop")


def test_short_room_is_only_behind_short_tasks_and_only_once_the_slots_are_full() -> None:
    runs = RunDurations()
    _made_short(runs, "noop")
    session = WorkerSession("w", 1, TYPES, False, short_prefetch=2)
    assert session.short_room(runs.is_short) == 0  # an idle slot takes any task first
    session.running[1] = "noop"
    assert session.short_room(runs.is_short) == 2
    session.running[2] = "noop"
    assert session.short_room(runs.is_short) == 1
    session.running[3] = "noop"
    assert session.short_room(runs.is_short) == 0 and not session.may_take_more
    assert (session.busy_slots, session.waiting, session.idle_slots) == (1, 2, 0)
    behind_long = WorkerSession("w", 1, TYPES, False, short_prefetch=2)
    behind_long.running[4] = "sql"
    assert behind_long.short_room(runs.is_short) == 0


def test_a_wanted_filter_never_takes_a_task_ahead_of_a_runnable_unwanted_one() -> None:
    queue = RunQueue()
    for task_id, task_type in [(1, "noop"), (2, "sql"), (3, "noop")]:
        queue.push(_queued(task_id, task_type))
    taken = queue.pop_matching(lambda t: True, 5, lambda t: t.type == "noop")
    assert [t.task_id for t in taken] == [1]
    assert len(queue) == 2
    # A task the worker cannot run at all is passed over, as without the filter.
    taken = queue.pop_matching(lambda t: t.type == "noop", 5, lambda t: t.type == "noop")
    assert [t.task_id for t in taken] == [3]


async def test_a_busy_worker_is_sent_short_tasks_but_an_idle_one_gets_the_first(store: Store) -> None:
    manager = InstanceManager(store, Settings(short_prefetch=2))
    _made_short(manager.durations, "noop")
    busy = WorkerSession("busy", 1, TYPES, False, short_prefetch=2)
    busy.running[100] = "noop"
    idle = WorkerSession("idle", 1, TYPES, False, short_prefetch=2)
    for task_id in (1, 2, 3, 4):
        manager._queue.push(_queued(task_id, "noop"))
    pairs = manager._pick([busy, idle], prefetch=True)
    assert [(q.task_id, s.name) for q, s in pairs] == [(1, "idle"), (2, "busy"), (3, "busy"), (4, "idle")]


async def test_a_long_task_stays_queued_for_a_free_slot(store: Store) -> None:
    manager = InstanceManager(store, Settings(short_prefetch=2))
    _made_short(manager.durations, "noop")
    busy = WorkerSession("busy", 1, TYPES, False, short_prefetch=2)
    busy.running[100] = "noop"
    manager._queue.push(_queued(1, "sql"))
    manager._queue.push(_queued(2, "noop"))
    assert manager._pick([busy], prefetch=True) == []  # the short one does not jump the long one
    assert len(manager._queue) == 2


def _new_instance(*task_names: str) -> NewInstance:
    tasks = [NewTask(name, "noop", "{}", b"", b"", None) for name in task_names]
    return NewInstance(project="p", owner="o", tasks=tasks)


async def test_an_idle_worker_gets_a_new_instances_task_in_the_create_commit(store: Store) -> None:
    # No dispatcher runs (start() is not called): only create itself can hand the task out.
    manager = InstanceManager(store, Settings())
    session = WorkerSession("w", 1, TYPES, False)
    manager.connect_worker(session)
    instance = await manager.create(_new_instance("first", "second"))
    sent = session.outbox.get_nowait()
    assert sent is not None and sent.assignment.task == "first"
    assert session.outbox.empty()  # one slot: the second task waits in the queue
    assert [q.task_id for q in manager._queue.pop_matching(lambda t: True, 5)] == [instance.tasks[1].id]
    stored = await store.get_instance(instance.id)
    assert stored is not None
    assert [t.status for t in stored.tasks] == [TaskStatus.ASSIGNED, TaskStatus.WAITING]


async def test_a_create_that_fails_after_queueing_leaves_nothing_queued_or_held(store: Store) -> None:
    manager = InstanceManager(store, Settings())
    session = WorkerSession("w", 1, TYPES, False)
    manager.connect_worker(session)

    async def claim_fails(*_: object) -> None:
        raise RuntimeError("the disk is full")

    manager._claim = claim_fails  # type: ignore[method-assign,assignment]
    with pytest.raises(RuntimeError):
        await manager.create(_new_instance("first", "second"))
    assert len(manager._queue) == 0 and session.running == {} and session.outbox.empty()
    # The ids the rolled-back insert used may come again; their tasks are queued as any others.
    del manager._claim
    instance = await manager.create(_new_instance("again"))
    sent = session.outbox.get_nowait()
    assert sent is not None and sent.assignment.instance.endswith(instance.id)


def test_tasks_waiting_behind_overdue_tasks_are_stuck_and_nothing_more_queues_behind() -> None:
    session = WorkerSession("w", 1, TYPES, False, short_prefetch=2, gives_back=True)
    session.running.update({1: "noop", 2: "noop", 3: "noop"})
    session.assigned.update({1: "1-1", 2: "2-1", 3: "3-1"})
    assert session.stuck_waiting(100.0, 1.0) == []  # its start was not heard of yet
    session.started_at[1] = 99.5
    assert session.stuck_waiting(100.0, 1.0) == [] and not session.runs_overdue(100.0, 1.0)
    assert session.stuck_waiting(101.0, 1.0) == [2, 3] and session.runs_overdue(101.0, 1.0)
    session.finished(1, "1-1")  # the slot freed: the others start there, nothing is stuck
    assert session.stuck_waiting(101.0, 1.0) == [] and session.started_at == {}


async def test_an_overdue_worker_is_asked_for_its_waiting_tasks_when_another_is_idle(store: Store) -> None:
    manager = InstanceManager(store, Settings())
    stuck = WorkerSession("stuck", 1, TYPES, False, short_prefetch=2, gives_back=True)
    idle = WorkerSession("idle", 1, TYPES, False)
    manager.connect_worker(stuck)
    stuck.running.update({1: "noop", 2: "noop"})
    stuck.assigned.update({1: "1-1", 2: "2-1"})
    stuck.started_at[1] = 10.0
    manager.take_back_stuck(20.0)
    assert stuck.outbox.empty()  # no worker could run it sooner
    manager.connect_worker(idle)
    manager.take_back_stuck(20.0)
    manager.take_back_stuck(20.5)  # asked once until answered
    sent = stuck.outbox.get_nowait()
    assert sent is not None and sent.take_back.assignment_id == "2-1" and stuck.outbox.empty()
