"""The web endpoints' listening socket: bound early, served late, and never holding more than its cap.

Binding first makes a busy port fail the start before anything else happened (no migration, no recovery
of another server's tasks); connections wait in the backlog until the handler is given.

Each connection counts from its accept (TLS is started here, so a handshake that never ends counts too)
until it closes. Over ``max_connections`` a connection is answered 503 and closed at once, so a flood of
slow clients cannot take every file descriptor of the process; that is logged once per minute at most.
The handler bounds how long a request's head may take (http.py), so held connections do end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
from collections.abc import Awaitable, Callable

from taskstreamd.throttle import OneLinePerInterval, Throttle

log = logging.getLogger(__name__)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
MAX_CONNECTIONS = 256
LINE_LIMIT = 16 * 1024  # the longest request line or header line read
HANDSHAKE_SECONDS = 10.0
BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"

# asyncio logs every failed accept() with a traceback; out of descriptors, that is thousands a second.
_ACCEPT_ERRORS = OneLinePerInterval("socket.accept() out of system resource")


class Listener:
    def __init__(self, max_connections: int = MAX_CONNECTIONS) -> None:
        self.max_connections = max_connections
        self.open = 0
        self._server: asyncio.Server | None = None
        self._handler: Handler | None = None
        self._ssl: ssl.SSLContext | None = None
        self._refusals = Throttle()
        self._handlers: set[asyncio.Task[None]] = set()  # the connections being served
        self.port = 0

    async def bind(self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None) -> int:
        """Listens on ``host:port`` (0: any free port) without serving yet; returns the bound port."""
        asyncio_log = logging.getLogger("asyncio")
        if _ACCEPT_ERRORS not in asyncio_log.filters:
            asyncio_log.addFilter(_ACCEPT_ERRORS)
        self._ssl = ssl_context
        try:
            self._server = await asyncio.start_server(
                self._connected, host, port, limit=LINE_LIMIT, start_serving=False
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
        """Stops accepting, then ends the connections still served (open event streams among them), so
        that none outlives what it reads from: the server closes its store after this."""
        if self._server is not None:
            self._server.close()
            handlers = list(self._handlers)
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)
            await self._server.wait_closed()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.open >= self.max_connections:
            self._refuse(writer)
            return
        self.open += 1
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            if self._ssl is not None:
                try:
                    await writer.start_tls(self._ssl, ssl_handshake_timeout=HANDSHAKE_SECONDS)
                except (OSError, TimeoutError, ssl.SSLError):
                    return  # a client that cannot or will not complete the handshake
            assert self._handler is not None  # connections are accepted only once serving
            await self._handler(reader, writer)
        except asyncio.CancelledError:
            pass  # the server is closing (close() cancels what it still serves)
        finally:
            self.open -= 1
            if task is not None:
                self._handlers.discard(task)
            writer.close()

    def _refuse(self, writer: asyncio.StreamWriter) -> None:
        if self._ssl is None:  # a TLS client would read these bytes as a broken handshake
            with contextlib.suppress(OSError):
                writer.write(BUSY)
        writer.close()
        held = self._refusals.allow()
        if held is not None:
            more = f"; {held} more refused in the last {self._refusals.interval:g}s" if held else ""
            log.warning(
                "the web port has %d connections open, its limit (--http-max-connections): "
                "refusing new ones%s",
                self.max_connections,
                more,
            )
