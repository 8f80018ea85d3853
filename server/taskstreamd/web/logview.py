"""The Logview page of one instance: its address, the page, and the live feeds the page reads.

Routes (every one but the static files checks the token for the instance named by ``p`` and ``i``):

    /logview/?h=&p=&i=&token=           the page (a 403 page for a bad token)
    /logview/static/NAME                the page's script and style sheet
    /logview/events?p=&i=&token=        server-sent events from the WatchInstance stream (id = seq;
                                        a reconnect's Last-Event-ID resumes after it)
    /logview/output?...&task=&tail=N    server-sent events: the task's stdout and stderr from N bytes
                                        before their end, following them until the task ends
    /logview/result?...&task=           the task's result as JSON
    /logview/rows?...&task=&page_token= a SQL task's result as typed rows (ListTaskResultRows), a page
    /logview/download?...&task=&stream= the task's whole kept stdout or stderr, as a file
    /logview/subinstances?...           the sub-instances this instance started, with their status
    /logview/related?...&to=NAME        a redirect to the page of a sub-instance
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import html
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from google.protobuf import json_format

from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import task_pb2
from taskstreamd import ids
from taskstreamd.access.logview_links import LogviewLinks
from taskstreamd.access.logview_tokens import TokenError
from taskstreamd.core import queueing, task_output, watch, workflows
from taskstreamd.core.core import Core
from taskstreamd.domain.events import EventKind
from taskstreamd.errors import Elsewhere, FailedPrecondition, InvalidArgument, NotFound
from taskstreamd.web.http import Request, Response, respond, start_stream
from taskstreamd.wire import result_rows, watch_messages
from taskstreamd.wire.event_codec import watch_response

log = logging.getLogger(__name__)

# The files under /logview/static/, by exact name: any other name is 404 without touching the file system
# (a name of 5,000 characters once reached open() and answered 500).
STATIC_FILES = {"logview.js": "text/javascript; charset=utf-8", "logview.css": "text/css; charset=utf-8"}
HEARTBEAT_SECONDS = 15.0  # also how soon a closed page's stream is noticed
STALL_SECONDS = 60.0  # a page that reads nothing for this long is let go (EventSource reconnects)
DEFAULT_TAIL = 64 * 1024
ROWS_PAGE = 200
MAX_ROWS_PAGE = 1000
_SAFE_INTEGER = 2**53 - 1
MAX_TAIL = 1024 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; img-src 'self' data:",
    "Referrer-Policy": "no-referrer",  # the address carries the token
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@dataclass
class Logview:
    core: Core
    links: LogviewLinks
    _static: dict[str, bytes] = field(default_factory=dict)

    async def handle(self, request: Request, writer: asyncio.StreamWriter) -> None:
        path = request.path
        if path.startswith("/logview/static/"):
            await self._static_file(path.removeprefix("/logview/static/"), writer)
            return
        route = {
            "/logview/": self._page,
            "/logview": self._page,
            "/logview/events": self._events,
            "/logview/output": self._output,
            "/logview/result": self._result,
            "/logview/rows": self._rows,
            "/logview/download": self._download,
            "/logview/subinstances": self._subinstances,
            "/logview/related": self._related,
            "/logview/queue": self._queue,
        }.get(path)
        if route is None:
            await respond(writer, Response(404, "text/plain", b"not found\n"))
            return
        project, instance_id = request.arg("p"), request.arg("i")
        try:
            self.links.signer.verify(request.arg("token"), project, instance_id)
        except TokenError as exc:
            await respond(writer, forbidden(str(exc)))
            return
        try:
            await route(request, writer, project, instance_id)
        except NotFound as exc:
            await respond(writer, Response(404, "text/plain; charset=utf-8", f"{exc.message}\n".encode()))
        except InvalidArgument as exc:
            await respond(writer, Response(400, "text/plain; charset=utf-8", f"{exc.message}\n".encode()))
        except FailedPrecondition as exc:
            await respond(writer, Response(409, "text/plain; charset=utf-8", f"{exc.message}\n".encode()))

    async def _page(self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str) -> None:
        body = _read_static("logview.html")
        await respond(writer, Response(200, "text/html; charset=utf-8", body, SECURITY_HEADERS))

    async def _static_file(self, name: str, writer: asyncio.StreamWriter) -> None:
        content_type = STATIC_FILES.get(name)
        if content_type is None:
            await respond(writer, Response(404, "text/plain", b"not found\n"))
            return
        if name not in self._static:
            self._static[name] = _read_static(name)
        headers = {"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"}
        await respond(writer, Response(200, content_type, self._static[name], headers))

    async def _events(self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str) -> None:
        after = request.headers.get("last-event-id") or request.arg("after") or "0"
        if not after.isdigit():
            raise InvalidArgument.one("after", "must be a sequence number")
        stream = watch.watch(
            self.core.instances,
            self.core.hub,
            watch.WatchRequest(project, iid, after_seq=int(after), heartbeat_interval=HEARTBEAT_SECONDS),
            watch_messages.snapshot,
        )
        async with contextlib.aclosing(stream):
            first = await anext(stream)  # NotFound surfaces here, before the 200
            await start_stream(writer, SECURITY_HEADERS)
            last = await _send_watch(writer, *first)
            if int(after) == 0:
                subs = await self._sub_instances(iid)
                if subs:
                    await _send(writer, "subinstances", subs)
            async for message, cursor in stream:
                last = await _send_watch(writer, message, cursor)
        if last != "end":  # after "end" (the server is draining) the page reconnects and resumes
            await _send(writer, "done", {})

    async def _sub_instances(self, iid: str) -> list[dict[str, Any]]:
        """The sub-instances created before the page opened (later ones arrive as events)."""
        found: list[dict[str, Any]] = []
        cursor = 0
        for _ in range(20):  # at most 10,000 events read
            batch = await self.core.store.reader.events_after(iid, cursor, include_output=False)
            if not batch:
                break
            for event in batch:
                if event.kind == EventKind.SUB_INSTANCE:
                    response = pb.WatchInstanceResponse.FromString(watch_response(event.data))
                    found.append(_json(response.event.sub_instance_created))
            cursor = batch[-1].seq
        return found

    async def _output(self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str) -> None:
        task = request.arg("task")
        tail_text = request.arg("tail") or str(DEFAULT_TAIL)
        if not tail_text.isdigit():
            raise InvalidArgument.one("tail", "must be a number of bytes")
        tail = min(int(tail_text), MAX_TAIL)
        await task_output.find_task(self.core.instances, project, iid, task)  # NotFound before the 200
        await start_stream(writer, SECURITY_HEADERS)
        streams = {"stdout": task_pb2.OUTPUT_STREAM_STDOUT, "stderr": task_pb2.OUTPUT_STREAM_STDERR}
        # A chunk may end inside a character; each stream's decoder carries the rest over.
        decoders = {name: codecs.getincrementaldecoder("utf-8")("replace") for name in streams}
        async for name, chunk in _merged(
            {
                name: task_output.read_output(
                    self.core.instances, self.core.hub, project, iid, task, number, -tail, True
                )
                for name, number in streams.items()
            }
        ):
            await _send(
                writer,
                "chunk",
                {
                    "stream": name,
                    "offset": chunk.offset,
                    "cut": chunk.cut_bytes,
                    "end": chunk.offset + len(chunk.data),
                    "text": decoders[name].decode(chunk.data),
                },
            )
        if not self.core.hub.closed:  # else the server is draining: the page reconnects later
            await _send(writer, "done", {})

    async def _result(self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str) -> None:
        _, outcome = await self.core.instances.task_outcome(project, iid, request.arg("task"))
        result = task_pb2.Result()
        if outcome.result:
            result.ParseFromString(outcome.result)
        body = json.dumps({"result": _json(result)}).encode()
        await respond(writer, Response(200, "application/json", body, SECURITY_HEADERS))

    async def _rows(self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str) -> None:
        """A page of a SQL task's typed rows: columns with their types, cells as JSON values (an integer
        beyond what JavaScript holds exactly comes as text)."""
        size = request.arg("page_size") or str(ROWS_PAGE)
        if not size.isdigit() or not 0 < int(size) <= MAX_ROWS_PAGE:
            raise InvalidArgument.one("page_size", f"must be 1 to {MAX_ROWS_PAGE}")
        _, outcome = await self.core.instances.task_outcome(project, iid, request.arg("task"))
        page = result_rows.page(outcome, int(size), request.arg("page_token"))
        body = {
            "columns": [
                {"name": c.name, "type": pb.ColumnType.Name(c.type).removeprefix("COLUMN_TYPE_").lower()}
                for c in page.columns
            ],
            "rows": [[_cell(cell) for cell in row.cells] for row in page.rows],
            "next_page_token": page.next_page_token,
        }
        await respond(writer, Response(200, "application/json", json.dumps(body).encode(), SECURITY_HEADERS))

    async def _download(self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str) -> None:
        """The whole kept output of one stream (cut output marked where it was cut), as a file."""
        stream = request.arg("stream") or "stdout"
        if stream not in ("stdout", "stderr"):
            raise InvalidArgument.one("stream", "must be stdout or stderr")
        task = request.arg("task")
        _, outcome = await self.core.instances.task_outcome(project, iid, task)
        data = outcome.stdout.data if stream == "stdout" else outcome.stderr.data
        name = _file_name(f"{iid}-{outcome.task.name}.{stream}.txt")
        headers = {
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{name}"',
        }
        await respond(writer, Response(200, "text/plain; charset=utf-8", data, headers))

    async def _subinstances(
        self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str
    ) -> None:
        """The sub-instances this instance started (the first 1000), in the order they were made."""
        subs, more, _ = await workflows.list_sub_instances(self.core.instances, project, iid, 1000, "")
        body = {
            "sub_instances": [
                {
                    "name": sub.name,
                    "task": sub.task,
                    "instance": ids.instance_name(sub.instance.project, sub.instance.id),
                    "status": sub.instance.status.name,
                    "successful": sub.instance.successful,
                }
                for sub in subs
            ],
            "more": bool(more),
        }
        await respond(writer, Response(200, "application/json", json.dumps(body).encode(), SECURITY_HEADERS))

    async def _queue(self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str) -> None:
        """Each queued task's place in the run queue (1: next), of the first 1000 tasks not started. Only
        the replica that owns the instance keeps its queue; another answers with no positions. The
        queue's length is left out: a link to one instance says nothing more of other projects' work."""
        positions: dict[str, int] = {}
        with contextlib.suppress(Elsewhere):
            info = await queueing.queueing_info(self.core.instances, project, iid, 1000, "")
            positions = {entry.task.name: entry.position for entry in info.tasks if entry.position}
        body = {"positions": positions}
        await respond(writer, Response(200, "application/json", json.dumps(body).encode(), SECURITY_HEADERS))

    async def _related(self, request: Request, writer: asyncio.StreamWriter, project: str, iid: str) -> None:
        """A sub-instance's page: an address opens its instance and the sub-instances that instance
        started, never the parent or siblings, so a sub-instance's address cannot widen to the workflow."""
        to = request.arg("to")
        target_project, target_id = ids.parse_instance_name(to, "to")
        target = await self.core.instances.current(target_project, target_id)
        if target.parent_instance != ids.instance_name(project, iid):
            await respond(writer, forbidden("that instance is not a sub-instance of this one"))
            return
        expires = self.links.signer.verify(request.arg("token"), project, iid)
        hours = max(expires - self.links.signer.clock(), 60) / 3600
        url, _ = self.links.address(target_project, target_id, hours)
        await respond(writer, Response(302, "text/plain", b"", {"Location": url, **SECURITY_HEADERS}))


