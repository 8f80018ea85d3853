"""Task leases in the database: a worker holds each task it was assigned until ``tasks.lease_expires``.

Heartbeats renew the leases of a worker's tasks; a lease that expired is dead and is never renewed again.
Any server replica may expire a lease, whichever replica the worker is connected to: taking an expired
lease is one conditional UPDATE, so of several replicas (or reaper rounds) racing for it exactly one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, literal_column, select, update

from taskstream._status import TaskStatus
from taskstreamd.domain.model import ACTIVE
from taskstreamd.store.models import TaskRow
from taskstreamd.store.repository import Store, Transaction, holds_slot
from taskstreamd.store.state_rows import TASKS

# Every heartbeat runs it: built once, and run as a prepared statement where SQLite runs inline.
_RENEW = (
    update(TASKS)
    .where(
        TASKS.c.worker == bindparam("_worker"),
        TASKS.c.lease_expires >= bindparam("_now"),
        # holds_slot() with the codes written into the SQL (an expanding IN is compiled per execution)
        TASKS.c.status.in_([literal_column(str(int(s))) for s in ACTIVE])
        | and_(TASKS.c.status == literal_column(str(int(TaskStatus.SUSPENDED))), TASKS.c.worker != ""),
    )
    .values(lease_expires=bindparam("v_until"))
    .returning(TASKS.c.assignment_id)
)


@dataclass(frozen=True)
class ExpiredLease:
    instance_id: str
    task_id: int
    assignment_id: str
    worker: str


async def renew(store: Store, worker: str, now: datetime, until: datetime) -> set[str]:
    """Extends the live leases ``worker`` holds to ``until``; the assignment ids it still holds.

    Touches no instance (see Transaction.touched): lease_expires is no part of an instance's answer."""
    async with store.transaction() as tx:
        rows = await tx.rows(_RENEW, {"_worker": worker, "_now": now, "v_until": until})
        return {row["assignment_id"] for row in rows}


async def expired(store: Store, now: datetime, limit: int = 500) -> list[ExpiredLease]:
    """Leases that ran out before ``now``, oldest first (read without locking; ``take`` decides)."""
    query = (
        select(TaskRow.instance_id, TaskRow.id, TaskRow.assignment_id, TaskRow.worker)
        .where(TaskRow.lease_expires < now, holds_slot())
        .order_by(TaskRow.lease_expires)
        .limit(limit)
    )
    async with store.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [ExpiredLease(*row) for row in rows]


async def take(tx: Transaction, lease: ExpiredLease, now: datetime) -> bool:
    """Ends an expired lease; False when it is no longer that lease or no longer expired (renewed in
    time, taken by another replica, or the task moved on)."""
    taken = await (await tx.orm()).scalar(
        update(TaskRow)
        .where(
            TaskRow.id == lease.task_id,
            TaskRow.assignment_id == lease.assignment_id,
            TaskRow.worker == lease.worker,
            TaskRow.lease_expires < now,
        )
        .values(lease_expires=None)
        .returning(TaskRow.id)
    )
    if taken is not None:
        tx.touch(lease.instance_id)  # lease_expires is not in its answer; touched all the same
    return taken is not None
