"""The store as the core uses it: one writer (group commits, on its own thread), readers (a pool of
threads), and the few transactions that are neither (reserving task ids, retention's deletes).

SQLite (one server owns the file) or PostgreSQL (several replicas; see core.replicas for who writes
which instances).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from taskstreamd.domain.events import EventCodec
from taskstreamd.store import engine as engines
from taskstreamd.store import rows
from taskstreamd.store.reads import Reader
from taskstreamd.store.sql_backend import SqlBackend
from taskstreamd.store.statements import for_dialect
from taskstreamd.store.writer import Fence, Writer


class Store:
    def __init__(self, url: str, codec: EventCodec, *, window: float = 0.002, read_threads: int = 4) -> None:
        self.url = engines.blocking_url(url)
        self.shared = engines.is_postgresql(self.url)  # other replicas may use the same database
        self.sql = for_dialect("postgresql" if self.shared else "sqlite")
        self.writer = Writer(SqlBackend(self.url, self.sql), window=window)
        self.reader = Reader(engines.create_engine(self.url, pool_size=read_threads), codec, read_threads)

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
        cascade), and so do their request records."""
        sql = self.sql
        mark, time = sql.mark, sql.time

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
                return _tombstone(cursor, sql, found, now, "expired")
            finally:
                cursor.close()

        return await self.writer.run(expire)

    async def delete_instance(self, instance_id: str, now: datetime) -> bool:
        """Deletes one terminated instance as retention does, its tombstone saying a caller deleted it;
        False when there is no such terminated instance (any more)."""
        sql = self.sql

        def delete(connection: Any) -> bool:
            cursor = connection.cursor()
            try:
                cursor.execute(
                    "SELECT id, project, successful, end_time FROM instances "
                    f"WHERE id = {sql.mark} AND status = {rows.TERMINATED_CODE}",
                    (instance_id,),
                )
                return bool(_tombstone(cursor, sql, cursor.fetchall(), now, "deleted"))
            finally:
                cursor.close()

        return await self.writer.run(delete)


def _tombstone(cursor: Any, sql: Any, found: list[Any], now: datetime, reason: str) -> list[str]:
    """Replaces the instances ``found`` (id, project, successful, end_time) by tombstones; their ids."""
    if not found:
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
    return [row[0] for row in found]
