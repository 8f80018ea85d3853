"""WatchInstances as a use case: a project's instances that match a filter, then their instance-level
changes in the project's order, resumable by one project seq.

It yields what to send (``SnapshotPage``, a ``ProjectEvent``, ``Beat``, ``End``) with the cursor a
watcher holds once it has it; the API layer frames them.

A snapshot is read from the store together with where the project's log stood (``head``); the entries
after ``head`` follow it. The instances in the snapshot may show changes numbered after ``head`` (a read
that is not one database snapshot, as with PostgreSQL's read committed), so until the log passes the
position read after the instances (``tail``) an entry is skipped when the snapshot already showed its
instance at or past that change (each instance's own seq tells). Entries that do not match the filter
are skipped too, but move the cursor on: heartbeats carry it, so a watcher that resumes does not read
them again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from taskstreamd.core.project_feed import ProjectHub
from taskstreamd.domain.project_events import (
    InstanceFacts,
    InstanceFilter,
    ProjectChange,
    ProjectCodec,
    ProjectEvent,
)
from taskstreamd.store.interface import Reads
from taskstreamd.store.reads import InstanceSummary, ListFilter

SNAPSHOT_PAGE = 100  # instances per snapshot message
DEFAULT_SNAPSHOT_LIMIT = 1000
MAX_SNAPSHOT_LIMIT = 10_000


@dataclass(frozen=True)
class ProjectWatchRequest:
    project: str
    filter: InstanceFilter
    after_seq: int = 0
    snapshot_limit: int = DEFAULT_SNAPSHOT_LIMIT
    heartbeat_interval: float = 10.0


@dataclass(frozen=True)
class SnapshotPage:
    instances: list[InstanceSummary]
    seq: int
    last: bool
    truncated: bool


@dataclass(frozen=True)
class Beat:
    seq: int


@dataclass(frozen=True)
class End:
    reason: str  # "draining"
    seq: int
    message: str


ProjectWatchItem = SnapshotPage | ProjectEvent | Beat | End


def list_filter(project: str, where: InstanceFilter) -> ListFilter:
    return ListFilter(
        project=project,
        statuses=sorted(where.statuses, key=lambda s: s.value),
        owner=where.owner,
        create_time_start=where.create_time_start,
        create_time_end=where.create_time_end,
        labels=dict(where.labels),
        task_types=where.task_types,
    )


async def watch_project(
    reader: Reads, hub: ProjectHub, codec: ProjectCodec, request: ProjectWatchRequest
) -> AsyncGenerator[tuple[ProjectWatchItem, int], None]:
    """Each item with the cursor (a project seq) a watcher holds once it has it."""
    project, where = request.project, request.filter
    loop = asyncio.get_running_loop()
    with hub.subscribe(project) as feed:
        log = await reader.project_log(project)  # read after subscribing: later commits reach the feed
        feed.saw(log.last_seq)
        cursor = request.after_seq
        # From the start, from a cursor retention went past, or from one this project never gave.
        need_snapshot = cursor <= 0 or cursor < log.trimmed_seq or cursor > log.last_seq
        shown: dict[str, int] = {}  # instance id -> its seq in the snapshot, until the log passes ``tail``
        tail = 0
        last_sent = loop.time()
        woken: asyncio.Future[bool] | None = None
        while True:
            if hub.closed:
                yield End("draining", cursor, "the server is shutting down"), cursor
                return
            if need_snapshot:
                snapshot = await reader.project_snapshot(list_filter(project, where), request.snapshot_limit)
                cursor, tail = snapshot.head.last_seq, snapshot.tail
                feed.saw(tail)
                shown = {s.instance.id: s.instance.seq for s in snapshot.instances}
                for page in _pages(snapshot.instances, cursor, snapshot.truncated):
                    yield page, cursor
                last_sent = loop.time()
                need_snapshot = False
                continue
            if woken is None or woken.done():
                woken = feed.arm()
            batch = feed.after(cursor)
            if batch is None:  # the ring does not hold them: the store does
                batch, log = await reader.project_events_after(project, cursor)
                if log.trimmed_seq > cursor:  # retention went past this cursor meanwhile
                    need_snapshot = True
                    continue
                if batch:
                    feed.saw(batch[-1].seq)
            sent = False
            for entry in batch:
                cursor = entry.seq
                if _already_shown(entry, shown) or not where.matches(_facts(entry, codec)):
                    continue
                yield entry, cursor
                sent = True
            if shown and cursor >= tail:
                shown = {}
            now = loop.time()
            if sent:
                last_sent = now
            if batch:
                continue  # more may have come meanwhile
            due = last_sent + request.heartbeat_interval
            if now >= due or not await _wait(woken, due - now):
                yield Beat(cursor), cursor
                last_sent = loop.time()


def _pages(instances: list[InstanceSummary], seq: int, truncated: bool) -> list[SnapshotPage]:
    chunks = [instances[i : i + SNAPSHOT_PAGE] for i in range(0, len(instances), SNAPSHOT_PAGE)] or [[]]
    return [
        SnapshotPage(chunk, seq, last=i == len(chunks) - 1, truncated=truncated and i == len(chunks) - 1)
        for i, chunk in enumerate(chunks)
    ]


def _already_shown(entry: ProjectEvent, shown: dict[str, int]) -> bool:
    if not shown or entry.kind == ProjectChange.DELETED:
        return False
    seq = shown.get(entry.instance_id)
    return seq is not None and entry.instance_seq <= seq


def _facts(entry: ProjectEvent, codec: ProjectCodec) -> InstanceFacts:
    facts = entry.facts
    if facts is None:
        facts = entry.facts = codec.project_facts(entry.kind, entry.data)
    return facts


async def _wait(future: asyncio.Future[bool], timeout: float) -> bool:
    """Whether ``future`` was resolved (a wake) within ``timeout`` seconds."""
    if future.done():
        return True
    done, _ = await asyncio.wait((future,), timeout=timeout)
    return bool(done)
