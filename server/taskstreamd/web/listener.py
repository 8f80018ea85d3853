"""A listening socket for the web endpoints, bound before the server touches its store and served after.

Binding first makes a busy port fail the start before anything else happened (no migration, no recovery
of another server's tasks); connections wait in the backlog until the handler is given.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Awaitable, Callable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Listener:
    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._handler: Handler | None = None
        self.port = 0

    async def bind(self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None) -> int:
        """Listens on ``host:port`` (0: any free port) without serving yet; returns the bound port."""
        try:
            self._server = await asyncio.start_server(
                self._connected, host, port, ssl=ssl_context, start_serving=False
            )
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise OSError(f"cannot listen on {host}:{port}: {reason}") from None
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def serve(self, handler: Handler) -> None:
        assert self._server is not None, "bind first"
        self._handler = handler
        await self._server.start_serving()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._handler is not None  # connections are accepted only once serving
        await self._handler(reader, writer)
