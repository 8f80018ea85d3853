"""Reads of what is committed, run on a small pool of threads (never on the event loop).

The core answers for the instances it holds in memory itself; these serve everything else: instances
that ended and left memory, lists, the event log past what the fan-out's rings hold, output, results,
request records and tombstones, and the active instances a server loads when it starts.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Select, Table, func, select
from sqlalchemy.engine import Engine

from taskstreamd import bounded_json
from taskstreamd.domain.events import EventCodec, EventKind, RecordedEvent
from taskstreamd.domain.model import Instance, Task
from taskstreamd.domain.project_events import ProjectEvent
from taskstreamd.domain.schedule_model import Schedule
from taskstreamd.domain.vocabulary import InstanceStatus, TaskStatus
from taskstreamd.errors import InvalidArgument
from taskstreamd.store import rows, schedule_rows
from taskstreamd.store.models import (
    InstanceEventRow,
    InstanceLabelRow,
    InstanceRow,
    ProjectEventRow,
    ProjectLogRow,
    RequestRow,
    ScheduleRow,
    TaskInfoRow,
    TaskOutputArchiveRow,
    TaskOutputRow,
    TaskPropertyRow,
    TaskRow,
    TombstoneRow,
)
from taskstreamd.store.rows import INSTANCES, TASK_STATE, TASKS

T = TypeVar("T")
STDOUT, STDERR = 1, 2
CUT_MARKER = b"\n[... taskstream cut %d bytes of output ...]\n"
_PROPERTIES = cast(Table, TaskPropertyRow.__table__)
_SCHEDULES = cast(Table, ScheduleRow.__table__)


@dataclass(frozen=True)
class ListFilter:
    project: str
    statuses: list[InstanceStatus] = field(default_factory=list)
    owner: str = ""
    create_time_start: datetime | None = None
    create_time_end: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)
    successful: bool | None = None  # only terminated instances with this outcome
    exclude_sub_instances: bool = False  # leave out the instances workflows started
    task_types: frozenset[str] = frozenset()  # instances with a task of one of these types


@dataclass(frozen=True)
class InstanceSummary:
    """An instance without its tasks (``instance.tasks`` is empty), with what is fixed about them."""

    instance: Instance
    task_types: list[str]
    task_count: int


@dataclass(frozen=True)
class ProjectLog:
    """Where a project's log stands: its last seq, and the highest seq retention deleted."""

    last_seq: int = 0
    trimmed_seq: int = 0


@dataclass(frozen=True)
class ProjectSnapshot:
    """The newest instances matching a filter, read with where the project's log stood: ``head`` was read
    before the instances and ``tail`` after them (the same in one database snapshot; with PostgreSQL's
    read committed, changes between the two may show in both the instances and the log)."""

    head: ProjectLog
    instances: list[InstanceSummary]
    truncated: bool
    tail: int


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
class OutputState:
    chunks: list[tuple[int, bytes]]  # (offset, data) of the kept chunks that end after the asked offset
    end: int  # the end of the kept output so far
    terminal: bool  # the task had ended when this was read: nothing more will come


@dataclass(frozen=True)
class RequestRecord:
    fingerprint: str
    instance_id: str
    response: bytes | None


@dataclass(frozen=True)
class Tombstone:
    instance_id: str
    project: str
    successful: bool
    end_time: datetime
    delete_time: datetime
    reason: str = "expired"  # or "deleted"


