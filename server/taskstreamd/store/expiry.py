"""Deleting expired instances: terminated instances past the retention age go, with their tasks,
labels, events, properties and output (cascading foreign keys) and their request records; a small
tombstone row stays so callers learn the instance expired instead of never having existed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select

from taskstreamd.store.models import InstanceRow, RequestRow, TombstoneRow
from taskstreamd.store.repository import Store

TERMINATED_CODE = 3  # InstanceRow.status of a terminated instance


@dataclass(frozen=True)
class Tombstone:
    instance_id: str
    project: str
    successful: bool
    end_time: datetime
    delete_time: datetime


async def expire_batch(store: Store, ended_before: datetime, limit: int, now: datetime) -> int:
    """Deletes up to ``limit`` instances that terminated before ``ended_before``, oldest first, in one
    transaction; the number deleted."""
    async with store.transaction() as tx:
        s = await tx.orm()
        rows = (
            await s.execute(
                select(InstanceRow.id, InstanceRow.project, InstanceRow.successful, InstanceRow.end_time)
                .where(InstanceRow.status == TERMINATED_CODE, InstanceRow.end_time < ended_before)
                .order_by(InstanceRow.end_time)
                .limit(limit)
            )
        ).all()
        if not rows:
            return 0
        ids = [row.id for row in rows]
        tx.touch(*ids)
        s.add_all(
            TombstoneRow(
                id=row.id,
                project=row.project,
                successful=row.successful,
                end_time=row.end_time,
                delete_time=now,
            )
            for row in rows
        )
        await s.execute(delete(RequestRow).where(RequestRow.instance_id.in_(ids)))
        await s.execute(delete(InstanceRow).where(InstanceRow.id.in_(ids)))
        return len(ids)


async def tombstone(store: Store, instance_id: str) -> Tombstone | None:
    async with store.engine.connect() as connection:
        row = (await connection.execute(select(TombstoneRow).where(TombstoneRow.id == instance_id))).first()
    if row is None:
        return None
    return Tombstone(row.id, row.project, row.successful, _utc(row.end_time), _utc(row.delete_time))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite drops the zone
