"""Idempotent requests: the first answer to a (project, method, request_id), kept in the database.

A request is claimed in the transaction that carries out its change, so of concurrent duplicates only
one changes anything (the primary key decides, also across server replicas). The answer is stored
right after, once, and every duplicate is answered with exactly those bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from taskstreamd.errors import FieldViolation, InvalidArgument
from taskstreamd.store.models import RequestRow
from taskstreamd.store.repository import Store, Transaction

_REUSED = FieldViolation(
    "request_id", "this request_id was already used for a different request; use a new id for a new request"
)
CREATE = "create"
STOP = "stop"


@dataclass(frozen=True)
class RequestKey:
    project: str
    method: str
    request_id: str


@dataclass(frozen=True)
class Claim:
    fingerprint: str
    instance_id: str


class RequestReused(InvalidArgument):
    """The request_id was first used for a different request (other parameters, instance or caller)."""

    def __init__(self) -> None:
        super().__init__([_REUSED])


def check(earlier: Claim, claim: Claim) -> None:
    if earlier.fingerprint != claim.fingerprint:
        raise RequestReused()


class DuplicateClaim(Exception):
    """Another transaction claimed the same request at the same time; its answer stands."""


async def find(store: Store, key: RequestKey) -> Claim | None:
    async with store.engine.connect() as connection:
        row = (
            await connection.execute(
                select(RequestRow.fingerprint, RequestRow.instance_id).where(
                    RequestRow.project == key.project,
                    RequestRow.method == key.method,
                    RequestRow.request_id == key.request_id,
                )
            )
        ).first()
    return None if row is None else Claim(row.fingerprint, row.instance_id)


async def claim(tx: Transaction, key: RequestKey, claim: Claim, time: datetime) -> Claim | None:
    """Claims ``key`` for this transaction's change; the earlier claim when there is one (then the
    caller changes nothing). DuplicateClaim when a concurrent transaction claimed it first."""
    session = await tx.orm()
    existing = await session.get(RequestRow, (key.project, key.method, key.request_id))
    if existing is not None:
        return Claim(existing.fingerprint, existing.instance_id)
    session.add(_row(key, claim, None, time))
    try:
        await session.flush()
    except IntegrityError as exc:
        raise DuplicateClaim() from exc
    return None


async def first_answer(store: Store, key: RequestKey, claim: Claim, answer: bytes, time: datetime) -> bytes:
    """The answer stored for ``key``: ``answer`` when this call stores the first one.

    RequestReused when the claim on record has another fingerprint.
    """
    for _ in range(2):  # a second round only after losing an insert race to a concurrent duplicate
        try:
            async with store.transaction() as tx:
                session = await tx.orm()
                row = await session.get(RequestRow, (key.project, key.method, key.request_id))
                if row is None:  # claimed before request records existed
                    session.add(_row(key, claim, answer, time))
                    return answer
                if row.fingerprint != claim.fingerprint:
                    raise RequestReused()
                if row.response is None:
                    row.response = answer
                return row.response
        except IntegrityError:
            continue
    raise RuntimeError(f"request {key} could not be stored")


def _row(key: RequestKey, claim: Claim, answer: bytes | None, time: datetime) -> RequestRow:
    return RequestRow(
        project=key.project,
        method=key.method,
        request_id=key.request_id,
        fingerprint=claim.fingerprint,
        instance_id=claim.instance_id,
        response=answer,
        create_time=time,
    )