def encode_page_token(last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode()


def decode_page_token(token: str) -> str:
    try:
        after = bounded_json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument.one("page_token", "is not a token this server handed out") from exc
    if not isinstance(after, str):
        raise InvalidArgument.one("page_token", "is not a token this server handed out")
    return after


class Reader:
    def __init__(self, engine: Engine, codec: EventCodec, threads: int = 4) -> None:
        self.engine = engine
        self._codec = codec
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="taskstreamd-read")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.engine.dispose()

    async def _run(self, read: Callable[[Connection], T]) -> T:
        def in_thread() -> T:
            with self.engine.connect() as connection, connection.begin():
                return read(connection)

        return await asyncio.get_running_loop().run_in_executor(self._pool, in_thread)

    # -- instances ---------------------------------------------------------------------------------------

    async def instance(self, instance_id: str) -> Instance | None:
        return await self._run(lambda c: _instance(c, instance_id, with_payloads=False))

    async def active_instances(self) -> list[Instance]:
        """Every instance not terminated, with its tasks in full (what a starting owner loads)."""

        def read(c: Connection) -> list[Instance]:
            ids = c.execute(
                select(InstanceRow.id).where(InstanceRow.status != rows.TERMINATED_CODE)
            ).scalars()
            found = [_instance(c, instance_id, with_payloads=True) for instance_id in list(ids)]
            return [i for i in found if i is not None]

        return await self._run(read)

    async def list_instances(
        self, where: ListFilter, page_size: int, after_id: str | None
    ) -> tuple[list[Instance], bool]:
        """A page of instances newest first (without task properties), and whether more follow."""
        query = filtered(select(INSTANCES), where)
        if after_id is not None:
            query = query.where(InstanceRow.id < after_id)
        query = query.order_by(InstanceRow.id.desc()).limit(page_size + 1)

        def read(c: Connection) -> tuple[list[Instance], bool]:
            found = list(c.execute(query).mappings())
            instances = [rows.instance_from_mapping(row) for row in found[:page_size]]
            tasks = _tasks_of(c, [i.id for i in instances])
            for instance in instances:
                instance.tasks = tasks.get(instance.id, [])
                instance.count_tasks()
            return instances, len(found) > page_size

        return await self._run(read)

    async def project_log(self, project: str) -> ProjectLog:
        return await self._run(lambda c: _project_log(c, project))

    async def project_snapshot(self, where: ListFilter, limit: int) -> ProjectSnapshot:
        """The ``limit`` newest instances matching ``where`` (and whether more matched), with the log's
        position around the read."""
        query = filtered(select(INSTANCES), where).order_by(InstanceRow.id.desc()).limit(limit + 1)

        def read(c: Connection) -> ProjectSnapshot:
            head = _project_log(c, where.project)
            found = list(c.execute(query).mappings())
            instances = [rows.instance_from_mapping(row) for row in found[:limit]]
            summaries = _summaries(c, instances)
            return ProjectSnapshot(
                head, summaries, len(found) > limit, _project_log(c, where.project).last_seq
            )

        return await self._run(read)

    async def project_events_after(
        self, project: str, after_seq: int, limit: int = 500
    ) -> tuple[list[ProjectEvent], ProjectLog]:
        """The project log's entries after ``after_seq``, in order, at most ``limit``, with where the log
        stood when they were read (a ``trimmed_seq`` above ``after_seq`` means some are gone)."""
        table = ProjectEventRow
        query = (
            select(table.seq, table.instance_id, table.instance_seq, table.kind, table.time, table.data)
            .where(table.project == project, table.seq > after_seq)
            .order_by(table.seq)
            .limit(limit)
        )

        def read(c: Connection) -> tuple[list[ProjectEvent], ProjectLog]:
            log = _project_log(c, project)
            found = [
                ProjectEvent(project, iid, iseq, kind, data, rows.utc(time), seq=seq)
                for seq, iid, iseq, kind, time, data in c.execute(query).all()
            ]
            return found, log

        return await self._run(read)

    async def counts_by_status(self) -> tuple[dict[str, int], dict[TaskStatus, int]]:
        """Instances per status (by its text) and tasks per status."""

        def read(c: Connection) -> tuple[dict[str, int], dict[TaskStatus, int]]:
            instances = c.execute(select(InstanceRow.status, func.count()).group_by(InstanceRow.status)).all()
            tasks = c.execute(select(TaskRow.status, func.count()).group_by(TaskRow.status)).all()
            return (
                {rows.STATUS_FROM_CODE[code].value: n for code, n in instances},
                {TaskStatus(code): n for code, n in tasks},
            )

        return await self._run(read)

    # -- the log -----------------------------------------------------------------------------------------

    async def events_after(
        self, instance_id: str, after_seq: int, *, include_output: bool, limit: int = 500
    ) -> list[RecordedEvent] | None:
        """Recorded events after ``after_seq`` in order, at most ``limit``; None when the instance is gone."""
        query = select(InstanceEventRow.seq, InstanceEventRow.kind, InstanceEventRow.data).where(
            InstanceEventRow.instance_id == instance_id, InstanceEventRow.seq > after_seq
        )
        if not include_output:
            query = query.where(InstanceEventRow.kind != int(EventKind.OUTPUT))
        query = query.order_by(InstanceEventRow.seq).limit(limit)

        def read(c: Connection) -> list[tuple[int, int, bytes]] | None:
            found = [(r[0], r[1], r[2]) for r in c.execute(query).all()]
            if (
                not found
                and c.execute(select(InstanceRow.id).where(InstanceRow.id == instance_id)).first() is None
            ):
                return None
            return found

        found = await self._run(read)
        if found is None:
            return None
        terminal = self._codec.terminal
        return [
            RecordedEvent(instance_id, seq, kind, data, terminal=terminal(kind, data))
            for seq, kind, data in found
        ]

    # -- results and output ------------------------------------------------------------------------------

    async def task_info(self, instance_id: str, task_name: str) -> dict[str, str] | None:
        """The task's info (every key); None when the instance has no such task."""

        def read(c: Connection) -> dict[str, str] | None:
            query = select(TaskRow.id).where(TaskRow.instance_id == instance_id, TaskRow.name == task_name)
            task_id = c.execute(query).scalar()
            if task_id is None:
                return None
            return _info_of(c, [task_id]).get(task_id, {})

        return await self._run(read)

    async def task_outcome(self, instance_id: str, task_name: str) -> TaskOutcome | None:
        def read(c: Connection) -> TaskOutcome | None:
            query = select(TASKS).where(TASKS.c.instance_id == instance_id, TASKS.c.name == task_name)
            row = c.execute(query).mappings().first()
            if row is None:
                return None
            task_id = row["id"]
            task = rows.task_from_mapping(row, _properties_of(c, [task_id]).get(task_id, {}))
            stdout = _read_output(c, task_id, STDOUT, row["stdout_bytes"])
            stderr = _read_output(c, task_id, STDERR, row["stderr_bytes"])
            return TaskOutcome(task, row["result"], stdout, stderr)

        return await self._run(read)

    async def task_output(self, task_id: int, stream: int, total: int) -> Output:
        return await self._run(lambda c: _read_output(c, task_id, stream, total))

    async def output_after(self, task_id: int, stream: int, offset: int) -> OutputState:
        """The kept chunks of one stream that end after ``offset``, read in one snapshot with the status."""
        of_stream = (TaskOutputRow.task_id == task_id, TaskOutputRow.stream == stream)
        chunk_end = TaskOutputRow.offset + func.length(TaskOutputRow.data)

        def read(c: Connection) -> OutputState:
            status = c.execute(select(TaskRow.status).where(TaskRow.id == task_id)).scalar()
            end = c.execute(select(func.max(chunk_end)).where(*of_stream)).scalar()
            found = c.execute(
                select(TaskOutputRow.offset, TaskOutputRow.data)
                .where(*of_stream, chunk_end > offset)
                .order_by(TaskOutputRow.offset)
            ).all()
            terminal = status is None or TaskStatus(status).is_terminal
            return OutputState([(o, d) for o, d in found], int(end or 0), terminal)

        return await self._run(read)

    async def attempt_output(self, task_id: int, attempt: int, stream: int, offset: int) -> OutputState:
        """The kept chunks of one stream of an earlier attempt that end after ``offset`` (it ended)."""
        archive = TaskOutputArchiveRow
        of_stream = (archive.task_id == task_id, archive.attempt == attempt, archive.stream == stream)
        chunk_end = archive.offset + func.length(archive.data)

        def read(c: Connection) -> OutputState:
            end = c.execute(select(func.max(chunk_end)).where(*of_stream)).scalar()
            found = c.execute(
                select(archive.offset, archive.data)
                .where(*of_stream, chunk_end > offset)
                .order_by(archive.offset)
            ).all()
            return OutputState([(o, d) for o, d in found], int(end or 0), True)

        return await self._run(read)

    # -- requests and tombstones -------------------------------------------------------------------------

    async def request(self, project: str, method: str, request_id: str) -> RequestRecord | None:
        def read(c: Connection) -> RequestRecord | None:
            row = c.execute(
                select(RequestRow.fingerprint, RequestRow.instance_id, RequestRow.response).where(
                    RequestRow.project == project,
                    RequestRow.method == method,
                    RequestRow.request_id == request_id,
                )
            ).first()
            return None if row is None else RequestRecord(row[0], row[1], row[2])

        return await self._run(read)

    async def tombstone(self, instance_id: str) -> Tombstone | None:
        def read(c: Connection) -> Tombstone | None:
            row = c.execute(select(TombstoneRow).where(TombstoneRow.id == instance_id)).first()
            if row is None:
                return None
            end, deleted = rows.utc(row.end_time), rows.utc(row.delete_time)
            assert end is not None and deleted is not None
            return Tombstone(row.id, row.project, row.successful, end, deleted, row.reason or "expired")

        return await self._run(read)

    # -- schedules ---------------------------------------------------------------------------------------

    async def schedule(self, project: str, schedule_id: str) -> Schedule | None:
        query = select(_SCHEDULES).where(_SCHEDULES.c.project == project, _SCHEDULES.c.id == schedule_id)

        def read(c: Connection) -> Schedule | None:
            row = c.execute(query).mappings().first()
            return None if row is None else schedule_rows.from_mapping(row)

        return await self._run(read)

    async def schedules(self) -> list[Schedule]:
        """Every schedule (what a starting owner picks its own from: there are few)."""
        query = select(_SCHEDULES).order_by(_SCHEDULES.c.project, _SCHEDULES.c.id)
        return await self._run(lambda c: [schedule_rows.from_mapping(r) for r in c.execute(query).mappings()])

    async def list_schedules(
        self, project: str, page_size: int, after_id: str | None
    ) -> tuple[list[Schedule], bool]:
        """A page of a project's schedules by id, and whether more follow."""
        query = select(_SCHEDULES).where(_SCHEDULES.c.project == project)
        if after_id is not None:
            query = query.where(_SCHEDULES.c.id > after_id)
        query = query.order_by(_SCHEDULES.c.id).limit(page_size + 1)

        def read(c: Connection) -> tuple[list[Schedule], bool]:
            found = [schedule_rows.from_mapping(r) for r in c.execute(query).mappings()]
            return found[:page_size], len(found) > page_size

        return await self._run(read)


