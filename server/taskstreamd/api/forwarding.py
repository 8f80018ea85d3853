"""A caller's call forwarded to the replica that owns its instance or schedule (errors.Elsewhere)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from taskstreamd import tracing
from taskstreamd.access.auth import AUTHORIZATION, USER_METADATA
from taskstreamd.api.peers import Peers
from taskstreamd.errors import Elsewhere, Unavailable

Context = grpc.aio.ServicerContext[Any, Any]
# Marks a call one replica forwarded to another (it is never forwarded again).
FORWARDED = "x-taskstream-forwarded"


async def forward(
    peers: Peers | None,
    stub_class: Callable[[grpc.aio.Channel], Any],
    method: str,
    request: Any,
    context: Context,
    elsewhere: Elsewhere,
) -> bytes:
    """The same call, with the caller's credentials, to the owner ``elsewhere`` names; its answer or its
    error is this call's. A call forwarded once is not forwarded again."""
    metadata = tuple(context.invocation_metadata() or ())
    if peers is None or not elsewhere.address or any(k == FORWARDED for k, _ in metadata):
        raise Unavailable(elsewhere.message)
    # Who calls: the token, or with authentication off the user it declares (a schedule's creator).
    passed = (
        *((k, v) for k, v in metadata if k in (AUTHORIZATION, USER_METADATA)),
        (FORWARDED, "1"),
        *tracing.current_metadata(),  # the owner's span continues this one's trace
    )
    stub = stub_class(peers.channel(elsewhere.address))
    try:
        answer = await getattr(stub, method)(request, metadata=passed, timeout=context.time_remaining())
    except grpc.aio.AioRpcError as error:
        # The owner's error as this call's, its details (grpc-status-details-bin) included; abort takes
        # pairs, not the aio Metadata object (a TypeError, answered INTERNAL, otherwise).
        received: Any = error.trailing_metadata() or ()
        trailing = tuple((str(key), value) for key, value in received)
        await context.abort(error.code(), error.details() or "", trailing)
        raise  # abort raises; this keeps type checkers content
    return bytes(answer.SerializeToString())
