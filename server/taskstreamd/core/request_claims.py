"""Idempotent requests: a create or stop carrying a request_id is done once, and every retry gets the
first answer.

The first call claims (project, method, request_id) in the commit that carries out its change (see
store.batch.RequestClaim); the answer it gives is stored with the claim. A retry finds the claim, first
among the calls still in flight on this server, then in the store, and is answered with those bytes. A
different request reusing the id (other parameters or another caller: another fingerprint) is refused.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
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


@dataclass(frozen=True)
class Claimed:
    """What the first call with a request id did: its instance and its answer."""

    fingerprint: str
    instance_id: str
    answer: bytes


class Pending:
    """A claim whose commit has not come back yet; ``done`` resolves to what the first call did (the
    winner's, if a call on another replica claimed the id first)."""

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.done: asyncio.Future[Claimed] = asyncio.get_running_loop().create_future()


class Claims:
    """The request ids claimed by calls on this server: in flight, and recently committed, so that of
    concurrent duplicates here exactly one claims (the others wait for it), without a read of the store."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._pending: dict[RequestKey, Pending] = {}
        self._recent: OrderedDict[RequestKey, Claimed] = OrderedDict()

    def find(self, key: RequestKey) -> Pending | Claimed | None:
        return self._pending.get(key) or self._recent.get(key)

    def begin(self, key: RequestKey, fingerprint: str) -> Pending:
        assert key not in self._pending, "find() first, with no await in between"
        pending = self._pending[key] = Pending(fingerprint)
        return pending

    def settle(self, key: RequestKey, pending: Pending, claimed: Claimed) -> None:
        self._pending.pop(key, None)
        self._recent[key] = claimed
        while len(self._recent) > self._capacity:
            self._recent.popitem(last=False)
        if not pending.done.done():
            pending.done.set_result(claimed)

    def fail(self, key: RequestKey, pending: Pending, error: BaseException) -> None:
        """The call gave up before its commit came back: its waiters look again."""
        self._pending.pop(key, None)
        if not pending.done.done():
            pending.done.set_exception(error)
            pending.done.exception()  # retrieved here: a pending nobody waited for logs nothing
