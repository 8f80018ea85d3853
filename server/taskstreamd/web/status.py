"""A small HTTP/1.1 server for the status page and a health probe, on asyncio streams."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging

from taskstreamd.scheduler.service import InstanceManager

log = logging.getLogger(__name__)


class StatusServer:
    def __init__(self, manager: InstanceManager) -> None:
        self.manager = manager
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._handle, host, port)
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), 10)
            while (await asyncio.wait_for(reader.readline(), 10)).strip():
                pass  # headers are not needed
            parts = request_line.decode("latin-1").split()
            path = parts[1] if len(parts) >= 2 else "/"
            if len(parts) < 2 or parts[0] not in ("GET", "HEAD"):
                await _respond(writer, 405, "text/plain", b"method not allowed\n")
            elif path == "/healthz":
                await _respond(writer, 200, "text/plain", b"ok\n")
            elif path == "/":
                await _respond(writer, 200, "text/html; charset=utf-8", (await self._page()).encode())
            else:
                await _respond(writer, 404, "text/plain", b"not found\n")
        except (TimeoutError, ConnectionError):
            pass
        except Exception:
            log.exception("status page request failed")
            with contextlib.suppress(Exception):
                await _respond(writer, 500, "text/plain", b"internal error\n")
        finally:
            writer.close()

    async def _page(self) -> str:
        counts = await self.manager.store.count_by_status()
        workers = list(self.manager.workers)
        rows = "".join(
            f"<tr><td>{html.escape(w.name)}</td><td>{w.id}</td><td>{len(w.running)}/{w.slots}</td></tr>"
            for w in workers
        )
        status_rows = "".join(f"<tr><td>{s}</td><td>{n}</td></tr>" for s, n in sorted(counts.items()))
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>taskstream</title>"
            "<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}</style></head><body>"
            "<h1>taskstream</h1><h2>Instances</h2><table><tr><th>status</th><th>count</th></tr>"
            f"{status_rows}</table><h2>Workers ({len(workers)})</h2>"
            f"<table><tr><th>name</th><th>id</th><th>busy</th></tr>{rows}</table></body></html>"
        )


async def _respond(writer: asyncio.StreamWriter, code: int, content_type: str, body: bytes) -> None:
    reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}[code]
    head = (
        f"HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