# -- helpers (in a read's thread) ------------------------------------------------------------------------


def filtered(query: Select[Any], where: ListFilter) -> Select[Any]:
    """``query`` of instances narrowed to those ``where`` asks for."""
    query = query.where(InstanceRow.project == where.project)
    if where.statuses:
        codes = [rows.STATUS_CODE[s] for s in where.statuses]
        query = query.where(InstanceRow.status.in_(codes))
    if where.owner:
        query = query.where(InstanceRow.owner == where.owner)
    if where.successful is not None:
        query = query.where(
            InstanceRow.status == rows.TERMINATED_CODE, InstanceRow.successful.is_(where.successful)
        )
    if where.exclude_sub_instances:
        query = query.where(InstanceRow.parent_instance == "")
    if where.create_time_start is not None:
        query = query.where(InstanceRow.create_time >= where.create_time_start)
    if where.create_time_end is not None:
        query = query.where(InstanceRow.create_time < where.create_time_end)
    for key, value in where.labels.items():
        label = select(InstanceLabelRow.instance_id).where(
            InstanceLabelRow.instance_id == InstanceRow.id,
            InstanceLabelRow.key == key,
            InstanceLabelRow.value == value,
        )
        query = query.where(label.exists())
    if where.task_types:
        typed = select(TaskRow.id).where(
            TaskRow.instance_id == InstanceRow.id, TaskRow.type.in_(sorted(where.task_types))
        )
        query = query.where(typed.exists())
    return query


