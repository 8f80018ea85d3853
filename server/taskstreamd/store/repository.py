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
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import undefer

from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.domain.model import (
    ACTIVE,
    QUEUED,
    Cancellation,
    Instance,
    InstanceOptions,
    OtherTasks,
    Task,
    TaskFailure,
)
from taskstreamd.errors import InvalidArgument
from taskstreamd.events import changes
from taskstreamd.events.changes import OUTPUT, NewEvent, StoredEvent, is_terminal
from taskstreamd.replica import REPLICA_ID
from taskstreamd.store import notify
from taskstreamd.store.answers import DEFAULT_CAPACITY, AnswerCache
from taskstreamd.store.engine import create_engine, create_read_engine, is_postgresql, is_sqlite
from taskstreamd.store.models import (
    InstanceEventRow,
    InstanceLabelRow,
    InstanceRow,
    TaskOutputRow,
    TaskPropertyRow,
    TaskRow,
)

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


def _queued(row: Row[int, str, int, int, str, str]) -> QueuedTask:
    priority, instance_id, index, task_id, task_type, labels_json = row
    labels = tuple(sorted(json.loads(labels_json or "{}").items()))
    return QueuedTask(priority, instance_id, index, task_id, task_type, labels)


_QUEUED_COLUMNS = (
    InstanceRow.priority,
    TaskRow.instance_id,
    TaskRow.index,
    TaskRow.id,
    TaskRow.type,
    TaskRow.required_labels_json,
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
        self.shared = is_postgresql(url)  # other replicas may use the same database
        # Called after each commit with the events it recorded, in commit order (the write lock
        # orders commits with SQLite).
        self.on_commit: Callable[[list[StoredEvent]], None] | None = None
        # GetInstance answers per instance, invalidated by the commits that touch it; only where this
        # process sees every commit (not with replicas sharing PostgreSQL).
        self.answers = AnswerCache(cached_answers) if not self.shared and cached_answers > 0 else None

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        if self._write_lock is None:
            async with self._transaction() as tx:
                yield tx
            return
        async with self._write_lock, self._transaction() as tx:
            yield tx

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Transaction]:
        tx: Transaction | None = None
        committing = False
        try:
            async with self._sessions.begin() as session:
                tx = Transaction(session)
                yield tx
                if self.shared:
                    await _notify(session, tx.signals())
                if self.answers is not None and tx.touched:
                    self.answers.committing(tx.touched)
                    committing = True
        finally:
            # Committed or not, before anyone hears of it. A transaction that failed before its commit
            # changed nothing, but a driver whose reads saw its writes must not leave them cached.
            if self.answers is not None and tx is not None and tx.touched:
                if committing:
                    self.answers.committed(tx.touched)
                else:
                    self.answers.invalidate(tx.touched)
        self._committed(tx)

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
        async with self._read() as session:
            return await _load_instance(session, instance_id, with_properties=True)

    async def find_by_request_id(self, project: str, request_id: str) -> Instance | None:
        async with self._read() as session:
            found = await session.scalar(
                select(InstanceRow.id).where(
                    InstanceRow.project == project, InstanceRow.request_id == request_id
                )
            )
            return None if found is None else await _load_instance(session, found, with_properties=True)

    async def list_instances(
        self, where: ListFilter, page_size: int, after_id: str | None
    ) -> tuple[list[Instance], bool]:
        """A page of instances newest first, and whether more follow."""
        query: Select[InstanceRow] = select(InstanceRow).where(InstanceRow.project == where.project)
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
            rows = list((await session.scalars(query)).all())
            instances = [_instance_from_row(row) for row in rows[:page_size]]
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
            row = await session.scalar(
                select(TaskRow)
                .where(TaskRow.instance_id == instance_id, TaskRow.name == task_name)
                .options(undefer(TaskRow.result), undefer(TaskRow.error_pickle))
            )
            if row is None:
                return None
            task = _task_from_row(row, (await _properties_of(session, [row.id])).get(row.id, {}))
            stdout = await _read_output(session, row.id, STDOUT, row.stdout_bytes)
            stderr = await _read_output(session, row.id, STDERR, row.stderr_bytes)
            return TaskOutcome(task, row.result, stdout, stderr)

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

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
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

    async def lock_instances_of_tasks(self, task_ids: Sequence[int]) -> None:
        """Locks the instances of these tasks in id order, before a transaction that writes to several."""
        owners = select(TaskRow.instance_id).where(TaskRow.id.in_(task_ids))
        await self.session.execute(
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
        s = self.session
        last = await s.scalar(
            update(InstanceRow)
            .where(InstanceRow.id == instance_id)
            .values(last_seq=InstanceRow.last_seq + len(events))
            .returning(InstanceRow.last_seq)
        )
        if last is None:
            return []
        seqs = list(range(last - len(events) + 1, last + 1))
        rows = []
        for seq, new in zip(seqs, events, strict=True):
            message = new.message
            message.seq = seq
            message.time.FromDatetime(time)
            data = message.SerializeToString()
            rows.append({"instance_id": instance_id, "seq": seq, "kind": new.kind, "data": data})
            self.recorded.append(StoredEvent(instance_id, seq, new.kind, data, new.task_id, new.terminal))
        await s.execute(insert(InstanceEventRow), rows)
        return seqs

    async def record_progress(self, task: TaskRef, progress: bytes, time: datetime) -> None:
        """Stores a task's latest progress and its event, which replaces the task's previous progress
        event in the log: a watcher that resumes from an older cursor gets the latest, not every step."""
        self.touched.add(task.instance_id)
        seqs = await self.record(
            task.instance_id, [changes.progress(task.task_id, task.name, progress)], time
        )
        if not seqs:
            return
        if task.progress_seq:
            await self.session.execute(
                delete(InstanceEventRow).where(
                    InstanceEventRow.instance_id == task.instance_id,
                    InstanceEventRow.seq == task.progress_seq,
                )
            )
        await self.session.execute(
            update(TaskRow).where(TaskRow.id == task.task_id).values(progress=progress, progress_seq=seqs[0])
        )

    async def add_instance(self, instance: Instance, tasks: Sequence[NewTask]) -> None:
        """Inserts a new instance; InvalidArgument-free: callers validated it. Task ids are filled in."""
        self.touched.add(instance.id)
        s = self.session
        s.add(
            InstanceRow(
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
            )
        )
        try:
            await s.flush()  # the instance row first: labels and tasks refer to it
        except IntegrityError as exc:  # only the request_id constraint can clash here
            raise DuplicateRequest() from exc
        s.add_all(
            InstanceLabelRow(instance_id=instance.id, key=k, value=v) for k, v in instance.labels.items()
        )
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
                "required_labels_json": json.dumps(spec.required_labels, sort_keys=True),
            }
            for i, spec in enumerate(tasks)
        ]
        # One multi-row INSERT instead of an ORM object per task: an instance may have 10,000.
        task_ids = await s.scalars(insert(TaskRow).returning(TaskRow.id, sort_by_parameter_order=True), rows)
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
        """The instance, locked until the transaction ends: its state changes one transaction at a time."""
        return await _load_instance(self.session, instance_id, with_properties=False, lock=True)

    async def load_task(self, task_id: int) -> Instance | None:
        """The instance of a task with only that task loaded, and a summary of its other tasks."""
        s = self.session
        task_row = await s.get(TaskRow, task_id)
        if task_row is None:
            return None
        row = await s.get(InstanceRow, task_row.instance_id)
        if row is None:
            return None
        instance = _instance_from_row(row)
        instance.tasks = [_task_from_row(task_row, {})]
        siblings = (TaskRow.instance_id == row.id, TaskRow.id != task_id)
        any_open = await s.scalar(select(exists().where(*siblings, TaskRow.status.in_(_OPEN_CODES))))
        any_unsuccessful = await s.scalar(
            select(exists().where(*siblings, TaskRow.status.in_(_UNSUCCESSFUL_CODES)))
        )
        instance.others = OtherTasks(bool(any_open), bool(any_unsuccessful))
        return instance

    async def save(self, instance: Instance) -> None:
        """Writes back the instance's and its loaded tasks' state-machine fields."""
        self.touched.add(instance.id)
        row = await self.session.get_one(InstanceRow, instance.id)
        row.status = _STATUS_CODE[instance.status]
        row.successful = instance.successful
        row.start_time = instance.start_time
        row.end_time = instance.end_time
        if instance.others is not None:  # the loaded tasks are in the session already
            for task in instance.tasks:
                _task_to_row(task, await self.session.get_one(TaskRow, task.id))
            return
        task_rows = {
            r.id: r
            for r in await self.session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id))
        }
        for task in instance.tasks:
            task_row = task_rows[task.id]
            if task.status in QUEUED and task_row.status != int(task.status):
                self.queued.append(task.id)
            _task_to_row(task, task_row)

    async def set_result(
        self, task_id: int, result: bytes | None, stdout_bytes: int, stderr_bytes: int
    ) -> None:
        instance_id = await self.session.scalar(
            update(TaskRow)
            .where(TaskRow.id == task_id)
            .values(result=result, stdout_bytes=stdout_bytes, stderr_bytes=stderr_bytes)
            .returning(TaskRow.instance_id)
        )
        if instance_id is not None:
            self.touched.add(instance_id)

    async def set_property(self, task: TaskRef, key: str, value: bytes, max_count: int | None = None) -> bool:
        """Sets a property; False (nothing set) when it is new and the task already has ``max_count``."""
        task_id = task.task_id
        self.touched.add(task.instance_id)
        existing = await self.session.get(TaskPropertyRow, (task_id, key))
        if existing is None:
            if max_count is not None:
                count = await self.session.scalar(
                    select(func.count()).where(TaskPropertyRow.task_id == task_id)
                )
                if (count or 0) >= max_count:
                    return False
            self.session.add(TaskPropertyRow(task_id=task_id, key=key, value=value))
        else:
            existing.value = value
        return True

    async def add_output(self, task: TaskRef, stream: int, offset: int, data: bytes) -> None:
        task_id = task.task_id
        self.touched.add(task.instance_id)  # output chunks are not in its answer; their event (seq) is
        await self.session.execute(
            delete(TaskOutputRow).where(
                TaskOutputRow.task_id == task_id,
                TaskOutputRow.stream == stream,
                TaskOutputRow.offset == offset,
            )
        )
        self.session.add(TaskOutputRow(task_id=task_id, stream=stream, offset=offset, data=data))

    async def clear_attempt_output(self, task_id: int) -> None:
        """A retried task starts its output afresh (output chunks are no part of an instance's answer)."""
        await self.session.execute(delete(TaskOutputRow).where(TaskOutputRow.task_id == task_id))


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


