"""WorkerService: one Connect stream per worker session, between the wire and the core's intake.

Reports are read in order and applied as they come (several per message from a worker that batches);
commands go out as the session's outbox fills, several per message to a worker that takes batches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc

from taskstream.v1 import worker_service_pb2 as wpb
from taskstream.v1 import worker_service_pb2_grpc
from taskstreamd.access import auth
from taskstreamd.access.auth import Authenticator
from taskstreamd.core.core import Core
from taskstreamd.core.sessions import WorkerSession
from taskstreamd.errors import InvalidArgument
from taskstreamd.wire import worker_protocol as wire

Context = grpc.aio.ServicerContext[Any, Any]
# The most commands sent in one message: enough to carry a deep prefetch at once.
MAX_COMMANDS_PER_MESSAGE = 256


class WorkerServicer(worker_service_pb2_grpc.WorkerServiceServicer):
    def __init__(self, core: Core, max_output_bytes: int, authenticator: Authenticator | None = None) -> None:
        self.core = core
        self.max_output_bytes = max_output_bytes
        self.authenticator = authenticator or Authenticator()

    async def Connect(
        self, request_iterator: AsyncIterator[wpb.ConnectRequest], context: Context
    ) -> AsyncIterator[wpb.ConnectResponse]:
        principal = self.authenticator.authenticate(context.invocation_metadata())
        auth.require_worker(principal)
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("message") != "register":
            raise InvalidArgument.one("message", "the first message of a worker session must be register")
        core = self.core
        session = core.new_session(wire.registration(first.register), projects=principal.worker_scope())
        settings = core.settings
        yield wire.registered(
            session.id, self.max_output_bytes, settings.heartbeat_interval, settings.lease_seconds
        )
        core.intake.connect(session)
        reader = asyncio.create_task(self._read_reports(session, request_iterator))
        # The worker closed its side or the stream broke: end as when the server closes.
        reader.add_done_callback(lambda _: session.close())
        try:
            while True:
                commands = await session.outbox.take(MAX_COMMANDS_PER_MESSAGE)
                ended = commands[-1] is None
                live = [c for c in commands if c is not None]
                for message in wire.response(live, batches=session.accepts_batches):
                    yield message
                if ended:
                    break
            if reader.done() and not reader.cancelled():
                refused = reader.exception()
                if isinstance(refused, InvalidArgument):
                    raise refused  # a malformed batch ends the session with INVALID_ARGUMENT
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            core.intake.disconnect(session)

    async def _read_reports(
        self, session: WorkerSession, requests: AsyncIterator[wpb.ConnectRequest]
    ) -> None:
        receive = self.core.intake.receive
        async for request in requests:
            reports = wire.reports(request)
            if reports:
                await receive(session, reports)