def _project_log(c: Connection, project: str) -> ProjectLog:
    row = c.execute(
        select(ProjectLogRow.last_seq, ProjectLogRow.trimmed_seq).where(ProjectLogRow.project == project)
    ).first()
    return ProjectLog() if row is None else ProjectLog(int(row[0]), int(row[1]))


def _summaries(c: Connection, instances: list[Instance]) -> list[InstanceSummary]:
    types: dict[str, dict[str, int]] = {}
    ids = [i.id for i in instances]
    for start in range(0, len(ids), 500):
        query = (
            select(TaskRow.instance_id, TaskRow.type, func.count())
            .where(TaskRow.instance_id.in_(ids[start : start + 500]))
            .group_by(TaskRow.instance_id, TaskRow.type)
        )
        for instance_id, task_type, count in c.execute(query).all():
            types.setdefault(instance_id, {})[task_type] = int(count)
    return [
        InstanceSummary(i, sorted(types.get(i.id, {})), sum(types.get(i.id, {}).values())) for i in instances
    ]


def _instance(c: Connection, instance_id: str, *, with_payloads: bool) -> Instance | None:
    row = c.execute(select(INSTANCES).where(INSTANCES.c.id == instance_id)).mappings().first()
    if row is None:
        return None
    instance = rows.instance_from_mapping(row)
    columns = list(TASKS.c) if with_payloads else TASK_STATE
    found = c.execute(
        select(*columns).where(TASKS.c.instance_id == instance_id).order_by(TASKS.c.index)
    ).mappings()
    task_rows = list(found)
    properties = _properties_of(c, [t["id"] for t in task_rows])
    instance.tasks = [rows.task_from_mapping(t, properties.get(t["id"], {})) for t in task_rows]
    if with_payloads:  # an owner loads it; a read of task info goes to the store (Reader.task_info)
        info = _info_of(c, [t.id for t in instance.tasks])
        for task in instance.tasks:
            task.info = info.get(task.id, {})
    instance.count_tasks()
    rows.set_waiting(instance)
    return instance


