"""The operator's console on the web port: a project's instances, live; the workers; the run queue; and
the actions an operator takes on an instance.

Routes (the page and its files hold no data; every ``/console/api`` answer is checked):

    /                              the page
    /console/static/NAME           its script and style sheet
    GET  /console/api/session      who the caller is and what it may do
    GET  /console/api/server       counts, workers and queues of this server (metrics = true)
    GET  /console/api/watch        a project watch (WatchInstances) as server-sent events (read)
    GET  /console/api/logview      the Logview address of an instance (read)
    POST /console/api/action       stop, suspend, resume or rerun an instance (write)

Who: with authentication on, every API call carries ``Authorization: Bearer <token>``, which the page
keeps in the tab's session storage and sends as a header, never in an address (so no link, history
entry, log line or Referer carries it). There is no cookie, so a page of another site cannot make the
browser call the API with the operator's rights.

Cross-site requests: an action is a POST that must carry the ``X-Taskstream-Console`` header (another
origin can send it only after a CORS preflight, which this server never grants), an ``Origin`` naming
this very host, and, when the browser says where it comes from, ``Sec-Fetch-Site: same-origin``. With
authentication off every caller may do everything, so then the API also answers only requests whose
``Host`` is this server's own address (its ``--public-url`` or a loopback name with its port): a page
whose name an attacker points at 127.0.0.1 (DNS rebinding) is refused. Pages are sent with a strict
Content-Security-Policy (no inline script, no frames: ``frame-ancestors 'none'``) and the script writes
instance names, labels and owners as text, never as markup.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

from google.protobuf import json_format

from taskstream.v1 import project_event_pb2
from taskstreamd import ids
from taskstreamd.access import auth
from taskstreamd.access.auth import AUTHORIZATION, Principal
from taskstreamd.access.logview_links import LogviewLinks
from taskstreamd.core import overview, project_watch
from taskstreamd.core.core import Core
from taskstreamd.core.rerun import rerun_of
from taskstreamd.core.sql_tasks import require_datasource_access
from taskstreamd.datasources import DataSource
from taskstreamd.domain.model import Instance
from taskstreamd.domain.project_events import InstanceFilter, ProjectEvent
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus
from taskstreamd.errors import (
    Elsewhere,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceError,
    Unauthenticated,
    Unavailable,
)
from taskstreamd.web.access import WebAccess
from taskstreamd.web.http import Request, Response, respond, start_stream
from taskstreamd.wire import convert
from taskstreamd.wire.event_codec import ProtoEventCodec, fill_summary
from taskstreamd.wire.project_watch_messages import event_bytes

STATIC_FILES = {"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"}
ACTION_PATH = "/console/api/action"
ACTION_HEADER = "x-taskstream-console"
ACTIONS = ("stop", "suspend", "resume", "rerun")
HEARTBEAT_SECONDS = 15.0
STALL_SECONDS = 60.0
LOGVIEW_HOURS = 24
MAX_FILTER_VALUES = 64
CODEC = ProtoEventCodec()
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
API_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
}
_STATUS = {"RUNNING": InstanceStatus.RUNNING, "SUSPENDED": InstanceStatus.SUSPENDED}
_STATUS["TERMINATED"] = InstanceStatus.TERMINATED
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


@dataclass
class Console:
    core: Core
    links: LogviewLinks
    access: WebAccess
    datasources: Mapping[str, DataSource] = field(default_factory=dict)
    port: int = 0  # the web port it is served on (set once bound): loopback names are checked with it
    _static: dict[str, bytes] = field(default_factory=dict)

    # -- routing -----------------------------------------------------------------------------------------

    async def page(self, writer: asyncio.StreamWriter) -> None:
        body = _read_static("console.html")
        await respond(writer, Response(200, "text/html; charset=utf-8", body, PAGE_HEADERS))

    async def handle(self, request: Request, writer: asyncio.StreamWriter) -> None:
        path = request.path
        if path.startswith("/console/static/"):
            await self._static_file(path.removeprefix("/console/static/"), writer)
            return
        route = {
            "/console/api/session": self._session,
            "/console/api/server": self._server,
            "/console/api/watch": self._watch,
            "/console/api/logview": self._logview,
            ACTION_PATH: self._action,
        }.get(path)
        if route is None:
            await respond(writer, Response(404, "text/plain", b"not found\n"))
            return
        wanted = "POST" if path == ACTION_PATH else "GET"
        if request.method != wanted and not (wanted == "GET" and request.method == "HEAD"):
            await respond(writer, _json(405, {"error": f"use {wanted}"}, {"Allow": wanted}))
            return
        refusal = self._foreign_host(request)
        if refusal is not None:
            await respond(writer, refusal)
            return
        try:
            principal = self._principal(request)
            await route(request, writer, principal)
        except ServiceError as error:
            await respond(writer, _error(error))

    async def _static_file(self, name: str, writer: asyncio.StreamWriter) -> None:
        content_type = STATIC_FILES.get(name)
        if content_type is None:
            await respond(writer, Response(404, "text/plain", b"not found\n"))
            return
        if name not in self._static:
            self._static[name] = _read_static(name)
        headers = {"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"}
        await respond(writer, Response(200, content_type, self._static[name], headers))

    # -- who may ask -------------------------------------------------------------------------------------

    def _principal(self, request: Request) -> Principal:
        header = request.headers.get(AUTHORIZATION, "")
        return self.access.authenticator.authenticate([(AUTHORIZATION, header)] if header else [])

    def _foreign_host(self, request: Request) -> Response | None:
        """With authentication off, a refusal of any Host but this server's own (DNS rebinding)."""
        if self.access.authenticator.enabled:
            return None
        host = request.headers.get("host", "").lower()
        if host in self._own_hosts():
            return None
        return _json(403, {"error": f"this console answers only at its own address, not {host!r}"})

    def _own_hosts(self) -> set[str]:
        hosts = {f"{name}:{self.port}" for name in LOOPBACK_NAMES}
        public = urllib.parse.urlsplit(self.links.public_url)
        if public.hostname:
            netloc = public.netloc.lower().rpartition("@")[2]
            hosts.add(netloc)
            if public.port is None:  # a default port: browsers send the bare name
                hosts.add(public.hostname.lower())
        return hosts

    @staticmethod
    def _cross_site(request: Request) -> str:
        """Why an action request may have come from another site; "" when it did not."""
        headers = request.headers
        if headers.get(ACTION_HEADER) != "1":
            return f"an action needs the {ACTION_HEADER} header, which only this console's page sends"
        site = headers.get("sec-fetch-site")
        if site is not None and site != "same-origin":
            return f"the browser says this request came from a {site} page"
        origin = headers.get("origin", "")
        host = headers.get("host", "").lower()
        if not origin or urllib.parse.urlsplit(origin).netloc.lower() != host:
            return "an action must come from a page of this console (its Origin must be this host)"
        return ""

    # -- the API -----------------------------------------------------------------------------------------

    async def _session(self, request: Request, writer: asyncio.StreamWriter, principal: Principal) -> None:
        body = {
            "auth": self.access.authenticator.enabled,
            "principal": principal.name,
            "metrics": principal.metrics,
            "read": sorted(principal.read | principal.write),
            "write": sorted(principal.write),
        }
        await respond(writer, _json(200, body))

    async def _server(self, request: Request, writer: asyncio.StreamWriter, principal: Principal) -> None:
        if not principal.metrics:
            raise PermissionDenied(
                "METRICS_DENIED", f"{principal.name!r} may not read server-wide figures (metrics = true)"
            )
        core = self.core
        counts, tasks = await core.store.reader.counts_by_status()
        visible = principal.can_read
        body = {
            "draining": core.draining,
            "instances": counts,
            "tasks": {status.name: n for status, n in sorted(tasks.items())},
            "queue_depth": core.queue_depth,
            "workers": [_plain(w) for w in overview.workers(core.workers, core.book, visible)],
            "queues": [_plain(q) for q in overview.queues(core.dispatcher, core.book, visible)],
        }
        await respond(writer, _json(200, body))

    async def _logview(self, request: Request, writer: asyncio.StreamWriter, principal: Principal) -> None:
        project, instance_id = self._instance_ref(request, principal, write=False)
        await self.core.instances.current(project, instance_id)
        url, expires = self.links.address(project, instance_id, LOGVIEW_HOURS)
        await respond(writer, _json(200, {"url": url, "expires": expires.isoformat()}))

    async def _action(self, request: Request, writer: asyncio.StreamWriter, principal: Principal) -> None:
        why = self._cross_site(request)
        if why:
            await respond(writer, _json(403, {"error": why, "reason": "CROSS_SITE_REQUEST"}))
            return
        action = request.arg("do")
        if action not in ACTIONS:
            raise InvalidArgument.one("do", f"must be one of {', '.join(ACTIONS)}")
        project, instance_id = self._instance_ref(request, principal, write=True)
        instances = self.core.instances
        try:
            if action == "stop":
                await instances.stop(
                    project,
                    instance_id,
                    lambda i: b"",
                    reason=CancellationReason.DIRECT,
                    message="stopped from the console",
                    requested_by=principal.name,
                    grace_period=None,
                )
                instance = await instances.current(project, instance_id)
            elif action == "suspend":
                instance = await instances.suspend(project, instance_id, _same)
            elif action == "resume":
                instance = await instances.resume(project, instance_id, _same)
            else:
                new = rerun_of(await instances.current(project, instance_id), principal.name)
                require_datasource_access(new.tasks, project, self.datasources)
                instance = (await instances.create(new, lambda i: b"")).instance
        except Elsewhere as elsewhere:
            where = f" at {elsewhere.address}" if elsewhere.address else ""
            raise Unavailable(
                f"instance {instance_id} is run by another server replica{where}: use its console"
            ) from None
        message = convert.instance_proto(instance, with_tasks=False)
        await respond(writer, _json(200, {"action": action, "instance": _dict(message)}))

    def _instance_ref(self, request: Request, principal: Principal, *, write: bool) -> tuple[str, str]:
        project = _project(request)
        instance_id = request.arg("id")
        ids.parse_instance_name(ids.instance_name(project, instance_id), "id")
        if write:
            auth.require_write(principal, project)
        else:
            auth.require_read(principal, project)
        return project, instance_id

    async def _watch(self, request: Request, writer: asyncio.StreamWriter, principal: Principal) -> None:
        project = _project(request)
        auth.require_read(principal, project)
        watch_request = _watch_request(request, project)
        stream = project_watch.watch_project(self.core.store.reader, self.core.projects, CODEC, watch_request)
        async with contextlib.aclosing(stream):
            first = await anext(stream)
            await start_stream(writer, API_HEADERS)
            await _send_item(writer, *first)
            async for item, cursor in stream:
                await _send_item(writer, item, cursor)


