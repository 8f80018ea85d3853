"""ReplicaService: what the other replicas ask of this one (see core.relay and core.permits)."""

from __future__ import annotations

import hmac
from typing import Any

import grpc

from taskstream.v1 import replica_service_pb2 as rpb
from taskstream.v1 import replica_service_pb2_grpc
from taskstreamd.api import validation
from taskstreamd.api.peers import REPLICA_HEADER
from taskstreamd.core.core import Core
from taskstreamd.errors import InvalidArgument, NotFound, Unauthenticated, Unavailable
from taskstreamd.wire import worker_protocol as wire

Context = grpc.aio.ServicerContext[Any, Any]


class ReplicaServicer(replica_service_pb2_grpc.ReplicaServiceServicer):
    def __init__(self, core: Core) -> None:
        self.core = core

    def _check(self, context: Context) -> None:
        secret = self.core.secret
        given = dict(context.invocation_metadata() or ()).get(REPLICA_HEADER, "")
        if not secret or not isinstance(given, str) or not hmac.compare_digest(given, secret):
            raise Unauthenticated(
                "REPLICA_SECRET", "only the server replicas of this database call ReplicaService"
            )

    def _relay(self) -> Any:
        if self.core.relay is None:
            raise Unavailable("this server has no replicas")
        return self.core.relay

    async def ClaimTasks(self, request: rpb.ClaimTasksRequest, context: Context) -> rpb.ClaimTasksResponse:
        self._check(context)
        projects = None if request.all_projects else frozenset(request.projects)
        assignments = await self._relay().claim_for(
            request.worker_id, wire.registration(request.worker), projects, max(0, request.max_tasks)
        )
        return rpb.ClaimTasksResponse(assignments=[wire.command_message(a).assignment for a in assignments])

    async def RelayReports(
        self, request: rpb.RelayReportsRequest, context: Context
    ) -> rpb.RelayReportsResponse:
        self._check(context)
        reports = [report for message in request.reports for report in wire.reports(message)]
        await self._relay().reports_from(request.worker_id, reports, request.disconnected)
        return rpb.RelayReportsResponse()

    async def SendCommands(
        self, request: rpb.SendCommandsRequest, context: Context
    ) -> rpb.SendCommandsResponse:
        self._check(context)
        commands = [c for m in request.commands if (c := wire.command_of(m)) is not None]
        if not self._relay().commands_for(request.worker_id, commands):
            raise NotFound("worker", request.worker_id)
        return rpb.SendCommandsResponse()

    def _permits(self) -> Any:
        if self.core.permits is None:
            raise Unavailable("this server has no replicas")
        return self.core.permits

    async def AcquirePermits(
        self, request: rpb.AcquirePermitsRequest, context: Context
    ) -> rpb.AcquirePermitsResponse:
        self._check(context)
        if request.limit < 1 or request.held < 0 or request.wanted < 0:
            raise InvalidArgument.one("limit", "limits are at least 1, and permits not negative")
        wait = min(validation.seconds(request.wait, "wait"), 60.0) if request.HasField("wait") else 0.0
        held = await self._permits().acquire(
            request.replica, request.key, request.limit, request.held, request.wanted, wait
        )
        return rpb.AcquirePermitsResponse(held=held)

    async def ReportPermits(
        self, request: rpb.ReportPermitsRequest, context: Context
    ) -> rpb.ReportPermitsResponse:
        self._check(context)
        holdings = {h.key: h.held for h in request.holdings}
        self._permits().report(request.replica, list(request.shards), holdings)
        return rpb.ReportPermitsResponse()
