"""The SQLite write path of issue 7: statements run on the sqlite3 connection read what SQLAlchemy reads,
a save writes only what changed, a transaction numbers its events after the stored log and writes them at
its end, a short task's start carried by its end is recorded before the end, and a freed slot takes its
next task in the transaction that records the end."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from taskstream._status import InstanceStatus, TaskStatus
from taskstream.v1 import event_pb2, task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.domain.model import Instance
from taskstreamd.events import changes
from taskstreamd.scheduler.service import InstanceManager, NewInstance, Settings
from taskstreamd.scheduler.workers import WorkerSession
from taskstreamd.store import requests
from taskstreamd.store.inline_sqlite import InlineConnection
from taskstreamd.store.prepared import PreparedStatements
from taskstreamd.store.repository import (
    _CLAIM_INSTANCE,
    _CLAIM_JOINED,
    _CLAIM_TASK,
    _TASK_WITH_INSTANCE,
    NewTask,
    Store,
    TaskRef,
    Transaction,
    claim,
)

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
ID = "20261121100000000aaaaaaaa"


async def _instance(store: Store, tasks: int) -> Instance:
    instance = Instance(id=ID, project="p", owner="o", priority=9, create_time=T0)
    instance.status = InstanceStatus.RUNNING
    async with store.transaction() as tx:
        specs = [NewTask(f"t{i}", "noop", "{}", b"", b"", None) for i in range(tasks)]
        await tx.add_instance(instance, specs)
    return instance


async def test_prepared_statements_read_the_rows_sqlalchemy_reads(store: Store) -> None:
    instance = await _instance(store, 1)
    task_id = instance.tasks[0].id
    async with store.transaction() as tx:  # dates, booleans and nulls in the rows read below
        assert await claim(tx, task_id, "w", T0, T0 + timedelta(seconds=10)) is not None
    statements = [(_TASK_WITH_INSTANCE, {"_id": task_id}), (_CLAIM_INSTANCE, {"_id": task_id})]
    statements += [(_CLAIM_TASK, {"_id": task_id}), (_CLAIM_JOINED, {"_id": task_id})]
    async with store.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert isinstance(driver, InlineConnection)
        plain = Transaction(conn, sole_writer=True)
        prepared = Transaction(
            conn, sole_writer=True, prepared=PreparedStatements(store.engine.dialect), sqlite=driver.sqlite
        )
        for statement, params in statements:
            through_sqlalchemy = await plain.rows(statement, params)
            through_sqlite3 = await prepared.rows(statement, params)
            assert through_sqlite3 == through_sqlalchemy and through_sqlite3
    row = through_sqlite3[0]
    assert row["started"] is False and row["status"] == int(TaskStatus.ASSIGNED)


async def test_a_save_writes_only_the_tasks_that_changed(store: Store) -> None:
    await _instance(store, 3)
    statements: list[str] = []
    async with store.transaction() as tx:
        driver = (await tx.conn.get_raw_connection()).driver_connection
        assert isinstance(driver, InlineConnection)
        loaded = await tx.load(ID)
        assert loaded is not None
        loaded.tasks[1].status = TaskStatus.CANCELLED
        driver.sqlite.set_trace_callback(statements.append)
        try:
            await tx.save(loaded)
        finally:
            driver.sqlite.set_trace_callback(None)
    assert len(statements) == 1 and statements[0].startswith("UPDATE tasks SET status=")
    reread = await store.get_instance(ID)
    assert reread is not None
    assert [t.status for t in reread.tasks] == [TaskStatus.WAITING, TaskStatus.CANCELLED, TaskStatus.WAITING]


async def test_events_are_numbered_after_the_stored_log_and_a_replaced_progress_never_lands(
    store: Store,
) -> None:
    instance = await _instance(store, 1)
    task_id = instance.tasks[0].id
    async with store.transaction() as tx:
        assert await tx.record(ID, [changes.property_set("t0", "k", b"")], T0) == [1]
    async with store.transaction() as tx:
        loaded = await tx.load_task(task_id)  # knows last_seq 1 from the row it read
        assert loaded is not None and loaded.seq == 1
        ref = TaskRef(task_id, ID, "t0", 0)
        await tx.record_progress(ref, task_pb2.Progress(percent=10).SerializeToString(), T0)
        first = TaskRef(task_id, ID, "t0", 0, progress_seq=2)
        await tx.record_progress(first, task_pb2.Progress(percent=20).SerializeToString(), T0)
        assert await tx.record(ID, [changes.property_set("t0", "k", b"")], T0) == [4]
    events = await store.events_after(ID, 0, include_output=True)
    assert events is not None
    assert [e.seq for e in events] == [1, 3, 4]  # 2 was replaced within its transaction
    progress = event_pb2.InstanceEvent.FromString(events[1].data).task_progress_updated.progress
    assert progress.percent == 20
    stored = await store.get_instance(ID)
    assert stored is not None and stored.seq == 4


async def test_an_end_carrying_its_start_records_running_then_success_and_the_next_task_is_sent(
    store: Store,
) -> None:
    manager = InstanceManager(store, Settings())
    await manager.start()
    try:
        session = WorkerSession(name="w", slots=1, task_types={"noop": ""}, accepts_python_objects=False)
        session.heard(60)
        manager.connect_worker(session)
        specs = [NewTask(f"t{i}", "noop", "{}", b"", b"", None) for i in range(2)]
        created = await manager.create(NewInstance(project="p", owner="o", tasks=specs))
        first = await asyncio.wait_for(session.outbox.get(), 10)
        assert first is not None and first.WhichOneof("message") == "assignment"
        aid = first.assignment.assignment_id
        ended = wpb.TaskFinished(assignment_id=aid, status=task_pb2.TASK_STATUS_SUCCESS, started=True)
        await manager.record_reports(session, [wpb.ConnectRequest(finished=ended)])
        # The freed slot's next task was claimed by that same transaction and is already sent.
        second = session.outbox.get_nowait()
        assert second is not None and second.assignment.task != first.assignment.task
        events = await store.events_after(created.id, 0, include_output=False)
        assert events is not None
        statuses = [
            (e.task_status_changed.task.name, e.task_status_changed.task.status)
            for e in (event_pb2.InstanceEvent.FromString(s.data) for s in events)
            if e.HasField("task_status_changed")
        ]
        name = first.assignment.task
        mine = [status for task, status in statuses if task == name]
        assert mine == [
            task_pb2.TASK_STATUS_ASSIGNED,
            task_pb2.TASK_STATUS_RUNNING,
            task_pb2.TASK_STATUS_SUCCESS,
        ]
        instance = await store.get_instance(created.id)
        assert instance is not None
        task = next(t for t in instance.tasks if t.name == name)
        assert task.started and task.start_time is not None and task.end_time is not None
    finally:
        await manager.close()


class _Boom(Exception):
    pass


async def test_a_transaction_begun_on_sqlite3_commits_and_rolls_back_what_sqlalchemy_joined(
    store: Store,
) -> None:
    """A write transaction begins on sqlite3 itself; a step through the ORM joins it, and its end
    commits (or rolls back) the prepared statements and the ORM's writes together."""
    key = requests.RequestKey("p", requests.CREATE, "r1")
    instance = await _instance(store, 1)
    task = TaskRef(instance.tasks[0].id, ID, "t0", 0)
    with pytest.raises(_Boom):
        async with store.transaction() as tx:
            await tx.record(ID, [changes.property_set("t0", "k", b"")], T0)  # prepared
            assert await requests.claim(tx, key, requests.Claim("f", ID), T0) is None  # the ORM
            raise _Boom()
    assert await requests.find(store, key) is None
    assert await store.events_after(ID, 0, include_output=True) == []
    async with store.transaction() as tx:  # the writer's connection is usable again
        assert await tx.set_property(task, "k", b"v")  # the ORM first, then prepared statements
        await tx.record(ID, [changes.property_set("t0", "k", b"")], T0)
        assert await requests.claim(tx, key, requests.Claim("f", ID), T0) is None
    async with store.transaction() as tx:  # begun on sqlite3 again after SQLAlchemy committed
        await tx.record(ID, [changes.property_set("t0", "k", b"")], T0)
    assert await requests.find(store, key) == requests.Claim("f", ID)
    events = await store.events_after(ID, 0, include_output=True)
    assert events is not None and [e.seq for e in events] == [1, 2]
    stored = await store.get_instance(ID)
    assert stored is not None and stored.tasks[0].properties == {"k": b"v"}
