"""The store in memory, for the core's use-case tests: the same writer (its batches, thread, futures and
retries) with a backend that keeps the rows in dicts, and a reader of those dicts.

``MemoryStore.gate`` holds every commit until the test lets it through, so a test can see that nothing
is answered before the commit that holds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from taskstreamd.domain.events import EventCodec, EventKind, RecordedEvent
from taskstreamd.domain.model import Instance
from taskstreamd.domain.project_events import ProjectChange, ProjectEvent
from taskstreamd.domain.schedule_model import Schedule
from taskstreamd.domain.vocabulary import InstanceStatus, TaskStatus
from taskstreamd.store import rows, schedule_rows
from taskstreamd.store.batch import ARCHIVED_ATTEMPTS, Frozen, without
from taskstreamd.store.reads import (
    InstanceSummary,
    ListFilter,
    Output,
    OutputState,
    ProjectLog,
    ProjectSnapshot,
    RequestRecord,
    TaskOutcome,
    Tombstone,
    _read_output_chunks,
)
from taskstreamd.store.sql_backend import number_project_events
from taskstreamd.store.writer import Fence, Outcome, Writer

T = TypeVar("T")


@dataclass
class Tables:
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: set[tuple[str, str, str]] = field(default_factory=set)
    events: dict[tuple[str, int], tuple[int, bytes]] = field(default_factory=dict)
    properties: dict[tuple[int, str], bytes] = field(default_factory=dict)
    info: dict[tuple[int, str], bytes] = field(default_factory=dict)
    output: dict[tuple[int, int, int], bytes] = field(default_factory=dict)
    archive: dict[tuple[int, int, int, int], bytes] = field(default_factory=dict)  # + the attempt
    requests: dict[tuple[str, str, str], RequestRecord] = field(default_factory=dict)
    tombstones: dict[str, Tombstone] = field(default_factory=dict)
    project_logs: dict[str, ProjectLog] = field(default_factory=dict)
    # (project, seq) -> (instance_id, instance_seq, kind, time, data)
    project_events: dict[tuple[str, int], tuple[str, int, int, Any, bytes]] = field(default_factory=dict)
    schedules: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    next_task_id: int = 1
    commits: int = 0

    def advance(self, project: str, count: int) -> int:
        log = self.project_logs.get(project, ProjectLog())
        self.project_logs[project] = ProjectLog(log.last_seq + count, log.trimmed_seq)
        return log.last_seq + count


class MemoryBackend:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.gate = threading.Event()
        self.gate.set()
        self.fail_next: list[BaseException] = []  # raised by the next commits, one each

    def time(self, value: datetime | None) -> Any:
        return value

    def connect(self) -> Tables:
        return self.tables

    def run(self, connection: Any, job: Callable[[Any], T]) -> T:
        return job(connection)

    def commit(self, connection: Any, frozen: Frozen, fence: Fence | None) -> Outcome:
        self.gate.wait()
        if self.fail_next:
            raise self.fail_next.pop(0)
        t = self.tables
        outcome = Outcome()
        for claim in frozen.claims:
            key = (claim.project, claim.method, claim.request_id)
            if key in t.requests:
                if claim.creates:
                    outcome.lost.add(claim.instance_id)
                continue
            t.requests[key] = RequestRecord(claim.fingerprint, claim.instance_id, claim.answer)
        if outcome.lost:
            frozen = without(frozen, outcome.lost)
        for row in frozen.instances:
            t.instances[row[0]] = dict(zip(rows.INSTANCE_INSERT_COLUMNS, row, strict=True))
        for row in frozen.tasks:
            t.tasks[row[0]] = dict(zip(rows.TASK_INSERT_COLUMNS, row, strict=True))
        t.labels.update(frozen.labels)
        for row in frozen.instance_updates:
            t.instances[row[-1]].update(zip(rows.INSTANCE_UPDATE_COLUMNS, row[:-1], strict=True))
        for row in frozen.task_updates:
            t.tasks[row[-1]].update(zip(rows.TASK_UPDATE_COLUMNS, row[:-1], strict=True))
        for instance_id, seq, event_kind, data in frozen.events:
            t.events[(instance_id, seq)] = (event_kind, data)
        for deleted in frozen.event_deletes:
            t.events.pop(deleted, None)
        for task_id, name, value in frozen.properties:
            t.properties[(task_id, name)] = value
        for task_id, info_key, value in frozen.info:
            t.info[(task_id, info_key)] = value
        for operation, params in frozen.output:
            if operation == "archive":
                task_id, attempt = params
                old = [k for k in t.archive if k[0] == task_id and k[1] <= attempt - ARCHIVED_ATTEMPTS]
                for archived in old:
                    del t.archive[archived]
                for chunk in [k for k in t.output if k[0] == task_id]:
                    t.archive[(task_id, attempt, chunk[1], chunk[2])] = t.output.pop(chunk)
            else:
                task_id, stream, offset, data = params
                t.output[(task_id, stream, offset)] = data
        for answer, project, method, request_id in frozen.answers:
            record = t.requests.get((project, method, request_id))
            if record is not None and record.response is None:
                t.requests[(project, method, request_id)] = RequestRecord(
                    record.fingerprint, record.instance_id, answer
                )
        if frozen.project_events:
            outcome.project_seqs, _ = number_project_events(t.advance, frozen.project_events)
            for (project, *entry), seq in zip(frozen.project_events, outcome.project_seqs, strict=True):
                t.project_events[(project, seq)] = tuple(entry)
        for gone in frozen.schedule_deletes:
            t.schedules.pop(gone, None)
        for row in frozen.schedule_inserts:
            t.schedules.setdefault(
                (row[0], row[1]), dict(zip(schedule_rows.INSERT_COLUMNS, row, strict=True))
            )
        for row in frozen.schedule_updates:
            found = t.schedules.get((row[-2], row[-1]))
            if found is not None:
                found.update(zip(schedule_rows.UPDATE_COLUMNS, row[:-2], strict=True))
        t.commits += 1
        return outcome


class MemoryReader:
    """store.reads.Reader's queries over the tables."""

    def __init__(self, tables: Tables, codec: EventCodec) -> None:
        self.tables = tables
        self._codec = codec

    def close(self) -> None:
        return None

    def _instance(self, instance_id: str) -> Instance | None:
        row = self.tables.instances.get(instance_id)
        if row is None:
            return None
        instance = rows.instance_from_mapping(row)
        task_rows = sorted(
            (t for t in self.tables.tasks.values() if t["instance_id"] == instance_id),
            key=lambda t: t["index"],
        )
        instance.tasks = [rows.task_from_mapping(t, self._properties(t["id"])) for t in task_rows]
        for task in instance.tasks:
            task.info = self._info(task.id)
        instance.count_tasks()
        rows.set_waiting(instance)
        return instance

    def _info(self, task_id: int) -> dict[str, str]:
        return {key: value.decode() for (tid, key), value in self.tables.info.items() if tid == task_id}

    def _properties(self, task_id: int) -> dict[str, bytes]:
        return {key: value for (tid, key), value in self.tables.properties.items() if tid == task_id}

    async def instance(self, instance_id: str) -> Instance | None:
        return self._instance(instance_id)

    async def active_instances(self) -> list[Instance]:
        terminated = rows.STATUS_CODE[InstanceStatus.TERMINATED]
        found = [self._instance(i) for i, r in self.tables.instances.items() if r["status"] != terminated]
        return [i for i in found if i is not None]

    async def list_instances(
        self, where: ListFilter, page_size: int, after_id: str | None
    ) -> tuple[list[Instance], bool]:
        matching = [i for i in self._matching(where) if after_id is None or i < after_id]
        page = [self._instance(i) for i in matching[:page_size]]
        return [i for i in page if i is not None], len(matching) > page_size

    def _matching(self, where: ListFilter) -> list[str]:
        codes = {rows.STATUS_CODE[s] for s in where.statuses}
        tasks = self.tables.tasks.values()
        return sorted(
            (
                i
                for i, r in self.tables.instances.items()
                if r["project"] == where.project
                and (not codes or r["status"] in codes)
                and (not where.owner or r["owner"] == where.owner)
                and (
                    where.successful is None
                    or (r["status"] == rows.TERMINATED_CODE and bool(r["successful"]) == where.successful)
                )
                and not (where.exclude_sub_instances and r["parent_instance"])
                and all((i, k, v) in self.tables.labels for k, v in where.labels.items())
                and (
                    not where.task_types
                    or any(t["instance_id"] == i and t["type"] in where.task_types for t in tasks)
                )
                and (where.create_time_start is None or r["create_time"] >= where.create_time_start)
                and (where.create_time_end is None or r["create_time"] < where.create_time_end)
            ),
            reverse=True,
        )

    async def project_log(self, project: str) -> ProjectLog:
        return self.tables.project_logs.get(project, ProjectLog())

    async def project_snapshot(self, where: ListFilter, limit: int) -> ProjectSnapshot:
        head = await self.project_log(where.project)
        matching = self._matching(where)
        summaries = []
        for instance_id in matching[:limit]:
            instance = self._instance(instance_id)
            assert instance is not None
            types = sorted({t.type for t in instance.tasks})
            count = len(instance.tasks)
            instance.tasks = []
            summaries.append(InstanceSummary(instance, types, count))
        return ProjectSnapshot(head, summaries, len(matching) > limit, head.last_seq)

    async def project_events_after(
        self, project: str, after_seq: int, limit: int = 500
    ) -> tuple[list[ProjectEvent], ProjectLog]:
        found = sorted(
            (seq, entry)
            for (p, seq), entry in self.tables.project_events.items()
            if p == project and seq > after_seq
        )[:limit]
        events = [
            ProjectEvent(project, iid, iseq, kind, data, time, seq=seq)
            for seq, (iid, iseq, kind, time, data) in found
        ]
        return events, await self.project_log(project)

    async def counts_by_status(self) -> tuple[dict[str, int], dict[TaskStatus, int]]:
        instances: dict[str, int] = {}
        for r in self.tables.instances.values():
            name = rows.STATUS_FROM_CODE[r["status"]].value
            instances[name] = instances.get(name, 0) + 1
        tasks: dict[TaskStatus, int] = {}
        for t in self.tables.tasks.values():
            tasks[TaskStatus(t["status"])] = tasks.get(TaskStatus(t["status"]), 0) + 1
        return instances, tasks

    async def events_after(
        self, instance_id: str, after_seq: int, *, include_output: bool, limit: int = 500
    ) -> list[RecordedEvent] | None:
        if instance_id not in self.tables.instances:
            return None
        found = sorted(
            (seq, kind, data)
            for (iid, seq), (kind, data) in self.tables.events.items()
            if iid == instance_id and seq > after_seq and (include_output or kind != EventKind.OUTPUT)
        )[:limit]
        return [RecordedEvent(instance_id, s, k, d, terminal=self._codec.terminal(k, d)) for s, k, d in found]

    def _chunks(self, task_id: int, stream: int) -> list[tuple[int, bytes]]:
        return sorted((o, d) for (t, s, o), d in self.tables.output.items() if t == task_id and s == stream)

    async def task_outcome(self, instance_id: str, task_name: str) -> TaskOutcome | None:
        row = next(
            (
                t
                for t in self.tables.tasks.values()
                if t["instance_id"] == instance_id and t["name"] == task_name
            ),
            None,
        )
        if row is None:
            return None
        task = rows.task_from_mapping(row, self._properties(row["id"]))
        stdout = _read_output_chunks(self._chunks(row["id"], 1), row["stdout_bytes"])
        stderr = _read_output_chunks(self._chunks(row["id"], 2), row["stderr_bytes"])
        return TaskOutcome(task, row["result"], stdout, stderr)

    async def task_info(self, instance_id: str, task_name: str) -> dict[str, str] | None:
        row = next(
            (
                t
                for t in self.tables.tasks.values()
                if t["instance_id"] == instance_id and t["name"] == task_name
            ),
            None,
        )
        return None if row is None else self._info(row["id"])

    async def task_output(self, task_id: int, stream: int, total: int) -> Output:
        return _read_output_chunks(self._chunks(task_id, stream), total)

    async def output_after(self, task_id: int, stream: int, offset: int) -> OutputState:
        chunks = self._chunks(task_id, stream)
        end = max((o + len(d) for o, d in chunks), default=0)
        row = self.tables.tasks.get(task_id)
        terminal = row is None or TaskStatus(row["status"]).is_terminal
        return OutputState([(o, d) for o, d in chunks if o + len(d) > offset], end, terminal)

    async def attempt_output(self, task_id: int, attempt: int, stream: int, offset: int) -> OutputState:
        chunks = sorted(
            (o, d)
            for (t, a, s, o), d in self.tables.archive.items()
            if (t, a, s) == (task_id, attempt, stream)
        )
        end = max((o + len(d) for o, d in chunks), default=0)
        return OutputState([(o, d) for o, d in chunks if o + len(d) > offset], end, True)

    async def request(self, project: str, method: str, request_id: str) -> RequestRecord | None:
        return self.tables.requests.get((project, method, request_id))

    async def tombstone(self, instance_id: str) -> Tombstone | None:
        return self.tables.tombstones.get(instance_id)

    async def schedule(self, project: str, schedule_id: str) -> Schedule | None:
        row = self.tables.schedules.get((project, schedule_id))
        return None if row is None else schedule_rows.from_mapping(row)

    async def schedules(self) -> list[Schedule]:
        return [schedule_rows.from_mapping(row) for _, row in sorted(self.tables.schedules.items())]

    async def list_schedules(
        self, project: str, page_size: int, after_id: str | None
    ) -> tuple[list[Schedule], bool]:
        ids = sorted(
            i for p, i in self.tables.schedules if p == project and (after_id is None or i > after_id)
        )
        page = [schedule_rows.from_mapping(self.tables.schedules[(project, i)]) for i in ids[:page_size]]
        return page, len(ids) > page_size


