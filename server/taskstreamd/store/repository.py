"""The repository: loads and saves domain objects, and records what workers report.

Every write goes through ``Store.transaction()``. SQLite has one writer at a time, so writes are serialized
by an asyncio lock instead of retried on "database is locked"; reads run concurrently (WAL).

PostgreSQL runs writers concurrently, from this process and from other replicas. A transaction that
changes an instance's state locks the instance row first (``FOR NO KEY UPDATE``) and only then its task
rows; transactions that lock several instances take them in id order, and claiming skips locked
instances instead of waiting, so writers never deadlock. Each write transaction ends by notifying the
other replicas (see ``notify``) of what it recorded.

Every write method of ``Transaction`` adds the instances it changes to ``Transaction.touched``; the store
hands them to the GetInstance answer cache (``answers``) around the commit, so no answer outlives a change.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Executable,
    Row,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from taskstream._status import InstanceStatus, TaskStatus
from taskstreamd.api.convert import set_timestamp
from taskstreamd.domain.model import (
    ACTIVE,
    QUEUED,
    Instance,
    OtherTasks,
    Task,
)
from taskstreamd.errors import InvalidArgument
from taskstreamd.events import changes
from taskstreamd.events.changes import OUTPUT, NewEvent, StoredEvent, is_terminal
from taskstreamd.replica import REPLICA_ID
from taskstreamd.store import notify, prepared, state_rows
from taskstreamd.store.answers import DEFAULT_CAPACITY, AnswerCache
from taskstreamd.store.engine import (
    BUSY_SECONDS,
    create_engine,
    create_read_engine,
    inline_path,
    is_postgresql,
    is_sqlite,
)
from taskstreamd.store.inline_sqlite import InlineConnection
from taskstreamd.store.models import (
    InstanceEventRow,
    InstanceLabelRow,
    InstanceRow,
    TaskOutputRow,
    TaskPropertyRow,
    TaskRow,
)
from taskstreamd.store.prepared import InstanceReader, PreparedStatements
from taskstreamd.store.state_rows import INSTANCE_AS_PREFIXED, INSTANCES, TASK_STATE, TASKS

STDOUT, STDERR = 1, 2
CUT_MARKER = b"\n[... taskstream cut %d bytes of output ...]\n"


@dataclass(frozen=True)
class NewTask:
    name: str
    type: str
    parameters_json: str
    python_object: bytes
    python_environment: bytes
    timeout: float | None
    required_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QueuedTask:
    """What the scheduler needs to order and route a queued task."""

    priority: int
    instance_id: str
    index: int
    task_id: int
    type: str
    required_labels: tuple[tuple[str, str], ...] = ()  # worker labels the task needs
    project: str = ""  # its instance's: a worker token may be limited to projects


def _queued(row: Row[int, str, int, int, str, str, str]) -> QueuedTask:
    priority, instance_id, index, task_id, task_type, labels_json, project = row
    labels = tuple(sorted(json.loads(labels_json or "{}").items()))
    return QueuedTask(priority, instance_id, index, task_id, task_type, labels, project)


_QUEUED_COLUMNS = (
    InstanceRow.priority,
    TaskRow.instance_id,
    TaskRow.index,
    TaskRow.id,
    TaskRow.type,
    TaskRow.required_labels_json,
    InstanceRow.project,
)


@dataclass(frozen=True)
class Payload:
    """A claimed task: what its worker needs to run this attempt."""

    assignment_id: str
    attempt: int
    task_id: int
    instance_id: str
    project: str
    owner: str
    task_name: str
    type: str
    parameters_json: str
    python_object: bytes
    python_environment: bytes
    timeout: float | None


@dataclass(frozen=True)
class Output:
    data: bytes
    total_bytes: int
    cut_bytes: int


@dataclass(frozen=True)
class TaskOutcome:
    task: Task
    result: bytes | None
    stdout: Output
    stderr: Output


@dataclass(frozen=True)
class ListFilter:
    project: str
    statuses: Sequence[InstanceStatus] = ()
    owner: str = ""
    create_time_start: datetime | None = None
    create_time_end: datetime | None = None
    labels: dict[str, str] | None = None


@dataclass(frozen=True)
class TaskRef:
    """Where a task's reports go: its key, its instance and its current attempt."""

    task_id: int
    instance_id: str
    name: str
    attempt: int
    progress_seq: int = 0  # the event carrying its latest progress


@dataclass(frozen=True)
class OutputState:
    """A task's kept output of one stream after an offset, and whether the task has ended."""

    chunks: list[tuple[int, bytes]]
    end: int  # the end of the kept output
    terminal: bool


