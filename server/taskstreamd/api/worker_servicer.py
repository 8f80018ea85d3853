"""WorkerService: one Connect stream per worker session."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import grpc

from taskstream.v1 import worker_service_pb2 as wpb
from taskstream.v1 import worker_service_pb2_grpc
from taskstreamd.errors import InvalidArgument
from taskstreamd.scheduler.service import InstanceManager
from taskstreamd.scheduler.workers import WorkerSession

Context = grpc.aio.ServicerContext[Any, Any]


class WorkerServicer(worker_service_pb2_grpc.WorkerServiceServicer):
    def __init__(self, manager: InstanceManager, max_output_bytes: int) -> None:
        self.manager = manager
        self.max_output_bytes = max_output_bytes

    async def Connect(
        self, request_iterator: AsyncIterator[wpb.ConnectRequest], context: Context
    ) -> AsyncIterator[wpb.ConnectResponse]:
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("message") != "register":
            raise InvalidArgument.one("message", "the first message of a worker session must be register")
        reg = first.register
        if reg.slots < 1:
            raise InvalidArgument.one("register.slots", "a worker needs at least one slot")
        session = WorkerSession(
            name=reg.worker_name or "worker",
            slots=reg.slots,
            task_types={t.name: t.description for t in reg.task_types},
            accepts_python_objects=reg.accepts_python_objects,
            labels=dict(reg.labels),
        )
        leases = self.manager.settings.leases
        registered = wpb.WorkerRegistered(worker_id=session.id, max_output_bytes=self.max_output_bytes)
        registered.heartbeat_interval.FromTimedelta(timedelta(seconds=leases.heartbeat_interval))
        registered.lease_duration.FromTimedelta(timedelta(seconds=leases.lease_seconds))
        yield wpb.ConnectResponse(registered=registered)
        self.manager.connect_worker(session)
        reader = asyncio.create_task(self._read_reports(session, request_iterator))
        try:
            while True:
                outgoing = asyncio.create_task(session.outbox.get())
                done, _ = await asyncio.wait({outgoing, reader}, return_when=asyncio.FIRST_COMPLETED)
                if outgoing not in done:
                    outgoing.cancel()
                    break  # the worker closed its side or the stream broke
                message = outgoing.result()
                if message is None:
                    break  # the server is closing
                yield message
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            await asyncio.shield(self.manager.disconnect_worker(session))

    async def _read_reports(
        self, session: WorkerSession, requests: AsyncIterator[wpb.ConnectRequest]
    ) -> None:
        """Records reports in order. While one is being recorded the next ones queue up, and a task's
        queued progress reports collapse into its latest, so a chatty task cannot build a backlog that
        delays its status changes."""
        pending: deque[wpb.ConnectRequest] = deque()
        arrived = asyncio.Event()
        ended = False

        async def receive() -> None:
            nonlocal ended
            try:
                async for request in requests:
                    pending.append(request)
                    arrived.set()
            finally:
                ended = True
                arrived.set()

        receiver = asyncio.create_task(receive())
        try:
            while not (ended and not pending):
                await arrived.wait()
                arrived.clear()
                while pending:
                    batch = last_heartbeat_only(latest_progress_only(list(pending)))
                    pending.clear()
                    for group in runs_of_reports(batch):
                        await self._record(session, group)
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver

    async def _record(self, session: WorkerSession, group: list[wpb.ConnectRequest]) -> None:
        m = self.manager
        first = group[0]
        kind = first.WhichOneof("message")
        if kind in REPORTS:
            await m.task_reports(session, group)
        elif kind == "heartbeat":
            await m.worker_heartbeat(session)
        elif kind == "started":
            await m.task_started(session, first.started.assignment_id)
        elif kind == "finished":
            await m.task_finished(session, first.finished)
        # "paused" confirmations need no state: the instance was marked suspended when asked.


# Reports that change no status: a run of them is recorded in one transaction.
REPORTS = frozenset({"progress", "property", "output"})


def runs_of_reports(batch: list[wpb.ConnectRequest]) -> list[list[wpb.ConnectRequest]]:
    """The batch in order, consecutive REPORTS grouped together, every other message alone."""
    groups: list[list[wpb.ConnectRequest]] = []
    for request in batch:
        if (
            request.WhichOneof("message") in REPORTS
            and groups
            and groups[-1][0].WhichOneof("message") in REPORTS
        ):
            groups[-1].append(request)
        else:
            groups.append([request])
    return groups


def last_heartbeat_only(batch: list[wpb.ConnectRequest]) -> list[wpb.ConnectRequest]:
    """The reports in order without heartbeats a later one makes redundant (a backlog after a stall)."""
    beats = [i for i, r in enumerate(batch) if r.WhichOneof("message") == "heartbeat"]
    redundant = set(beats[:-1])
    return [r for i, r in enumerate(batch) if i not in redundant]


def latest_progress_only(batch: list[wpb.ConnectRequest]) -> list[wpb.ConnectRequest]:
    """The reports in order, without progress that a later progress of the same attempt replaces."""
    last: dict[str, int] = {}
    for i, request in enumerate(batch):
        if request.WhichOneof("message") == "progress":
            last[request.progress.assignment_id] = i
    return [
        r
        for i, r in enumerate(batch)
        if r.WhichOneof("message") != "progress" or last[r.progress.assignment_id] == i
    ]
