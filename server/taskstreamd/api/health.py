"""grpc.health.v1 for the server: Check, Watch and List over one serving status per service name.

The server names "" (itself), taskstream.v1.InstanceService and taskstream.v1.WorkerService; each is
NOT_SERVING until the server has started, SERVING then (NOT_SERVING meanwhile while its store takes no
commits), and NOT_SERVING for good once it drains. The
servicer that ships with grpcio-health-checking has no List (the call failed as INTERNAL), hence this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from taskstreamd.errors import NotFound

Status = int  # a HealthCheckResponse.ServingStatus
SERVING: Status = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING: Status = health_pb2.HealthCheckResponse.NOT_SERVING
SERVICE_UNKNOWN: Status = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
Context = grpc.aio.ServicerContext[Any, Any]


@dataclass
class _Watched:
    """The watchers of one service name: ``changed`` is set, and replaced, at each change of status."""

    changed: asyncio.Event = field(default_factory=asyncio.Event)
    watchers: int = 0


class Health(health_pb2_grpc.HealthServicer):  # type: ignore[misc]
    def __init__(self, services: Iterable[str]) -> None:
        self._statuses: dict[str, Status] = dict.fromkeys(services, NOT_SERVING)
        self._watched: dict[str, _Watched] = {}
        self._draining = False

    def serve(self) -> None:
        """Every service SERVING (once the server answers calls)."""
        for service in self._statuses:
            self._set(service, SERVING)

    def unavailable(self) -> None:
        """Every service NOT_SERVING until ``serve`` again (the store takes no commits for now)."""
        for service in self._statuses:
            self._set(service, NOT_SERVING)

    def drain(self) -> None:
        """Every service NOT_SERVING, for good: the server is shutting down."""
        for service in self._statuses:
            self._set(service, NOT_SERVING)
        self._draining = True

    def status(self, service: str) -> Status:
        return self._statuses.get(service, SERVICE_UNKNOWN)

    def _set(self, service: str, status: Status) -> None:
        if self._draining or self._statuses.get(service) == status:
            return
        self._statuses[service] = status
        watched = self._watched.get(service)
        if watched is not None:
            watched.changed.set()
            watched.changed = asyncio.Event()

    async def Check(self, request: health_pb2.HealthCheckRequest, context: Context) -> Any:
        if request.service not in self._statuses:
            raise NotFound("service", request.service)
        return health_pb2.HealthCheckResponse(status=self._statuses[request.service])

    async def List(self, request: health_pb2.HealthListRequest, context: Context) -> Any:
        return health_pb2.HealthListResponse(
            statuses={name: health_pb2.HealthCheckResponse(status=s) for name, s in self._statuses.items()}
        )

    async def Watch(self, request: health_pb2.HealthCheckRequest, context: Context) -> None:
        """The current status first, then each change; SERVICE_UNKNOWN for a name the server lacks."""
        service = request.service
        watched = self._watched.setdefault(service, _Watched())
        watched.watchers += 1
        try:
            sent: Status | None = None
            while True:
                changed = watched.changed  # taken before the read: a change after it wakes the wait
                status = self.status(service)
                if status != sent:
                    await context.write(health_pb2.HealthCheckResponse(status=status))
                    sent = status
                await changed.wait()
        finally:
            watched.watchers -= 1
            if not watched.watchers:
                del self._watched[service]