class Store:
    def __init__(self, url: str, *, cached_answers: int = DEFAULT_CAPACITY) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._reads = async_sessionmaker(create_read_engine(self.engine), expire_on_commit=False)
        self._write_lock = asyncio.Lock() if is_sqlite(url) else None
        # SQLite run inline: hot statements go to sqlite3 itself and instances are read in one snapshot.
        path = inline_path(url)
        self._prepared = PreparedStatements(self.engine.dialect) if path is not None else None
        self._writer: AsyncConnection | None = None  # the sole writer's connection (SQLite), on first use
        self._writer_sqlite: sqlite3.Connection | None = None  # its sqlite3 connection, when run inline
        self._reader = InstanceReader(path, self.engine.dialect, BUSY_SECONDS) if path is not None else None
        self.shared = is_postgresql(url)  # other replicas may use the same database
        # Called after each commit with the events it recorded, in commit order (the write lock
        # orders commits with SQLite).
        self.on_commit: Callable[[list[StoredEvent]], None] | None = None
        # GetInstance answers per instance, invalidated by the commits that touch it; only where this
        # process sees every commit (not with replicas sharing PostgreSQL).
        self.answers = AnswerCache(cached_answers) if not self.shared and cached_answers > 0 else None

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._writer is not None:
            await self._writer.close()
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction on one connection; an ORM session joins it only when a step uses one (the
        hot paths use Core statements, and creating a session per transaction costs more than they do)."""
        if self._write_lock is None:
            async with self._transaction(sole_writer=False) as tx:
                yield tx
            return
        async with self._write_lock, self._transaction(sole_writer=True) as tx:
            yield tx

    @asynccontextmanager
    async def _transaction(self, *, sole_writer: bool) -> AsyncIterator[Transaction]:
        tx: Transaction | None = None
        committing = False
        try:
            async with self._connection(sole_writer) as conn:
                sqlite = self._writer_sqlite if sole_writer else None
                tx = Transaction(conn, sole_writer=sole_writer, prepared=self._prepared, sqlite=sqlite)
                await tx.begin()
                try:
                    yield tx
                    await tx.flush()
                    if self.shared:
                        await _notify(await tx.core(), tx.signals())
                    if self.answers is not None and tx.touched:
                        self.answers.committing(tx.touched)
                        committing = True
                    await tx.close()
                    await tx.commit()
                except BaseException:
                    await tx.close()
                    await tx.rollback()
                    raise
        finally:
            # Committed or not, before anyone hears of it. A transaction that failed before its commit
            # changed nothing, but a driver whose reads saw its writes must not leave them cached.
            if self.answers is not None and tx is not None and tx.touched:
                if committing:
                    self.answers.committed(tx.touched)
                else:
                    self.answers.invalidate(tx.touched)
        self._committed(tx)

    @asynccontextmanager
    async def _connection(self, sole_writer: bool) -> AsyncIterator[AsyncConnection]:
        """The one writer's own connection, kept open (SQLite: writes take turns); else one from the pool."""
        if not sole_writer:
            async with self.engine.connect() as conn:
                yield conn
            return
        if self._writer is None or self._writer.closed or self._writer.invalidated:
            self._writer = await self.engine.connect()
            self._writer_sqlite = None
            if self._prepared is not None:
                driver = (await self._writer.get_raw_connection()).driver_connection
                if isinstance(driver, InlineConnection):
                    self._writer_sqlite = driver.sqlite
        yield self._writer

    def _committed(self, tx: Transaction) -> None:
        if tx.recorded and self.on_commit is not None:
            self.on_commit(tx.recorded)

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncSession]:
        async with self._reads() as session:
            yield session

    async def live_replicas(self) -> set[str]:
        """The replicas using the database now: those with a listening connection (PostgreSQL), or only
        this process (SQLite, where one server owns the file)."""
        if not self.shared:
            return {REPLICA_ID}
        query = text(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE :prefix"
        )
        async with self._sessions() as session:
            names = (await session.scalars(query, {"prefix": notify.APPLICATION_PREFIX + "%"})).all()
        return {name.removeprefix(notify.APPLICATION_PREFIX) for name in names} | {REPLICA_ID}

    # -- reads -----------------------------------------------------------------------------------------

    async def get_instance(self, instance_id: str) -> Instance | None:
        if self._reader is not None:
            return _instance_of(
                *self._reader.read(_READ_INSTANCE, _READ_TASKS, _READ_PROPERTIES, instance_id)
            )
        async with self._read() as session:
            return await _load_instance(session, instance_id)

    async def find_by_request_id(self, project: str, request_id: str) -> Instance | None:
        async with self._read() as session:
            found = await session.scalar(
                select(InstanceRow.id).where(
                    InstanceRow.project == project, InstanceRow.request_id == request_id
                )
            )
            return None if found is None else await _load_instance(session, found)

    async def list_instances(
        self, where: ListFilter, page_size: int, after_id: str | None
    ) -> tuple[list[Instance], bool]:
        """A page of instances newest first, and whether more follow."""
        query = select(INSTANCES).where(InstanceRow.project == where.project)
        if where.statuses:
            query = query.where(InstanceRow.status.in_([int(_STATUS_CODE[s]) for s in where.statuses]))
        if where.owner:
            query = query.where(InstanceRow.owner == where.owner)
        if where.create_time_start is not None:
            query = query.where(InstanceRow.create_time >= where.create_time_start)
        if where.create_time_end is not None:
            query = query.where(InstanceRow.create_time < where.create_time_end)
        for key, value in (where.labels or {}).items():
            label = select(InstanceLabelRow.instance_id).where(
                InstanceLabelRow.instance_id == InstanceRow.id,
                InstanceLabelRow.key == key,
                InstanceLabelRow.value == value,
            )
            query = query.where(label.exists())
        if after_id is not None:
            query = query.where(InstanceRow.id < after_id)
        query = query.order_by(InstanceRow.id.desc()).limit(page_size + 1)
        async with self._read() as session:
            rows = list((await session.execute(query)).mappings())
            instances = [state_rows.instance_from_mapping(row) for row in rows[:page_size]]
            tasks = await _tasks_of(session, [i.id for i in instances], with_properties=False)
        for instance in instances:
            instance.tasks = tasks.get(instance.id, [])
        return instances, len(rows) > page_size

    async def queued_tasks(self, task_ids: Sequence[int] | None = None) -> list[QueuedTask]:
        """Queued tasks of running instances (of ``task_ids`` only, when given), for the scheduler's queue."""
        query = (
            select(*_QUEUED_COLUMNS)
            .join(InstanceRow, InstanceRow.id == TaskRow.instance_id)
            .where(
                TaskRow.status.in_([int(s) for s in QUEUED]),
                InstanceRow.status == _STATUS_CODE[InstanceStatus.RUNNING],
            )
        )
        if task_ids is not None:
            query = query.where(TaskRow.id.in_(task_ids))
        async with self._read() as session:
            return [_queued(row) for row in (await session.execute(query)).all()]

    async def queued_task(self, task_id: int) -> QueuedTask | None:
        query = (
            select(*_QUEUED_COLUMNS)
            .join(InstanceRow, InstanceRow.id == TaskRow.instance_id)
            .where(TaskRow.id == task_id)
        )
        async with self._read() as session:
            row = (await session.execute(query)).first()
            return None if row is None else _queued(row)

    async def task_outcome(self, instance_id: str, task_name: str) -> TaskOutcome | None:
        async with self._read() as session:
            query = select(TASKS).where(TASKS.c.instance_id == instance_id, TASKS.c.name == task_name)
            row = (await session.execute(query)).mappings().first()
            if row is None:
                return None
            task_id = row["id"]
            task = state_rows.task_from_mapping(
                row, (await _properties_of(session, [task_id])).get(task_id, {})
            )
            stdout = await _read_output(session, task_id, STDOUT, row["stdout_bytes"])
            stderr = await _read_output(session, task_id, STDERR, row["stderr_bytes"])
            return TaskOutcome(task, row["result"], stdout, stderr)

    async def events_after(
        self, instance_id: str, after_seq: int, *, include_output: bool, limit: int = 500
    ) -> list[StoredEvent] | None:
        """Recorded events after ``after_seq`` in order, at most ``limit``; None when the instance is gone."""
        query = select(InstanceEventRow.seq, InstanceEventRow.kind, InstanceEventRow.data).where(
            InstanceEventRow.instance_id == instance_id, InstanceEventRow.seq > after_seq
        )
        if not include_output:
            query = query.where(InstanceEventRow.kind != OUTPUT)
        query = query.order_by(InstanceEventRow.seq).limit(limit)
        async with self._read() as session:
            rows = (await session.execute(query)).all()
            if not rows and await session.get(InstanceRow, instance_id) is None:
                return None
        return [
            StoredEvent(instance_id, seq, kind, data, terminal=is_terminal(kind, data))
            for seq, kind, data in rows
        ]

    async def task_ref(self, instance_id: str, task_name: str) -> TaskRef | None:
        async with self._read() as session:
            row = (
                await session.execute(
                    select(TaskRow.id, TaskRow.attempts).where(
                        TaskRow.instance_id == instance_id, TaskRow.name == task_name
                    )
                )
            ).first()
        return None if row is None else TaskRef(row[0], instance_id, task_name, row[1])

    async def output_after(self, task_id: int, stream: int, offset: int) -> OutputState:
        """The kept chunks of one stream that end after ``offset``, read in one snapshot with the status."""
        of_stream = (TaskOutputRow.task_id == task_id, TaskOutputRow.stream == stream)
        chunk_end = TaskOutputRow.offset + func.length(TaskOutputRow.data)
        async with self._read() as session:
            status = await session.scalar(select(TaskRow.status).where(TaskRow.id == task_id))
            end = await session.scalar(select(func.max(chunk_end)).where(*of_stream))
            rows = (
                await session.execute(
                    select(TaskOutputRow.offset, TaskOutputRow.data)
                    .where(*of_stream, chunk_end > offset)
                    .order_by(TaskOutputRow.offset)
                )
            ).all()
        terminal = status is None or TaskStatus(status).is_terminal
        return OutputState([(o, d) for o, d in rows], int(end or 0), terminal)

    async def active_task_ids(
        self, worker: str | None = None, *, unleased_only: bool = False
    ) -> list[tuple[str, int]]:
        """(instance id, task id) of tasks that hold a worker slot, of one worker or of all; with
        ``unleased_only``, only those without a lease (assigned before leases existed)."""
        query = select(TaskRow.instance_id, TaskRow.id).where(holds_slot())
        if worker is not None:
            query = query.where(TaskRow.worker == worker)
        if unleased_only:
            query = query.where(TaskRow.lease_expires.is_(None))
        async with self._read() as session:
            return [(row[0], row[1]) for row in (await session.execute(query)).all()]

    async def held_tasks(self) -> list[tuple[str, int, str]]:
        """(instance id, task id, worker id) of every task that holds a worker slot."""
        query = select(TaskRow.instance_id, TaskRow.id, TaskRow.worker).where(holds_slot())
        async with self._read() as session:
            return [(row[0], row[1], row[2]) for row in (await session.execute(query)).all()]

    async def count_by_status(self) -> dict[str, int]:
        async with self._read() as session:
            rows = (
                await session.execute(select(InstanceRow.status, func.count()).group_by(InstanceRow.status))
            ).all()
        return {_STATUS_FROM_CODE[code].value: count for code, count in rows}

    async def count_tasks_by_status(self) -> dict[TaskStatus, int]:
        """Tasks per status: one grouped count over the ix_tasks_status index."""
        async with self._read() as session:
            rows = (
                await session.execute(select(TaskRow.status, func.count()).group_by(TaskRow.status))
            ).all()
        return {TaskStatus(code): count for code, count in rows}