# -- requests ------------------------------------------------------------------------------------------


def _project(request: Request) -> str:
    return ids.parse_project(f"projects/{request.arg('project')}", "project")


def _watch_request(request: Request, project: str) -> project_watch.ProjectWatchRequest:
    problems: list[FieldViolation] = []
    statuses = set()
    for name in request.query.get("status", [])[:MAX_FILTER_VALUES]:
        status = _STATUS.get(name.upper())
        if status is None:
            problems.append(FieldViolation("status", f"unknown status {name!r}"))
        else:
            statuses.add(status)
    labels: dict[str, str] = {}
    for pair in request.query.get("label", [])[:MAX_FILTER_VALUES]:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            problems.append(FieldViolation("label", f"expected key=value, got {pair!r}"))
        else:
            labels[key] = value
    times: dict[str, datetime | None] = {}
    for name in ("from", "to"):
        text = request.arg(name)
        try:
            times[name] = datetime.fromisoformat(text) if text else None
        except ValueError:
            problems.append(FieldViolation(name, f"expected an ISO 8601 time, got {text!r}"))
            times[name] = None
        stamp = times[name]
        if stamp is not None and stamp.tzinfo is None:
            problems.append(FieldViolation(name, "give the time zone (for example Z)"))
    after = request.headers.get("last-event-id") or request.arg("after") or "0"
    limit = request.arg("limit") or "0"
    if not after.isdigit():
        problems.append(FieldViolation("after", "must be a sequence number"))
    if not limit.isdigit() or int(limit) > project_watch.MAX_SNAPSHOT_LIMIT:
        problems.append(FieldViolation("limit", f"must be 0 to {project_watch.MAX_SNAPSHOT_LIMIT}"))
    if problems:
        raise InvalidArgument(problems)
    where = InstanceFilter(
        statuses=frozenset(statuses),
        owner=request.arg("owner"),
        labels=labels,
        task_types=frozenset(t for t in request.query.get("type", [])[:MAX_FILTER_VALUES] if t),
        create_time_start=times["from"],
        create_time_end=times["to"],
    )
    return project_watch.ProjectWatchRequest(
        project,
        where,
        int(after),
        int(limit) or project_watch.DEFAULT_SNAPSHOT_LIMIT,
        HEARTBEAT_SECONDS,
    )