def instance_status_code(status: InstanceStatus) -> int:
    """How an instance status is stored."""
    return _STATUS_CODE[status]


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


async def _load_instance(
    session: AsyncSession, instance_id: str, *, with_properties: bool, lock: bool = False
) -> Instance | None:
    if lock:
        row = await session.scalar(
            select(InstanceRow)
            .where(InstanceRow.id == instance_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    else:
        row = await session.get(InstanceRow, instance_id)
    if row is None:
        return None
    instance = _instance_from_row(row)
    instance.tasks = (await _tasks_of(session, [instance_id], with_properties=with_properties)).get(
        instance_id, []
    )
    return instance


async def _tasks_of(
    session: AsyncSession, instance_ids: list[str], *, with_properties: bool
) -> dict[str, list[Task]]:
    if not instance_ids:
        return {}
    rows = list(
        await session.scalars(
            select(TaskRow)
            .where(TaskRow.instance_id.in_(instance_ids))
            .order_by(TaskRow.instance_id, TaskRow.index)
        )
    )
    properties = await _properties_of(session, [r.id for r in rows]) if with_properties else {}
    tasks: dict[str, list[Task]] = {}
    for r in rows:
        tasks.setdefault(r.instance_id, []).append(_task_from_row(r, properties.get(r.id, {})))
    return tasks


async def _properties_of(session: AsyncSession, task_ids: list[int]) -> dict[int, dict[str, bytes]]:
    result: dict[int, dict[str, bytes]] = {}
    for chunk_start in range(0, len(task_ids), 500):
        chunk = task_ids[chunk_start : chunk_start + 500]
        for p in await session.scalars(select(TaskPropertyRow).where(TaskPropertyRow.task_id.in_(chunk))):
            result.setdefault(p.task_id, {})[p.key] = p.value
    return result


def _instance_from_row(row: InstanceRow) -> Instance:
    return Instance(
        id=row.id,
        project=row.project,
        owner=row.owner,
        priority=row.priority,
        create_time=_utc(row.create_time) or datetime.now(UTC),
        status=_STATUS_FROM_CODE[row.status],
        labels=json.loads(row.labels_json),
        options=InstanceOptions(
            cancel_on_task_failure=row.cancel_on_task_failure,
            max_interrupted_retries=row.max_interrupted_retries,
            task_timeout=row.task_timeout,
        ),
        start_time=_utc(row.start_time),
        end_time=_utc(row.end_time),
        parent_instance=row.parent_instance,
        request_id=row.request_id or "",
        successful=row.successful,
        seq=row.last_seq,
    )


def _task_from_row(row: TaskRow, properties: dict[str, bytes]) -> Task:
    error = None
    if row.error_type is not None:
        pickled = b"" if "error_pickle" in inspect(row).unloaded else (row.error_pickle or b"")
        error = TaskFailure(row.error_type, row.error_message or "", row.error_traceback or "", pickled)
    cancellation = None
    if row.cancel_reason is not None:
        cancellation = Cancellation(
            CancellationReason(row.cancel_reason),
            row.cancel_message or "",
            row.cancel_by or "",
            _utc(row.cancel_time) or datetime.now(UTC),
        )
    return Task(
        id=row.id,
        index=row.index,
        name=row.name,
        type=row.type,
        status=TaskStatus(row.status),
        parameters_json=row.parameters_json,
        timeout=row.timeout,
        attempts=row.attempts,
        interruptions=row.interruptions,
        worker=row.worker,
        assignment_id=row.assignment_id,
        started=row.started,
        start_time=_utc(row.start_time),
        end_time=_utc(row.end_time),
        error=error,
        cancellation=cancellation,
        grace_period=row.grace_period,
        progress=row.progress,
        properties=dict(properties),
        stdout_bytes=row.stdout_bytes,
        stderr_bytes=row.stderr_bytes,
        interruption_reason=row.interruption_reason or "",
        required_labels=json.loads(row.required_labels_json or "{}"),
    )


def holds_slot() -> ColumnElement[bool]:
    """Tasks that hold a worker slot: assigned, running, cancelling, or paused on their worker."""
    return TaskRow.status.in_([int(s) for s in ACTIVE]) | and_(
        TaskRow.status == int(TaskStatus.SUSPENDED), TaskRow.worker != ""
    )


def _task_to_row(task: Task, row: TaskRow) -> None:
    row.status = int(task.status)
    row.attempts = task.attempts
    row.interruptions = task.interruptions
    row.worker = task.worker
    row.assignment_id = task.assignment_id
    row.started = task.started
    row.start_time = task.start_time
    row.end_time = task.end_time
    row.grace_period = task.grace_period
    row.interruption_reason = task.interruption_reason
    if not task.worker or task.is_terminal:
        row.lease_expires = None  # no worker holds it any more
    if task.error is not None:
        row.error_type = task.error.type
        row.error_message = task.error.message
        row.error_traceback = task.error.traceback
        if task.error.pickled_exception:
            row.error_pickle = task.error.pickled_exception
    if task.cancellation is not None:
        row.cancel_reason = int(task.cancellation.reason)
        row.cancel_message = task.cancellation.message
        row.cancel_by = task.cancellation.requested_by
        row.cancel_time = task.cancellation.request_time


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
    instance_id = await tx.session.scalar(select(TaskRow.instance_id).where(TaskRow.id == task_id))
    if instance_id is None:
        return None
    instance_row = await tx.session.scalar(
        select(InstanceRow)
        .where(InstanceRow.id == instance_id)
        .with_for_update(key_share=True, skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if instance_row is None:
        if await tx.session.scalar(select(InstanceRow.id).where(InstanceRow.id == instance_id)) is None:
            return None
        raise InstanceBusy(instance_id)
    if instance_row.status != _STATUS_CODE[InstanceStatus.RUNNING]:
        return None
    row = await tx.session.scalar(
        select(TaskRow)
        .where(TaskRow.id == task_id)
        .options(undefer(TaskRow.python_object), undefer(TaskRow.python_environment))
        .execution_options(populate_existing=True)
    )
    if row is None or TaskStatus(row.status) not in QUEUED:
        return None
    previous = TaskStatus(row.status)
    tx.touch(row.instance_id)
    row.status = int(TaskStatus.ASSIGNED)
    row.attempts += 1
    row.worker = worker
    row.lease_expires = lease_expires
    row.started = False
    row.assignment_id = f"{task_id}-{row.attempts}"
    if row.attempts > 1:
        await tx.clear_attempt_output(task_id)
    task = _task_from_row(row, {})
    event = changes.task_status_changed(task, _instance_from_row(instance_row), previous)
    await tx.record(row.instance_id, [event], time)
    return Payload(
        assignment_id=row.assignment_id,
        attempt=row.attempts,
        task_id=task_id,
        instance_id=row.instance_id,
        project=instance_row.project,
        owner=instance_row.owner,
        task_name=row.name,
        type=row.type,
        parameters_json=row.parameters_json,
        python_object=row.python_object or b"",
        python_environment=row.python_environment or b"",
        timeout=row.timeout,
    )


async def current_task(tx: Transaction, task_id: int, assignment_id: str, worker: str) -> TaskRef | None:
    """The task when reports of ``worker`` for ``assignment_id`` still count: the attempt is current,
    still held by that worker (its lease did not expire) and not finished."""
    row = (
        await tx.session.execute(
            select(
                TaskRow.instance_id, TaskRow.name, TaskRow.attempts, TaskRow.status, TaskRow.progress_seq
            ).where(TaskRow.id == task_id, TaskRow.assignment_id == assignment_id, TaskRow.worker == worker)
        )
    ).first()
    if row is None or TaskStatus(row[3]).is_terminal:
        return None
    return TaskRef(task_id, row[0], row[1], row[2], row[4])


async def _notify(session: AsyncSession, signals: Sequence[notify.Signal]) -> None:
    """Queues the signals in the transaction: PostgreSQL sends them when, and only if, it commits."""
    if signals:
        await session.execute(
            text("SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload"),
            {"channel": notify.CHANNEL, "payloads": [notify.encode(signal) for signal in signals]},
        )
