"""What the core needs of a store: a writer (store.writer, the same for every store), reads, task ids
and retention's deletes. ``store.store.Store`` serves them from a database, ``store.memory.MemoryStore``
from dicts, for the core's use-case tests."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from taskstreamd.domain.events import RecordedEvent
from taskstreamd.domain.model import Instance
from taskstreamd.domain.project_events import ProjectEvent
from taskstreamd.domain.schedule_model import Schedule
from taskstreamd.domain.vocabulary import TaskStatus
from taskstreamd.store.reads import (
    ListFilter,
    Output,
    OutputState,
    ProjectLog,
    ProjectSnapshot,
    RequestRecord,
    TaskOutcome,
    Tombstone,
)
from taskstreamd.store.writer import Fence, Writer


class Reads(Protocol):
    async def instance(self, instance_id: str) -> Instance | None: ...

    async def active_instances(self) -> list[Instance]: ...

    async def list_instances(
        self, where: ListFilter, page_size: int, after_id: str | None
    ) -> tuple[list[Instance], bool]: ...

    async def project_log(self, project: str) -> ProjectLog: ...

    async def project_snapshot(self, where: ListFilter, limit: int) -> ProjectSnapshot: ...

    async def project_events_after(
        self, project: str, after_seq: int, limit: int = 500
    ) -> tuple[list[ProjectEvent], ProjectLog]: ...

    async def counts_by_status(self) -> tuple[dict[str, int], dict[TaskStatus, int]]: ...

    async def events_after(
        self, instance_id: str, after_seq: int, *, include_output: bool, limit: int = 500
    ) -> list[RecordedEvent] | None: ...

    async def task_outcome(self, instance_id: str, task_name: str) -> TaskOutcome | None: ...

    async def task_info(self, instance_id: str, task_name: str) -> dict[str, str] | None: ...

    async def task_output(self, task_id: int, stream: int, total: int) -> Output: ...

    async def output_after(self, task_id: int, stream: int, offset: int) -> OutputState: ...

    async def attempt_output(self, task_id: int, attempt: int, stream: int, offset: int) -> OutputState: ...

    async def request(self, project: str, method: str, request_id: str) -> RequestRecord | None: ...

    async def tombstone(self, instance_id: str) -> Tombstone | None: ...

    async def schedule(self, project: str, schedule_id: str) -> Schedule | None: ...

    async def schedules(self) -> list[Schedule]: ...

    async def list_schedules(
        self, project: str, page_size: int, after_id: str | None
    ) -> tuple[list[Schedule], bool]: ...


class StoreLike(Protocol):
    shared: bool  # several replicas use it (then it is a store.store.Store on PostgreSQL)

    @property
    def writer(self) -> Writer: ...

    @property
    def reader(self) -> Reads: ...

    def start(self) -> None: ...

    async def close(self) -> None: ...

    def fence_with(self, fence: Fence) -> None: ...

    async def reserve_task_ids(self, count: int) -> int: ...

    async def expire(self, ended_before: datetime | None, limit: int, now: datetime) -> list[str]: ...

    async def delete_instance(self, instance_id: str, now: datetime) -> bool: ...
