"""Calls to the other replicas: ReplicaService (core.relay's PeerLink) and the forwarding of a caller's
call to the replica that owns its instance.

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
from taskstreamd.wire import worker as wire

REPLICA_HEADER = "x-taskstream-replica"
CLAIM_SECONDS = 10.0
RELAY_SECONDS = 30.0


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
