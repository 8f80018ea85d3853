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

    async def expire(self, ended_before: datetime, limit: int, now: datetime) -> list[str]:
        """Deletes up to ``limit`` instances that terminated before ``ended_before``, oldest first, leaving
        a tombstone of each; their ids. Tasks, labels, events, properties and output go with them (their
        foreign keys cascade), and so do their request records."""
        sql = self.sql
        mark, time = sql.mark, sql.time

        def expire(connection: Any) -> list[str]:
            cursor = connection.cursor()
            try:
                cursor.execute(
                    "SELECT id, project, successful, end_time FROM instances "
                    f"WHERE status = {rows.TERMINATED_CODE} AND end_time < {mark} ORDER BY end_time LIMIT {mark}",
                    (time(ended_before), limit),
                )
                found = cursor.fetchall()
                if not found:
                    return []
                cursor.executemany(
                    "INSERT INTO instance_tombstones (id, project, successful, end_time, delete_time) "
                    f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
                    [(i, p, bool(ok), end, time(now)) for i, p, ok, end in found],
                )
                ids = [(row[0],) for row in found]
                cursor.executemany(f"DELETE FROM request_records WHERE instance_id = {mark}", ids)
                cursor.executemany(f"DELETE FROM instances WHERE id = {mark}", ids)
                return [row[0] for row in found]
            finally:
                cursor.close()

        return await self.writer.run(expire)