class Transaction:
    """One write transaction; domain objects loaded here are saved back with ``save``."""

    def __init__(
        self,
        conn: AsyncConnection,
        *,
        sole_writer: bool,
        prepared: PreparedStatements | None = None,
        sqlite: sqlite3.Connection | None = None,
    ) -> None:
        self.conn = conn
        self._session: AsyncSession | None = None
        # With SQLite run inline (``sqlite``, the connection's own sqlite3 connection), hot statements skip
        # SQLAlchemy's execute, and the transaction begins and commits there: SQLAlchemy's begin and commit
        # cost more than the statements of a short transaction. SQLAlchemy joins it when a step uses it.
        self._prepared = prepared if sqlite is not None else None
        self._sqlite = sqlite
        # With one writer at a time (SQLite), the log's sequence numbers are counted here from the
        # instance rows this transaction read, and its events are written once at the end: one UPDATE
        # per instance and one INSERT, not two statements per change. With concurrent writers
        # (PostgreSQL), each change takes its numbers from the locked row at once.
        self._last_seqs: dict[str, int] | None = {} if sole_writer else None
        self._advanced: set[str] = set()
        self._new_events: dict[tuple[str, int], dict[str, object]] = {}
        self._baseline = state_rows.Baseline()  # what load/load_task read, so save writes only changes
        self.recorded: list[StoredEvent] = []  # published once the transaction commits
        self.queued: list[int] = []  # tasks this transaction made runnable
        self.worker_signals: list[notify.WorkerSignal] = []  # for workers of other replicas
        # Instances whose GetInstance answer this transaction may change: every write method adds the
        # instances it writes to, so the store's answer cache drops them when it commits.
        self.touched: set[str] = set()

    def touch(self, *instance_ids: str) -> None:
        """Marks instances changed: for writes made through ``session`` directly."""
        self.touched.update(instance_ids)

    def signals(self) -> list[notify.Signal]:
        """What the other replicas hear of this transaction once it commits."""
        logs: dict[str, tuple[int, bool, bool]] = {}
        for event in self.recorded:
            _, progress_only, terminal = logs.get(event.instance_id, (0, True, False))
            logs[event.instance_id] = (
                event.seq,
                progress_only and event.kind == changes.PROGRESS,
                terminal or event.terminal,
            )
        signals: list[notify.Signal] = [
            notify.EventsCommitted(REPLICA_ID, instance_id, *log) for instance_id, log in logs.items()
        ]
        signals += notify.queued_signals(REPLICA_ID, self.queued)
        signals += self.worker_signals
        return signals

    async def rows(self, statement: Executable, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Runs a hot statement (a module constant); its rows as mappings."""
        raw = self._sqlite
        if raw is not None and self._prepared is not None:
            return prepared.execute(raw, self._prepared.get(statement), params)
        return [dict(row) for row in (await (await self.core()).execute(statement, params)).mappings()]

    async def write(
        self,
        statement: Executable,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        column_keys: Sequence[str] = (),
    ) -> None:
        """Runs a hot statement (a module constant) once, or once per parameter set of a list."""
        raw = self._sqlite
        if raw is not None and self._prepared is not None:
            for_sqlite = self._prepared.get(statement, column_keys)
            if isinstance(params, Mapping):
                prepared.execute(raw, for_sqlite, params)
            else:
                prepared.execute_many(raw, for_sqlite, params)
            return
        await (await self.core()).execute(statement, params if isinstance(params, Mapping) else list(params))

    async def core(self) -> AsyncConnection:
        """The connection, in this transaction, for statements run through SQLAlchemy."""
        if not self.conn.in_transaction():
            # Begun on sqlite3 itself: SQLAlchemy joins it (its begin hook issues no second BEGIN).
            await self.conn.begin()
        return self.conn

    async def orm(self) -> AsyncSession:
        """An ORM session in this transaction, made on first use; the transaction's end flushes it.

        The connection is in its transaction first: a session that began one itself would own it and
        roll it back when closed."""
        if self._session is None:
            # It joins the connection's transaction and leaves its commit to the transaction.
            self._session = AsyncSession(bind=await self.core(), expire_on_commit=False)
        return self._session

    async def begin(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("BEGIN")
        else:
            await self.conn.begin()

    async def commit(self) -> None:
        if self.conn.in_transaction():  # SQLAlchemy began it, or joined it: its commit is sqlite3's
            await self.conn.commit()
        elif self._sqlite is not None:
            self._sqlite.commit()

    async def rollback(self) -> None:
        if self.conn.in_transaction():
            await self.conn.rollback()
        elif self._sqlite is not None and self._sqlite.in_transaction:
            self._sqlite.rollback()

    async def flush(self) -> None:
        """Writes what is kept for the end of the transaction: the log's events and the ORM's changes."""
        if self._last_seqs is not None:
            for instance_id in sorted(self._advanced):
                await self.write(_SET_LAST_SEQ, {"_id": instance_id, "v": self._last_seqs[instance_id]})
            self._advanced.clear()
            if self._new_events:
                await self.write(_INSERT_EVENT, list(self._new_events.values()), _EVENT_COLUMNS)
                self._new_events.clear()
        if self._session is not None:
            await self._session.flush()

    async def close(self) -> None:
        """Closes the ORM session, before the commit or rollback (it never owns the transaction)."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def lock_instances_of_tasks(self, task_ids: Sequence[int]) -> None:
        """Locks the instances of these tasks in id order, before a transaction that writes to several."""
        owners = select(TaskRow.instance_id).where(TaskRow.id.in_(task_ids))
        await (await self.orm()).execute(
            select(InstanceRow.id)
            .where(InstanceRow.id.in_(owners))
            .order_by(InstanceRow.id)
            .with_for_update(key_share=True)
        )

    async def record(self, instance_id: str, events: Sequence[NewEvent], time: datetime) -> list[int]:
        """Numbers ``events`` with the instance's next sequence numbers and appends them to its log.

        Returns their sequence numbers (none when the instance is gone). Progress goes through
        ``record_progress``, which also replaces the task's previous progress event.
        """
        if not events:
            return []
        self.touched.add(instance_id)  # its seq
        last = await self._advance_seq(instance_id, len(events))
        if last is None:
            return []
        seqs = list(range(last - len(events) + 1, last + 1))
        rows = []
        for seq, new in zip(seqs, events, strict=True):
            message = new.message
            message.seq = seq
            set_timestamp(message.time, time)
            data = message.SerializeToString()
            rows.append({"instance_id": instance_id, "seq": seq, "kind": new.kind, "data": data})
            self.recorded.append(StoredEvent(instance_id, seq, new.kind, data, new.task_id, new.terminal))
        if self._last_seqs is None:
            await self.write(_INSERT_EVENT, rows, _EVENT_COLUMNS)
        else:
            self._new_events.update(((instance_id, seq), row) for seq, row in zip(seqs, rows, strict=True))
        return seqs

    async def _advance_seq(self, instance_id: str, count: int) -> int | None:
        """Takes ``count`` sequence numbers of the instance's log; the last one, None when it is gone."""
        if self._last_seqs is None:
            advanced: int | None = (
                await (await self.core()).execute(_ADVANCE_SEQ, {"_id": instance_id, "n": count})
            ).scalar()
            return advanced
        last = self._last_seqs.get(instance_id)
        if last is None:
            found = await self.rows(_LAST_SEQ, {"_id": instance_id})
            if not found:
                return None
            last = int(found[0]["last_seq"])
        self._last_seqs[instance_id] = last + count
        self._advanced.add(instance_id)
        return last + count

    @property
    def sole_writer(self) -> bool:
        """Whether no other transaction writes meanwhile (SQLite)."""
        return self._last_seqs is not None

    def knows_seq(self, instance: Instance) -> None:
        """The instance's last seq as just read; a number taken in this transaction stays newer."""
        if self._last_seqs is not None:
            instance.seq = self._last_seqs.setdefault(instance.id, instance.seq)

    async def record_progress(self, task: TaskRef, progress: bytes, time: datetime) -> None:
        """Stores a task's latest progress and its event, which replaces the task's previous progress
        event in the log: a watcher that resumes from an older cursor gets the latest, not every step."""
        self.touched.add(task.instance_id)
        seqs = await self.record(
            task.instance_id, [changes.progress(task.task_id, task.name, progress)], time
        )
        if not seqs:
            return
        if task.progress_seq and self._new_events.pop((task.instance_id, task.progress_seq), None) is None:
            await self.write(_DELETE_EVENT, {"_instance": task.instance_id, "_seq": task.progress_seq})
        await self.write(_SET_PROGRESS, {"_id": task.task_id, "v_progress": progress, "v_seq": seqs[0]})

    async def add_instance(self, instance: Instance, tasks: Sequence[NewTask]) -> None:
        """Inserts a new instance; InvalidArgument-free: callers validated it. Task ids are filled in."""
        self.touched.add(instance.id)
        row = dict(
            id=instance.id,
            project=instance.project,
            owner=instance.owner,
            priority=instance.priority,
            status=_STATUS_CODE[instance.status],
            successful=False,
            create_time=instance.create_time,
            parent_instance=instance.parent_instance,
            request_id=instance.request_id or None,
            cancel_on_task_failure=instance.options.cancel_on_task_failure,
            max_interrupted_retries=instance.options.max_interrupted_retries,
            task_timeout=instance.options.task_timeout,
            labels_json=json.dumps(instance.labels, sort_keys=True),
            last_seq=0,
        )
        try:  # the instance row first: the rest refer to it
            await self.write(_INSERT_INSTANCE, row, tuple(row))
        except (IntegrityError, sqlite3.IntegrityError) as exc:  # only the request_id constraint can clash
            raise DuplicateRequest() from exc
        if instance.labels:
            labels = [{"instance_id": instance.id, "key": k, "value": v} for k, v in instance.labels.items()]
            await self.write(_INSERT_LABEL, labels, tuple(labels[0]))
        held = TaskStatus.SUSPENDED  # a held instance's tasks wait for ResumeInstance
        status = held if instance.status == InstanceStatus.SUSPENDED else TaskStatus.WAITING
        rows = [
            {
                "instance_id": instance.id,
                "index": i,
                "name": spec.name,
                "type": spec.type,
                "parameters_json": spec.parameters_json,
                "python_object": spec.python_object or None,
                "python_environment": spec.python_environment or None,
                "timeout": spec.timeout,
                "status": int(status),
                "attempts": 0,
                "interruptions": 0,
                "worker": "",
                "assignment_id": "",
                "started": False,
                "grace_period": 0.0,
                "stdout_bytes": 0,
                "stderr_bytes": 0,
                "progress_seq": 0,
                "interruption_reason": "",  # every defaulted column: the raw path fills in no defaults
                "required_labels_json": json.dumps(spec.required_labels, sort_keys=True),
            }
            for i, spec in enumerate(tasks)
        ]
        if self._sqlite is not None:
            # sqlite3's executemany returns no rows; the new instance's tasks are exactly those inserted.
            await self.write(_INSERT_TASK, rows, tuple(rows[0]) if rows else ())
            task_ids = [r["id"] for r in await self.rows(_TASK_IDS, {"_id": instance.id})]
        else:
            # One multi-row INSERT instead of an ORM object per task: an instance may have 10,000.
            inserted = await (await self.core()).execute(
                TASKS.insert().returning(TASKS.c.id, sort_by_parameter_order=True), rows
            )
            task_ids = list(inserted.scalars().all())
        instance.tasks = [
            Task(
                id=task_id,
                index=i,
                name=spec.name,
                type=spec.type,
                status=status,
                parameters_json=spec.parameters_json,
                timeout=spec.timeout,
                required_labels=dict(spec.required_labels),
            )
            for i, (task_id, spec) in enumerate(zip(task_ids, tasks, strict=True))
        ]
        if instance.status != InstanceStatus.SUSPENDED:
            self.queued += [task.id for task in instance.tasks]

    async def load(self, instance_id: str) -> Instance | None:
        """The instance with its tasks, locked until the transaction ends: its state changes one
        transaction at a time."""
        conn = await self.core()
        query = select(INSTANCES).where(INSTANCES.c.id == instance_id).with_for_update(key_share=True)
        row = (await conn.execute(query)).mappings().first()
        if row is None:
            return None
        instance = state_rows.instance_from_mapping(row)
        tasks = select(*TASK_STATE).where(TASKS.c.instance_id == instance_id).order_by(TASKS.c.index)
        instance.tasks = [state_rows.task_from_mapping(t, {}) for t in (await conn.execute(tasks)).mappings()]
        self._baseline.remember(instance)
        self.knows_seq(instance)
        return instance

    async def load_task(self, task_id: int, *, summary: bool = True) -> Instance | None:
        """The instance of a task with only that task loaded, and a summary of its other tasks (without
        ``summary``, a stand-in for steps that never end the instance, such as a start)."""
        found = await self.rows(_TASK_WITH_INSTANCE, {"_id": task_id})
        if not found:
            return None
        row = found[0]
        instance = state_rows.instance_from_mapping(row, prefix="i_")
        instance.tasks = [state_rows.task_from_mapping(row, {})]
        if summary:
            summary_row = await self.rows(_OTHER_TASKS, {"_instance": instance.id, "_id": task_id})
            any_open, any_unsuccessful = summary_row[0].values()
            instance.others = OtherTasks(bool(any_open), bool(any_unsuccessful))
        else:
            instance.others = OtherTasks(any_open=True, any_unsuccessful=False)
        self._baseline.remember(instance)
        self.knows_seq(instance)
        return instance

    async def save(self, instance: Instance) -> None:
        """Writes back what changed in the instance and its loaded tasks since they were loaded."""
        self.touched.add(instance.id)
        for task in instance.tasks:
            stored = self._baseline.stored_status(task.id)
            if task.status in QUEUED and stored is not None and stored != int(task.status):
                self.queued.append(task.id)
        await self._baseline.save(self.write, instance)

    async def set_result(
        self, task: TaskRef, result: bytes | None, stdout_bytes: int, stderr_bytes: int
    ) -> None:
        task_id = task.task_id
        self.touched.add(task.instance_id)
        values = {"_id": task_id, "v_result": result, "v_stdout": stdout_bytes, "v_stderr": stderr_bytes}
        await self.write(_SET_RESULT, values)

    async def set_property(self, task: TaskRef, key: str, value: bytes, max_count: int | None = None) -> bool:
        """Sets a property; False (nothing set) when it is new and the task already has ``max_count``."""
        task_id = task.task_id
        self.touched.add(task.instance_id)
        session = await self.orm()
        existing = await session.get(TaskPropertyRow, (task_id, key))
        if existing is None:
            if max_count is not None:
                count = await session.scalar(select(func.count()).where(TaskPropertyRow.task_id == task_id))
                if (count or 0) >= max_count:
                    return False
            session.add(TaskPropertyRow(task_id=task_id, key=key, value=value))
        else:
            existing.value = value
        return True

    async def add_output(self, task: TaskRef, stream: int, offset: int, data: bytes) -> None:
        task_id = task.task_id
        self.touched.add(task.instance_id)  # output chunks are not in its answer; their event (seq) is
        session = await self.orm()
        await session.execute(
            delete(TaskOutputRow).where(
                TaskOutputRow.task_id == task_id,
                TaskOutputRow.stream == stream,
                TaskOutputRow.offset == offset,
            )
        )
        session.add(TaskOutputRow(task_id=task_id, stream=stream, offset=offset, data=data))

    async def clear_attempt_output(self, task_id: int) -> None:
        """A retried task starts its output afresh (output chunks are no part of an instance's answer)."""
        await (await self.orm()).execute(delete(TaskOutputRow).where(TaskOutputRow.task_id == task_id))


class DuplicateRequest(Exception):
    """Another call with the same request_id created the instance first."""


def encode_page_token(last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode()


def decode_page_token(token: str) -> str:
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument.one("page_token", "is not a token this server handed out") from exc
    if not isinstance(after, str):
        raise InvalidArgument.one("page_token", "is not a token this server handed out")
    return after


# -- row <-> domain -------------------------------------------------------------------------------------

_STATUS_CODE = {InstanceStatus.RUNNING: 1, InstanceStatus.SUSPENDED: 2, InstanceStatus.TERMINATED: 3}
_STATUS_FROM_CODE = {v: k for k, v in _STATUS_CODE.items()}
_OPEN_CODES = [int(status) for status in TaskStatus if not status.is_terminal]
_UNSUCCESSFUL_CODES = [int(s) for s in TaskStatus if s.is_terminal and s != TaskStatus.SUCCESS]


# Statements of the hot paths, built once.
_EVENTS = cast(Table, InstanceEventRow.__table__)
_LABELS = cast(Table, InstanceLabelRow.__table__)
_PROPERTIES = cast(Table, TaskPropertyRow.__table__)
_INSERT_EVENT = _EVENTS.insert()
_INSERT_INSTANCE = INSTANCES.insert()
_INSERT_LABEL = _LABELS.insert()
_INSERT_TASK = TASKS.insert()
_TASK_IDS = select(TASKS.c.id).where(TASKS.c.instance_id == bindparam("_id")).order_by(TASKS.c.index)
_EVENT_COLUMNS = ("instance_id", "seq", "kind", "data")
_DELETE_EVENT = _EVENTS.delete().where(
    _EVENTS.c.instance_id == bindparam("_instance"), _EVENTS.c.seq == bindparam("_seq")
)
_SET_PROGRESS = (
    update(TASKS)
    .where(TASKS.c.id == bindparam("_id"))
    .values(progress=bindparam("v_progress"), progress_seq=bindparam("v_seq"))
)
_SET_RESULT = (
    update(TASKS)
    .where(TASKS.c.id == bindparam("_id"))
    .values(
        result=bindparam("v_result"),
        stdout_bytes=bindparam("v_stdout"),
        stderr_bytes=bindparam("v_stderr"),
    )
)
_CLAIM = (
    update(TASKS)
    .where(TASKS.c.id == bindparam("_id"))
    .values(
        {
            column: bindparam("v_" + column)
            for column in ("status", "attempts", "worker", "started", "assignment_id", "lease_expires")
        }
    )
)
_READ_INSTANCE = select(INSTANCES).where(INSTANCES.c.id == bindparam("_id"))
_READ_TASKS = select(*TASK_STATE).where(TASKS.c.instance_id == bindparam("_id")).order_by(TASKS.c.index)
_READ_PROPERTIES = select(_PROPERTIES.c.task_id, _PROPERTIES.c.key, _PROPERTIES.c.value).where(
    _PROPERTIES.c.task_id.in_(select(TASKS.c.id).where(TASKS.c.instance_id == bindparam("_id")))
)
_LAST_SEQ = select(INSTANCES.c.last_seq).where(INSTANCES.c.id == bindparam("_id"))
_SET_LAST_SEQ = update(INSTANCES).where(INSTANCES.c.id == bindparam("_id")).values(last_seq=bindparam("v"))
_ADVANCE_SEQ = (
    update(INSTANCES)
    .where(INSTANCES.c.id == bindparam("_id"))
    .values(last_seq=INSTANCES.c.last_seq + bindparam("n"))
    .returning(INSTANCES.c.last_seq)
)
_TASK_WITH_INSTANCE = (
    select(*TASK_STATE, *INSTANCE_AS_PREFIXED)
    .join_from(TASKS, INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
    .where(TASKS.c.id == bindparam("_id"))
)
_SIBLINGS = (TASKS.c.instance_id == bindparam("_instance"), TASKS.c.id != bindparam("_id"))
# The status codes are written into the SQL (not an expanding IN parameter), so it compiles once.
_OTHER_TASKS = select(
    exists().where(*_SIBLINGS, TASKS.c.status.in_([literal_column(str(c)) for c in _OPEN_CODES])),
    exists().where(*_SIBLINGS, TASKS.c.status.in_([literal_column(str(c)) for c in _UNSUCCESSFUL_CODES])),
)
_INSTANCE_OF_TASK = select(TASKS.c.instance_id).where(TASKS.c.id == bindparam("_id"))
# SKIP LOCKED: a claim never waits behind another transaction holding the instance (PostgreSQL).
_CLAIM_INSTANCE = (
    select(INSTANCES)
    .where(INSTANCES.c.id == _INSTANCE_OF_TASK.scalar_subquery())
    .with_for_update(key_share=True, skip_locked=True)
)
_CLAIM_TASK = select(*TASK_STATE, TASKS.c.python_object, TASKS.c.python_environment).where(
    TASKS.c.id == bindparam("_id")
)
# With one writer (SQLite) a claim locks nothing: the task and its instance are read in one join.
_CLAIM_JOINED = (
    select(*TASK_STATE, TASKS.c.python_object, TASKS.c.python_environment, *INSTANCE_AS_PREFIXED)
    .join_from(TASKS, INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
    .where(TASKS.c.id == bindparam("_id"))
)
_INSTANCE_KEYS = [c.key for c in INSTANCES.c]
_CURRENT_TASK = select(
    TASKS.c.instance_id, TASKS.c.name, TASKS.c.attempts, TASKS.c.status, TASKS.c.progress_seq
).where(
    TASKS.c.id == bindparam("_id"),
    TASKS.c.assignment_id == bindparam("_assignment"),
    TASKS.c.worker == bindparam("_worker"),
)


def instance_status_code(status: InstanceStatus) -> int:
    """How an instance status is stored."""
    return _STATUS_CODE[status]


async def _load_instance(session: AsyncSession, instance_id: str) -> Instance | None:
    """An instance with its tasks and their properties, read in the session's snapshot."""
    params = {"_id": instance_id}
    row = (await session.execute(_READ_INSTANCE, params)).mappings().first()
    if row is None:
        return None
    task_rows = (await session.execute(_READ_TASKS, params)).mappings().all()
    property_rows = (await session.execute(_READ_PROPERTIES, params)).mappings().all()
    return _instance_of(row, task_rows, property_rows)


def _instance_of(
    row: Mapping[Any, Any] | None,
    task_rows: Sequence[Mapping[Any, Any]],
    property_rows: Sequence[Mapping[Any, Any]],
) -> Instance | None:
    """The instance the rows of _READ_INSTANCE, _READ_TASKS and _READ_PROPERTIES describe."""
    if row is None:
        return None
    properties: dict[int, dict[str, bytes]] = {}
    for p in property_rows:
        properties.setdefault(p["task_id"], {})[p["key"]] = p["value"]
    instance = state_rows.instance_from_mapping(row)
    instance.tasks = [state_rows.task_from_mapping(t, properties.get(t["id"], {})) for t in task_rows]
    return instance


async def _tasks_of(
    session: AsyncSession, instance_ids: list[str], *, with_properties: bool
) -> dict[str, list[Task]]:
    if not instance_ids:
        return {}
    query = (
        select(*TASK_STATE)
        .where(TASKS.c.instance_id.in_(instance_ids))
        .order_by(TASKS.c.instance_id, TASKS.c.index)
    )
    rows = list((await session.execute(query)).mappings())
    properties = await _properties_of(session, [r["id"] for r in rows]) if with_properties else {}
    tasks: dict[str, list[Task]] = {}
    for r in rows:
        tasks.setdefault(r["instance_id"], []).append(
            state_rows.task_from_mapping(r, properties.get(r["id"], {}))
        )
    return tasks


async def _properties_of(session: AsyncSession, task_ids: list[int]) -> dict[int, dict[str, bytes]]:
    result: dict[int, dict[str, bytes]] = {}
    for chunk_start in range(0, len(task_ids), 500):
        chunk = task_ids[chunk_start : chunk_start + 500]
        query = select(_PROPERTIES.c.task_id, _PROPERTIES.c.key, _PROPERTIES.c.value).where(
            _PROPERTIES.c.task_id.in_(chunk)
        )
        for task_id, key, value in (await session.execute(query)).all():
            result.setdefault(task_id, {})[key] = value
    return result


def holds_slot() -> ColumnElement[bool]:
    """Tasks that hold a worker slot: assigned, running, cancelling, or paused on their worker."""
    return TaskRow.status.in_([int(s) for s in ACTIVE]) | and_(
        TaskRow.status == int(TaskStatus.SUSPENDED), TaskRow.worker != ""
    )


async def _read_output(session: AsyncSession, task_id: int, stream: int, total: int) -> Output:
    """The kept output with a marker line where the middle was cut."""
    chunks = await session.execute(
        select(TaskOutputRow.offset, TaskOutputRow.data)
        .where(TaskOutputRow.task_id == task_id, TaskOutputRow.stream == stream)
        .order_by(TaskOutputRow.offset)
    )
    parts: list[bytes] = []
    position = cut = 0
    for offset, data in chunks.all():
        if offset > position:
            parts.append(CUT_MARKER % (offset - position))
            cut += offset - position
        elif offset < position:
            data = data[position - offset :]  # overlapping chunk: keep only the new bytes
        parts.append(data)
        position = max(position, offset + len(data))
    total = max(total, position)
    return Output(b"".join(parts), total, cut)


class InstanceBusy(Exception):
    """Another transaction holds the task's instance: claim the task later."""


async def claim(
    tx: Transaction, task_id: int, worker: str, time: datetime, lease_expires: datetime
) -> Payload | None:
    """Moves a queued task of a running instance to ASSIGNED on ``worker``, leased to it until
    ``lease_expires``; what the worker needs to run it, or None when it is no longer queued.

    Raises InstanceBusy when another transaction (of any replica) holds the instance: SKIP LOCKED, so a
    dispatcher never waits behind another one, and whoever claims first wins.
    """
    if tx.sole_writer:  # nothing else holds the instance: the task with its instance in one read
        found = await tx.rows(_CLAIM_JOINED, {"_id": task_id})
        if not found:
            return None  # the task (and so its instance) is gone
        row = found[0]
        instance_row: Mapping[str, Any] = {key: row["i_" + key] for key in _INSTANCE_KEYS}
    else:
        instances = await tx.rows(_CLAIM_INSTANCE, {"_id": task_id})
        if not instances:
            if not await tx.rows(_INSTANCE_OF_TASK, {"_id": task_id}):
                return None  # the task (and so its instance) is gone
            raise InstanceBusy(task_id)
        instance_row = instances[0]
        tasks = await tx.rows(_CLAIM_TASK, {"_id": task_id})
        if not tasks:
            return None
        row = tasks[0]
    if instance_row["status"] != _STATUS_CODE[InstanceStatus.RUNNING]:
        return None
    if TaskStatus(row["status"]) not in QUEUED:
        return None
    previous = TaskStatus(row["status"])
    tx.touch(instance_row["id"])
    attempts = row["attempts"] + 1
    claimed = {
        "status": int(TaskStatus.ASSIGNED),
        "attempts": attempts,
        "worker": worker,
        "started": False,
        "assignment_id": f"{task_id}-{attempts}",
    }
    values = {"_id": task_id, "v_lease_expires": lease_expires, **{"v_" + k: v for k, v in claimed.items()}}
    await tx.write(_CLAIM, values)
    if attempts > 1:
        await tx.clear_attempt_output(task_id)
    task = state_rows.task_from_mapping({**row, **claimed}, {})
    instance = state_rows.instance_from_mapping(instance_row)
    tx.knows_seq(instance)
    event = changes.task_status_changed(task, instance, previous)
    await tx.record(instance.id, [event], time)
    return Payload(
        assignment_id=task.assignment_id,
        attempt=attempts,
        task_id=task_id,
        instance_id=instance.id,
        project=instance.project,
        owner=instance.owner,
        task_name=task.name,
        type=task.type,
        parameters_json=task.parameters_json,
        python_object=row["python_object"] or b"",
        python_environment=row["python_environment"] or b"",
        timeout=task.timeout,
    )


async def current_task(tx: Transaction, task_id: int, assignment_id: str, worker: str) -> TaskRef | None:
    """The task when reports of ``worker`` for ``assignment_id`` still count: the attempt is current,
    still held by that worker (its lease did not expire) and not finished."""
    found = await tx.rows(_CURRENT_TASK, {"_id": task_id, "_assignment": assignment_id, "_worker": worker})
    row = found[0] if found else None
    if row is None or TaskStatus(row["status"]).is_terminal:
        return None
    return TaskRef(task_id, row["instance_id"], row["name"], row["attempts"], row["progress_seq"])


async def _notify(conn: AsyncConnection, signals: Sequence[notify.Signal]) -> None:
    """Queues the signals in the transaction: PostgreSQL sends them when, and only if, it commits."""
    if signals:
        await conn.execute(
            text("SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload"),
            {"channel": notify.CHANNEL, "payloads": [notify.encode(signal) for signal in signals]},
        )