def forbidden(reason: str) -> Response:
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Logview: access denied</title>"
        "<meta name='viewport' content='width=device-width'>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;background:#f6f7f9;color:#1d2430;display:grid;"
        "place-items:center;min-height:90vh;margin:0}main{background:#fff;border:1px solid #d8dde5;"
        "border-radius:10px;padding:2em 2.5em;max-width:34em}h1{font-size:1.3em;margin:0 0 .4em;"
        "color:#b42318}</style></head><body><main><h1>403 · Access denied</h1>"
        f"<p id='reason'>{html.escape(reason)}.</p><p>This Logview address does not grant access to the "
        "instance. Ask for a fresh one: <code>taskstream logview ID</code> or "
        "<code>instance.get_logview_address()</code>.</p></main></body></html>"
    )
    headers = {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "Cache-Control": "no-store",
    }
    return Response(403, "text/html; charset=utf-8", body.encode(), headers)


def _cell(cell: pb.ResultCell) -> Any:
    kind = cell.WhichOneof("kind")
    if kind is None:
        return None
    value = getattr(cell, kind)
    if kind == "int_value" and abs(value) > _SAFE_INTEGER:
        return str(value)
    return value


def _file_name(name: str) -> str:
    """A name safe in a Content-Disposition header: letters, digits and . _ - only."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)[:200]


def _read_static(name: str) -> bytes:
    return resources.files("taskstreamd.web").joinpath("static", name).read_bytes()


def _json(message: Any) -> dict[str, Any]:
    result: dict[str, Any] = json_format.MessageToDict(message)
    return result


async def _send(writer: asyncio.StreamWriter, kind: str, data: Any, seq: int | None = None) -> None:
    head = f"id: {seq}\n" if seq is not None else ""
    writer.write(f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode())
    async with asyncio.timeout(STALL_SECONDS):  # raises TimeoutError: the connection is closed
        await writer.drain()


async def _send_watch(writer: asyncio.StreamWriter, item: watch.WatchItem, cursor: int) -> str:
    """Sends one message of the watch stream as the event named after its kind, and returns the kind."""
    message = watch_messages.message(item)
    if isinstance(message, bytes):
        message = pb.WatchInstanceResponse.FromString(message)
    kind = message.WhichOneof("kind") or "heartbeat"
    await _send(
        writer, kind, _json(getattr(message, kind)), cursor if kind in ("snapshot", "event") else None
    )
    return kind


async def _merged(
    streams: dict[str, AsyncIterator[task_output.OutputChunk]],
) -> AsyncIterator[tuple[str, Any]]:
    """Items of several async iterators as they come, each with its key; ends when all have ended."""
    queue: asyncio.Queue[tuple[str, task_output.OutputChunk | BaseException | None]] = asyncio.Queue(
        maxsize=4
    )

    async def pump(name: str, stream: AsyncIterator[task_output.OutputChunk]) -> None:
        try:
            async for item in stream:
                await queue.put((name, item))
        except Exception as exc:
            await queue.put((name, exc))
        else:
            await queue.put((name, None))

    pumps = [asyncio.create_task(pump(name, stream)) for name, stream in streams.items()]
    try:
        running = len(pumps)
        while running:
            name, item = await queue.get()
            if isinstance(item, BaseException):
                raise item
            if item is None:
                running -= 1
            else:
                yield name, item
    finally:
        for p in pumps:
            p.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*pumps, return_exceptions=True)
