"""Idempotent requests: a create or stop carrying a request_id is done once, and every retry gets the
first answer.

The first call claims (project, method, request_id) in the commit that carries out its change (see
store.batch.RequestClaim); the answer it gives is stored with the claim. A retry finds the claim, first
among the calls still in flight on this server, then in the store, and is answered with those bytes. A
different request reusing the id (other parameters or another caller: another fingerprint) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskstreamd.errors import FieldViolation, InvalidArgument

CREATE = "create"
STOP = "stop"
_REUSED = FieldViolation(
    "request_id", "this request_id was already used for a different request; use a new id for a new request"
)


@dataclass(frozen=True)
class RequestKey:
    project: str
    method: str
    request_id: str


class RequestReused(InvalidArgument):
    """The request_id was first used for a different request (other parameters, instance or caller)."""

    def __init__(self) -> None:
        super().__init__([_REUSED])


def check(earlier_fingerprint: str, fingerprint: str) -> None:
    if earlier_fingerprint != fingerprint:
        raise RequestReused()
