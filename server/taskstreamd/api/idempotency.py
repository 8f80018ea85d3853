"""What makes two requests carrying one request_id "the same" (see core.request_claims for the rest)."""

from __future__ import annotations

import hashlib

from google.protobuf.message import Message


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
