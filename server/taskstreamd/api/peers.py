"""Calls to the other replicas: ReplicaService (core.relay's PeerLink, core.permits' PermitLink) and the
forwarding of a caller's call to the replica that owns its instance.

Channels are opened on first use and kept per address; every call carries the replicas' shared secret.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from taskstream.v1 import replica_service_pb2 as rpb
from taskstream.v1 import replica_service_pb2_grpc
from taskstreamd.core.sessions import WorkerSession
from taskstreamd.domain.worker_messages import Assignment, Command, Registration, Report
from taskstreamd.errors import Unavailable
from taskstreamd.wire import convert
from taskstreamd.wire import worker_protocol as wire

REPLICA_HEADER = "x-taskstream-replica"
CLAIM_SECONDS = 10.0
RELAY_SECONDS = 30.0
PERMIT_MARGIN_SECONDS = 5.0  # an ask for permits may wait at the owner: its deadline is that wait and this


class Peers:
    def __init__(self, address_of: Callable[[str], str], secret: Callable[[], str]) -> None:
        self._address_of = address_of  # replica id -> its gRPC address
        self._secret = secret
        self._channels: dict[str, grpc.aio.Channel] = {}

    def channel(self, address: str) -> grpc.aio.Channel:
        channel = self._channels.get(address)
        if channel is None:
            channel = self._channels[address] = grpc.aio.insecure_channel(address)
        return channel

    def _stub(self, replica: str) -> Any:
        address = self._address_of(replica)
        if not address:
            raise Unavailable(f"replica {replica} is not known to be alive")
        return replica_service_pb2_grpc.ReplicaServiceStub(self.channel(address))

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return ((REPLICA_HEADER, self._secret()),)

    async def close(self) -> None:
        for channel in self._channels.values():
            with contextlib.suppress(Exception):
                await channel.close(None)
        self._channels.clear()

    # -- PeerLink ----------------------------------------------------------------------------------------

    async def claim(
        self, replica: str, session: WorkerSession, registration: Registration, most: int
    ) -> list[Assignment]:
        request = rpb.ClaimTasksRequest(
            worker_id=session.id,
            worker=wire.registration_message(registration),
            max_tasks=most,
            projects=sorted(session.projects or ()),
            all_projects=session.projects is None,
        )
        response = await self._stub(replica).ClaimTasks(
            request, metadata=self.metadata(), timeout=CLAIM_SECONDS
        )
        return [wire.assignment_of(a) for a in response.assignments]

    async def relay(
        self, replica: str, worker_id: str, reports: Sequence[Report], disconnected: bool
    ) -> None:
        request = rpb.RelayReportsRequest(
            worker_id=worker_id, reports=[wire.report_message(r) for r in reports], disconnected=disconnected
        )
        await self._stub(replica).RelayReports(request, metadata=self.metadata(), timeout=RELAY_SECONDS)

    async def send(self, replica: str, worker_id: str, commands: Sequence[Command]) -> None:
        request = rpb.SendCommandsRequest(
            worker_id=worker_id, commands=[wire.command_message(c) for c in commands]
        )
        await self._stub(replica).SendCommands(request, metadata=self.metadata(), timeout=RELAY_SECONDS)

    # -- PermitLink --------------------------------------------------------------------------------------

    async def acquire(
        self, owner: str, replica: str, key: str, limit: int, held: int, wanted: int, wait: float
    ) -> int:
        request = rpb.AcquirePermitsRequest(
            replica=replica, key=key, limit=limit, held=held, wanted=wanted, wait=convert.duration(wait)
        )
        response = await self._stub(owner).AcquirePermits(
            request, metadata=self.metadata(), timeout=wait + PERMIT_MARGIN_SECONDS
        )
        return int(response.held)

    async def report(self, owner: str, replica: str, shards: list[int], holdings: dict[str, int]) -> None:
        request = rpb.ReportPermitsRequest(
            replica=replica,
            shards=shards,
            holdings=[rpb.PermitHolding(key=k, held=n) for k, n in sorted(holdings.items())],
        )
        await self._stub(owner).ReportPermits(request, metadata=self.metadata(), timeout=RELAY_SECONDS)
