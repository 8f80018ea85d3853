"""A small HTTP/1.1 server for the operator's console, a health probe, /metrics and the Logview pages.

Routes: /healthz (always open), /metrics (server-wide figures: access.py decides who reads them), / and
/console/... (console.py), /logview/... (logview.py). The same class serves /metrics alone on a
``--metrics-listen`` address.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from taskstreamd.access.auth import Authenticator
from taskstreamd.core.core import Core
from taskstreamd.metrics import CONTENT_TYPE, Metrics
from taskstreamd.throttle import Throttle
from taskstreamd.web.access import WebAccess
from taskstreamd.web.console import Console
from taskstreamd.web.http import HEAD_SECONDS, BadRequest, Request, Response, read_request, respond
from taskstreamd.web.listener import Listener
from taskstreamd.web.logview import Logview

log = logging.getLogger(__name__)
NOT_FOUND = Response(404, "text/plain", b"not found\n")


class StatusServer:
    def __init__(
        self,
        core: Core,
        logview: Logview | None = None,
        *,
        metrics: Metrics | None = None,
        access: WebAccess | None = None,
        console: Console | None = None,
        head_seconds: float = HEAD_SECONDS,
    ) -> None:
        """``metrics`` None: no /metrics here; ``console`` None: no / either (a metrics address)."""
        self.core = core
        self.logview = logview
        self.metrics = metrics
        self.access = access or WebAccess(Authenticator())
        self.console = console
        self.head_seconds = head_seconds
        self._listener: Listener | None = None
        self._failures = Throttle()  # one traceback a minute at most, should a bug fail every request

    async def start(self, listener: Listener) -> None:
        """Serves the connections of ``listener``, bound beforehand."""
        self._listener = listener
        await listener.serve(self._handle)

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                request = await read_request(reader, self.head_seconds)
            except BadRequest as exc:
                await respond(writer, exc.response())
                return
            await self._route(request, writer)
        except (TimeoutError, ConnectionError):
            pass
        except Exception:
            held = self._failures.allow()
            if held is not None:
                log.exception("a web request failed (%d more failures in the last minute)", held)
            with contextlib.suppress(Exception):
                await respond(writer, Response(500, "text/plain", b"internal error\n"))
        finally:
            writer.close()

    async def _route(self, request: Request, writer: asyncio.StreamWriter) -> None:
        path = request.path
        if self.console is not None and path.startswith("/console/"):
            await self.console.handle(request, writer)  # it checks methods itself (actions are POSTs)
        elif request.method not in ("GET", "HEAD"):
            await respond(writer, Response(405, "text/plain", b"method not allowed\n"))
        elif path == "/healthz":
            await respond(writer, Response(200, "text/plain", b"ok\n"))
        elif path == "/metrics" and self.metrics is not None:
            refusal = self.access.refusal(request, metrics=True)
            exposition = await self.metrics.exposition() if refusal is None else b""
            await respond(writer, refusal or Response(200, CONTENT_TYPE, exposition))
        elif path == "/" and self.console is not None:
            await self.console.page(writer)
        elif self.logview is not None and path.startswith("/logview"):
            await self.logview.handle(request, writer)
        else:
            await respond(writer, NOT_FOUND)
