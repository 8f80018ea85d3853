"""The request side of idempotent calls: what makes two requests "the same", and their first answer."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from google.protobuf.message import Message

from taskstreamd.store import requests
from taskstreamd.store.repository import Store


def fingerprint(request: Message, principal: str, ignoring: tuple[str, ...] = ()) -> str:
    """A digest of everything in the request but its request_id (and the ``ignoring`` fields, which do
    not change what the request asks for), and of who sent it: a retry has the same fingerprint, another
    request reusing the id (or another caller) a different one."""
    copy = type(request)()
    copy.CopyFrom(request)
    for field in ("request_id", *ignoring):  # every caller's message has a request_id
        copy.ClearField(field)
    data = copy.SerializeToString(deterministic=True)
    return hashlib.sha256(principal.encode() + b"\0" + data).hexdigest()


async def first_answer(
    store: Store, key: requests.RequestKey, claim: requests.Claim, answer: Message
) -> bytes:
    """The serialized answer every request with ``key`` gets: the first one stored."""
    return await requests.first_answer(store, key, claim, answer.SerializeToString(), datetime.now(UTC))
