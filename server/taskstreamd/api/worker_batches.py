"""Batches of the worker protocol on the server's side of a session (see worker_service.proto).

A worker that registered with ``accepts_batches`` is sent everything its session's outbox holds at once
as one ``ConnectResponse.batch``; a ``ConnectRequest.batch`` a worker sends is unwrapped into the reports
it carries, in order, which are then recorded exactly as if they had come one by one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.errors import InvalidArgument

# What one batch may carry: a bigger message goes alone, and a worker's receive limit is never near.
MAX_BATCH_BYTES = 1024 * 1024
# Kinds a batch may not hold: batches do not nest, and registration is the session's first message.
_NOT_IN_A_BATCH = frozenset({"batch", "register"})


def unwrap(request: wpb.ConnectRequest) -> Sequence[wpb.ConnectRequest]:
    """The reports ``request`` carries, in order; InvalidArgument for a batch inside a batch."""
    if request.WhichOneof("message") != "batch":
        return (request,)
    messages = request.batch.messages
    for i, message in enumerate(messages):
        kind = message.WhichOneof("message")
        if kind in _NOT_IN_A_BATCH:
            raise InvalidArgument.one(f"batch.messages[{i}]", f"a batch cannot hold a {kind} message")
    return messages


async def outgoing(
    outbox: asyncio.Queue[wpb.ConnectResponse | None], *, batches: bool
) -> AsyncIterator[wpb.ConnectResponse]:
    """What to write to the worker, until the outbox's end (None): one message at a time, or with
    ``batches`` everything ready at once."""
    while (first := await outbox.get()) is not None:
        if not batches or outbox.empty():
            yield first
            continue
        ready = [first]
        ended = False
        while not outbox.empty():
            message = outbox.get_nowait()
            if message is None:
                ended = True
                break
            ready.append(message)
        for packed in pack(ready):
            yield packed
        if ended:
            return


def pack(messages: Sequence[wpb.ConnectResponse]) -> list[wpb.ConnectResponse]:
    """``messages`` in order as few stream messages as MAX_BATCH_BYTES allows (a lone one unwrapped)."""
    packed: list[wpb.ConnectResponse] = []
    group: list[wpb.ConnectResponse] = []
    size = 0
    for message in messages:
        length = message.ByteSize()
        if group and size + length > MAX_BATCH_BYTES:
            packed.append(_one(group))
            group, size = [], 0
        group.append(message)
        size += length
    if group:
        packed.append(_one(group))
    return packed


def refusal(task: asyncio.Task[None]) -> InvalidArgument | None:
    """The InvalidArgument that ended ``task`` (a session's reader), if that is how it ended."""
    if not task.done() or task.cancelled():
        return None
    error = task.exception()
    return error if isinstance(error, InvalidArgument) else None


def _one(group: list[wpb.ConnectResponse]) -> wpb.ConnectResponse:
    if len(group) == 1:
        return group[0]
    return wpb.ConnectResponse(batch=wpb.ConnectResponseBatch(messages=group))