def _tasks_of(c: Connection, instance_ids: list[str]) -> dict[str, list[Task]]:
    if not instance_ids:
        return {}
    query = (
        select(*TASK_STATE)
        .where(TASKS.c.instance_id.in_(instance_ids))
        .order_by(TASKS.c.instance_id, TASKS.c.index)
    )
    tasks: dict[str, list[Task]] = {}
    for r in c.execute(query).mappings():
        tasks.setdefault(r["instance_id"], []).append(rows.task_from_mapping(r, {}))
    return tasks


def _properties_of(c: Connection, task_ids: Sequence[int]) -> dict[int, dict[str, bytes]]:
    result: dict[int, dict[str, bytes]] = {}
    for start in range(0, len(task_ids), 500):
        chunk = task_ids[start : start + 500]
        query = select(_PROPERTIES.c.task_id, _PROPERTIES.c.key, _PROPERTIES.c.value).where(
            _PROPERTIES.c.task_id.in_(chunk)
        )
        for task_id, key, value in c.execute(query).all():
            result.setdefault(task_id, {})[key] = value
    return result


def _info_of(c: Connection, task_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    result: dict[int, dict[str, str]] = {}
    for start in range(0, len(task_ids), 500):
        chunk = task_ids[start : start + 500]
        query = select(TaskInfoRow.task_id, TaskInfoRow.key, TaskInfoRow.value).where(
            TaskInfoRow.task_id.in_(chunk)
        )
        for task_id, key, value in c.execute(query).all():
            result.setdefault(task_id, {})[key] = bytes(value).decode("utf-8", errors="replace")
    return result


def _read_output(c: Connection, task_id: int, stream: int, total: int) -> Output:
    chunks = c.execute(
        select(TaskOutputRow.offset, TaskOutputRow.data)
        .where(TaskOutputRow.task_id == task_id, TaskOutputRow.stream == stream)
        .order_by(TaskOutputRow.offset)
    )
    return _read_output_chunks([(o, d) for o, d in chunks.all()], total)


def _read_output_chunks(chunks: list[tuple[int, bytes]], total: int) -> Output:
    """The kept output (chunks in offset order) with a marker line where the middle was cut."""
    parts: list[bytes] = []
    position = cut = 0
    for offset, data in chunks:
        if offset > position:
            parts.append(CUT_MARKER % (offset - position))
            cut += offset - position
        elif offset < position:
            data = data[position - offset :]  # overlapping chunk: keep only the new bytes
        parts.append(data)
        position = max(position, offset + len(data))
    total = max(total, position)
    return Output(b"".join(parts), total, cut)
