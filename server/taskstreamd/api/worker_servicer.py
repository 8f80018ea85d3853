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
from taskstreamd.api import auth, worker_batches
from taskstreamd.api.auth import Authenticator
from taskstreamd.errors import InvalidArgument
from taskstreamd.scheduler.service import InstanceManager
from taskstreamd.scheduler.workers import WorkerSession, short_prefetch_for

Context = grpc.aio.ServicerContext[Any, Any]


class WorkerServicer(worker_service_pb2_grpc.WorkerServiceServicer):
    def __init__(
        self, manager: InstanceManager, max_output_bytes: int, authenticator: Authenticator | None = None
    ) -> None:
        self.manager = manager
        self.max_output_bytes = max_output_bytes
        self.authenticator = authenticator or Authenticator()

    async def Connect(
        self, request_iterator: AsyncIterator[wpb.ConnectRequest], context: Context
    ) -> AsyncIterator[wpb.ConnectResponse]:
        auth.require_worker(self.authenticator.authenticate(context.invocation_metadata()))
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
            prefetch=self.manager.settings.prefetch,
            short_prefetch=short_prefetch_for(
                self.manager.settings.short_prefetch, gives_back=reg.gives_back_unstarted_tasks
            ),
            gives_back=reg.gives_back_unstarted_tasks,
            labels=dict(reg.labels),
            accepts_batches=reg.accepts_batches,
        )
        leases = self.manager.settings.leases
        registered = wpb.WorkerRegistered(
            worker_id=session.id, max_output_bytes=self.max_output_bytes, accepts_batches=True
        )
        registered.heartbeat_interval.FromTimedelta(timedelta(seconds=leases.heartbeat_interval))
        registered.lease_duration.FromTimedelta(timedelta(seconds=leases.lease_seconds))
        yield wpb.ConnectResponse(registered=registered)
        self.manager.connect_worker(session)
        reader = asyncio.create_task(self._read_reports(session, request_iterator))
        # The worker closed its side or the stream broke: end as when the server closes. (A sentinel in
        # the outbox, rather than waiting on the outbox and the reader together, which cost a task and
        # an asyncio.wait per message.)
        reader.add_done_callback(lambda _: session.outbox.put_nowait(None))
        try:
            async for message in worker_batches.outgoing(session.outbox, batches=session.accepts_batches):
                yield message
            if (refused := worker_batches.refusal(reader)) is not None:
                raise refused  # a malformed batch ends the stream with INVALID_ARGUMENT
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
                    pending.extend(worker_batches.unwrap(request))
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
                    for chunk in chunks(batch):
                        reports = [r for r in chunk if r.WhichOneof("message") != "heartbeat"]
                        if reports:
                            await self.manager.record_reports(session, reports)
                        if len(reports) < len(chunk):  # heard from: renew its leases
                            await self.manager.worker_heartbeat(session)
            if (refused := worker_batches.refusal(receiver)) is not None:
                raise refused
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver


# The most reports recorded in one transaction: long enough to share a commit, short enough that the
# write lock is not held for long.
MAX_REPORTS_PER_TRANSACTION = 256


def chunks(batch: list[wpb.ConnectRequest]) -> list[list[wpb.ConnectRequest]]:
    """The batch in order, cut into transactions of at most MAX_REPORTS_PER_TRANSACTION reports."""
    size = MAX_REPORTS_PER_TRANSACTION
    return [batch[i : i + size] for i in range(0, len(batch), size)]


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
