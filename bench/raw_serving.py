"""How the bench's bare grpc.aio servers (raw_unary_server.py, raw_stream_server.py, skeleton_server.py)
serve: on a free port of 127.0.0.1, announced by one JSON line on stdout, until SIGTERM or a time bound."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Awaitable, Callable

import grpc


async def serve(
    handler: grpc.GenericRpcHandler,
    max_seconds: float,
    before_ready: Callable[[str], Awaitable[None]] | None = None,
) -> None:
    """Serves ``handler`` until SIGTERM or ``max_seconds``. ``before_ready(address)`` runs once the port is
    open and before the ready line: helpers the server needs connected (the skeleton's workers) start there."""
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers((handler,))
    address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    await server.start()
    try:
        if before_ready is not None:
            await before_ready(address)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(json.dumps({"event": "ready", "grpc": address, "pid": os.getpid()}), flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max_seconds)
    finally:
        await server.stop(grace=1)
