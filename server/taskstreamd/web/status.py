"""A small HTTP/1.1 server for the status page, a health probe and the Logview pages, on asyncio streams."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging

from taskstreamd.metrics import CONTENT_TYPE, Metrics
from taskstreamd.scheduler.service import InstanceManager
from taskstreamd.web.http import Response, read_request, respond
from taskstreamd.web.listener import Listener
from taskstreamd.web.logview import Logview

log = logging.getLogger(__name__)


class StatusServer:
    def __init__(
        self, manager: InstanceManager, logview: Logview | None = None, *, metrics: Metrics | None = None
    ) -> None:
        self.manager = manager
        self.logview = logview
        self.metrics = metrics
        self._listener: Listener | None = None

    async def start(self, listener: Listener) -> None:
        """Serves the connections of ``listener``, bound beforehand."""
        self._listener = listener
        await listener.serve(self._handle)

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await read_request(reader, 10)
            if request is None or request.method not in ("GET", "HEAD"):
                await respond(writer, Response(405, "text/plain", b"method not allowed\n"))
            elif request.path == "/healthz":
                await respond(writer, Response(200, "text/plain", b"ok\n"))
            elif request.path == "/metrics" and self.metrics is not None:
                await respond(writer, Response(200, CONTENT_TYPE, await self.metrics.exposition()))
            elif request.path == "/":
                page = (await self._page()).encode()
                await respond(writer, Response(200, "text/html; charset=utf-8", page))
            elif self.logview is not None and request.path.startswith("/logview"):
                await self.logview.handle(request, writer)
            else:
                await respond(writer, Response(404, "text/plain", b"not found\n"))
        except (TimeoutError, ConnectionError):
            pass
        except Exception:
            log.exception("status page request failed")
            with contextlib.suppress(Exception):
                await respond(writer, Response(500, "text/plain", b"internal error\n"))
        finally:
            writer.close()

    async def _page(self) -> str:
        counts = await self.manager.store.count_by_status()
        workers = list(self.manager.workers)
        rows = "".join(
            f"<tr><td>{html.escape(w.name)}</td><td>{w.id}</td><td>{w.busy_slots}/{w.slots}</td>"
            f"<td>{w.waiting}</td></tr>"
            for w in workers
        )
        status_rows = "".join(f"<tr><td>{s}</td><td>{n}</td></tr>" for s, n in sorted(counts.items()))
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>taskstream</title>"
            "<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}</style></head><body>"
            "<h1>taskstream</h1><h2>Instances</h2><table><tr><th>status</th><th>count</th></tr>"
            f"{status_rows}</table><h2>Workers ({len(workers)})</h2>"
            f"<table><tr><th>name</th><th>id</th><th>busy</th><th>waiting</th></tr>{rows}</table></body></html>"
        )
