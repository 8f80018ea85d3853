"""The store as the core uses it: one writer (group commits, on its own thread), readers (a pool of
threads), and the few transactions that are neither (reserving task ids, retention's deletes).

SQLite (one server owns the file) or PostgreSQL (several replicas; see core.replicas for who writes
which instances).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from taskstreamd.domain.events import EventCodec
from taskstreamd.domain.project_events import ProjectChange
from taskstreamd.store import engine as engines
from taskstreamd.store import rows
from taskstreamd.store.reads import Reader
from taskstreamd.store.sql_backend import SqlBackend, number_project_events
from taskstreamd.store.statements import for_dialect
from taskstreamd.store.writer import Fence, Writer


class Store:
    def __init__(self, url: str, codec: EventCodec, *, window: float = 0.002, read_threads: int = 4) -> None:
        self.url = engines.blocking_url(url)
        self.shared = engines.is_postgresql(self.url)  # other replicas may use the same database
        self.sql = for_dialect("postgresql" if self.shared else "sqlite")
        self.writer = Writer(SqlBackend(self.url, self.sql), window=window)
        self.reader = Reader(engines.create_engine(self.url, pool_size=read_threads), codec, read_threads)
        self.codec = codec
        # With replicas: the notice that a project's log grew to a seq (retention's deletions add some).
        self.project_notice: Callable[[str, int], str] | None = None

    def start(self) -> None:
        self.writer.start()

    async def close(self) -> None:
        await self.writer.close()
        self.reader.close()

    def fence_with(self, fence: Fence) -> None:
        self.writer.fence = fence

    async def reserve_task_ids(self, count: int) -> int:
        """The first of ``count`` new task ids, reserved for this server (no other will use them)."""
        mark = self.sql.mark

        def reserve(connection: Any) -> int:
            cursor = connection.cursor()
            try:
                cursor.execute(
                    f"UPDATE counters SET value = value + {mark} WHERE name = 'task_id' RETURNING value",
                    (count,),
                )
                (end,) = cursor.fetchone()
            finally:
                cursor.close()
            return int(end) - count

        return await self.writer.run(reserve)

    async def expire(self, ended_before: datetime | None, limit: int, now: datetime) -> list[str]:
        """Deletes up to ``limit`` terminated instances whose own retention ran out by ``now``, or without
        one that terminated before ``ended_before`` (None: none of those), leaving a tombstone of each;
        their ids. Tasks, labels, events, properties and output go with them (their foreign keys
        cascade), and so do their request records.

        Each project's log loses the entries of the deleted instances and gains a deletion of each, so a
        follower learns they are gone; entries recorded before ``ended_before`` go too (they are as old
        as the instances retention keeps), and the log remembers the highest seq it lost (a follower
        behind it must start again from a snapshot)."""
        sql = self.sql
        mark, time = sql.mark, sql.time
        codec, notice = self.codec, self.project_notice

        def expire(connection: Any) -> list[str]:
            cursor = connection.cursor()
            try:
                cursor.execute(
                    "SELECT id, project, successful, end_time FROM instances WHERE expire_time IS NOT NULL "
                    f"AND expire_time < {mark} AND status = {rows.TERMINATED_CODE} ORDER BY expire_time "
                    f"LIMIT {mark}",
                    (time(now), limit),
                )
                found = cursor.fetchall()
                if ended_before is not None and len(found) < limit:
                    cursor.execute(
                        "SELECT id, project, successful, end_time FROM instances WHERE "
                        f"status = {rows.TERMINATED_CODE} AND end_time < {mark} AND expire_time IS NULL "
                        f"ORDER BY end_time LIMIT {mark}",
                        (time(ended_before), limit - len(found)),
                    )
                    found += cursor.fetchall()
                trimmed = {} if ended_before is None else _trim_project_logs(cursor, sql, time(ended_before))
                return _tombstone(cursor, sql, codec, found, now, "expired", notice, trimmed)
            finally:
                cursor.close()

        return await self.writer.run(expire)

    async def delete_instance(self, instance_id: str, now: datetime) -> bool:
        """Deletes one terminated instance as retention does, its tombstone saying a caller deleted it;
        False when there is no such terminated instance (any more)."""
        sql = self.sql
        codec, notice = self.codec, self.project_notice

        def delete(connection: Any) -> bool:
            cursor = connection.cursor()
            try:
                cursor.execute(
                    "SELECT id, project, successful, end_time FROM instances "
                    f"WHERE id = {sql.mark} AND status = {rows.TERMINATED_CODE}",
                    (instance_id,),
                )
                found = cursor.fetchall()
                return bool(_tombstone(cursor, sql, codec, found, now, "deleted", notice, {}))
            finally:
                cursor.close()

        return await self.writer.run(delete)


def _tombstone(
    cursor: Any,
    sql: Any,
    codec: EventCodec,
    found: list[Any],
    now: datetime,
    reason: str,
    notice: Callable[[str, int], str] | None,
    trimmed: dict[str, int],
) -> list[str]:
    """Replaces the instances ``found`` (id, project, successful, end_time) by tombstones, and their
    entries in their projects' logs by one deletion each; their ids. Announces the logs that moved
    (``trimmed``: those retention cut, with their last seq) to the other replicas."""
    if not found:
        _notify(cursor, sql, notice, trimmed)
        return []
    mark, time = sql.mark, sql.time
    cursor.executemany(
        "INSERT INTO instance_tombstones (id, project, successful, end_time, delete_time, reason) "
        f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark})",
        [(i, p, bool(ok), end, time(now), reason) for i, p, ok, end in found],
    )
    ids = [(row[0],) for row in found]
    cursor.executemany(f"DELETE FROM request_records WHERE instance_id = {mark}", ids)
    cursor.executemany(f"DELETE FROM instances WHERE id = {mark}", ids)
    cursor.executemany(f"DELETE FROM project_events WHERE instance_id = {mark}", ids)
    deletions = [
        (
            project,
            instance_id,
            0,
            int(ProjectChange.DELETED),
            time(now),
            codec.encode_deletion(instance_id, project, bool(ok), rows.utc_of(end), now),
        )
        for instance_id, project, ok, end in found
    ]

    def advance(project: str, count: int) -> int:
        cursor.execute(sql.advance_project_log, (project, count))
        return int(cursor.fetchone()[0])

    seqs, lasts = number_project_events(advance, deletions)
    cursor.executemany(
        sql.insert_project_event, [(d[0], seq, *d[1:]) for d, seq in zip(deletions, seqs, strict=True)]
    )
    _notify(cursor, sql, notice, {**trimmed, **lasts})
    return [row[0] for row in found]


def _trim_project_logs(cursor: Any, sql: Any, before: Any) -> dict[str, int]:
    """Deletes the project log entries recorded before ``before``; the projects whose logs lost some,
    with their last seq."""
    mark = sql.mark
    cursor.execute(
        f"SELECT project, max(seq) FROM project_events WHERE time < {mark} GROUP BY project", (before,)
    )
    found = cursor.fetchall()
    if not found:
        return {}
    cursor.execute(f"DELETE FROM project_events WHERE time < {mark}", (before,))
    lasts = {}
    for project, seq in sorted(found):
        cursor.execute(
            f"UPDATE project_logs SET trimmed_seq = {mark} WHERE project = {mark} AND trimmed_seq < {mark} "
            "RETURNING last_seq",
            (seq, project, seq),
        )
        row = cursor.fetchone()
        if row is not None:
            lasts[project] = int(row[0])
    return lasts


def _notify(cursor: Any, sql: Any, notice: Callable[[str, int], str] | None, lasts: dict[str, int]) -> None:
    if notice is not None and lasts:
        cursor.execute(sql.notify, ([notice(p, last) for p, last in lasts.items()],))