# -- answers -------------------------------------------------------------------------------------------


def _same(instance: Instance) -> Instance:
    return instance


def _read_static(name: str) -> bytes:
    return resources.files("taskstreamd.web").joinpath("static", name).read_bytes()


def _dict(message: Any) -> dict[str, Any]:
    result: dict[str, Any] = json_format.MessageToDict(message)
    return result


def _plain(value: Any) -> Any:
    """Dataclasses of the overview as JSON values (times as ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(body, separators=(",", ":")).encode()
    return Response(status, "application/json", data, {**API_HEADERS, **(headers or {})})


_CODES: list[tuple[type[ServiceError], int]] = [
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (InvalidArgument, 400),
    (FailedPrecondition, 409),
    (Unavailable, 503),
]


def _error(error: ServiceError) -> Response:
    status = next((code for kind, code in _CODES if isinstance(error, kind)), 500)
    body: dict[str, Any] = {"error": error.message, "reason": getattr(error, "reason", "")}
    if isinstance(error, InvalidArgument):
        body["violations"] = [{"field": v.field, "description": v.description} for v in error.violations]
    headers = {"WWW-Authenticate": 'Bearer realm="taskstream"'} if status == 401 else None
    return _json(status, body, headers)


async def _send(writer: asyncio.StreamWriter, kind: str, data: Any, seq: int | None = None) -> None:
    head = f"id: {seq}\n" if seq is not None else ""
    writer.write(f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode())
    async with asyncio.timeout(STALL_SECONDS):  # a page that reads nothing is let go (it resumes)
        await writer.drain()


async def _send_item(writer: asyncio.StreamWriter, item: project_watch.ProjectWatchItem, cursor: int) -> None:
    if isinstance(item, project_watch.SnapshotPage):
        page = project_event_pb2.InstancesSnapshot(seq=item.seq, last=item.last, truncated=item.truncated)
        for summary in item.instances:
            fill_summary(page.instances.add(), summary.instance, summary.task_types, summary.task_count)
        await _send(writer, "snapshot", _dict(page), cursor if item.last else None)
    elif isinstance(item, ProjectEvent):
        event = project_event_pb2.ProjectInstanceEvent.FromString(event_bytes(item))
        await _send(writer, "event", _dict(event), cursor)
    elif isinstance(item, project_watch.Beat):
        await _send(writer, "heartbeat", {"seq": str(cursor)}, cursor)
    else:
        await _send(writer, "end", {"seq": str(cursor), "reason": item.reason, "message": item.message})