class MemoryStore:
    """store.store.Store in memory (see the module's docstring)."""

    shared = False

    def __init__(self, codec: EventCodec, tables: Tables | None = None) -> None:
        self.codec = codec
        self.tables = tables or Tables()
        self.backend = MemoryBackend(self.tables)
        self.writer = Writer(self.backend, window=0.001)
        self.reader = MemoryReader(self.tables, codec)

    def start(self) -> None:
        self.writer.start()

    async def close(self) -> None:
        self.backend.gate.set()
        await self.writer.close()

    def fence_with(self, fence: Fence) -> None:
        self.writer.fence = fence

    async def reserve_task_ids(self, count: int) -> int:
        def reserve(tables: Tables) -> int:
            first = tables.next_task_id
            tables.next_task_id += count
            return first

        return await self.writer.run(reserve)

    async def expire(self, ended_before: datetime | None, limit: int, now: datetime) -> list[str]:
        terminated = rows.STATUS_CODE[InstanceStatus.TERMINATED]
        t = self.tables

        def due(r: dict[str, Any]) -> bool:
            if r["expire_time"] is not None:
                return bool(r["expire_time"] < now)
            return ended_before is not None and r["end_time"] < ended_before

        old = sorted(
            (r["end_time"], i) for i, r in t.instances.items() if r["status"] == terminated and due(r)
        )
        if ended_before is not None:
            for (project, seq), entry in list(t.project_events.items()):  # first, as the database does
                if entry[3] < ended_before:
                    del t.project_events[(project, seq)]
                    log = t.project_logs[project]
                    t.project_logs[project] = ProjectLog(log.last_seq, max(log.trimmed_seq, seq))
        return [i for _, i in old[:limit] if self._tombstone(i, now, "expired")]

    async def delete_instance(self, instance_id: str, now: datetime) -> bool:
        row = self.tables.instances.get(instance_id)
        if row is None or row["status"] != rows.STATUS_CODE[InstanceStatus.TERMINATED]:
            return False
        return self._tombstone(instance_id, now, "deleted")

    def _tombstone(self, instance_id: str, now: datetime, reason: str) -> bool:
        """Replaces the instance by a tombstone, and its entries in its project's log by a deletion."""
        t = self.tables
        row = t.instances.pop(instance_id)
        end, project = row["end_time"], row["project"]
        t.tombstones[instance_id] = Tombstone(instance_id, project, bool(row["successful"]), end, now, reason)
        for task_id in [k for k, v in t.tasks.items() if v["instance_id"] == instance_id]:
            del t.tasks[task_id]
        for key in [k for k in t.events if k[0] == instance_id]:
            del t.events[key]
        for key in [k for k, v in t.project_events.items() if v[0] == instance_id]:
            del t.project_events[key]
        data = self.codec.encode_deletion(instance_id, project, bool(row["successful"]), end, now)
        seq = t.advance(project, 1)
        t.project_events[(project, seq)] = (instance_id, 0, int(ProjectChange.DELETED), now, data)
        return True
