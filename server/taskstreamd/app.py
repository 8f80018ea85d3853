"""The server process: store, scheduler, gRPC and HTTP endpoints, and the local workers, started together."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from taskstream.v1 import (
    instance_service_pb2,
    instance_service_pb2_grpc,
    worker_service_pb2,
    worker_service_pb2_grpc,
)
from taskstreamd.api.instance_servicer import InstanceServicer
from taskstreamd.api.interceptor import ErrorInterceptor
from taskstreamd.api.worker_servicer import WorkerServicer
from taskstreamd.local_workers import LocalWorkerPool
from taskstreamd.scheduler.leases import LeaseSettings
from taskstreamd.scheduler.service import InstanceManager, Settings
from taskstreamd.store import migrate
from taskstreamd.store.engine import default_url
from taskstreamd.store.repository import Store
from taskstreamd.web.logview import Logview, LogviewLinks
from taskstreamd.web.status import StatusServer
from taskstreamd.web.tokens import Signer, load_secret

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TlsFiles:
    """PEM files for serving gRPC over TLS; with ``client_ca``, clients must present a certificate."""

    cert: str | None = None
    key: str | None = None
    client_ca: str | None = None

    def credentials(self) -> grpc.ServerCredentials | None:
        if self.cert is None or self.key is None:
            return None
        pair = (Path(self.key).read_bytes(), Path(self.cert).read_bytes())
        client_ca = Path(self.client_ca).read_bytes() if self.client_ca else None
        return grpc.ssl_server_credentials(
            [pair], root_certificates=client_ca, require_client_auth=client_ca is not None
        )


@dataclass
class ServerConfig:
    listen: str = "127.0.0.1:50051"
    http: str = "127.0.0.1:8051"
    data_dir: Path = Path("data")
    db: str | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    task_modules: list[str] = field(default_factory=list)
    allow_code: bool = False
    max_output_bytes: int = 4 * 1024 * 1024
    grace_period: float = 5.0
    public_url: str = ""  # the base of Logview addresses; "" means http://{the bound --http address}
    leases: LeaseSettings = field(default_factory=LeaseSettings)
    tls: TlsFiles = field(default_factory=TlsFiles)


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {address!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class Server:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.grpc_port = 0
        self.http_port = 0

    async def start(self) -> None:
        c = self.config
        c.data_dir.mkdir(parents=True, exist_ok=True)
        url = c.db or default_url(c.data_dir)
        await asyncio.to_thread(migrate.upgrade, url)
        self.store = Store(url)
        self.manager = InstanceManager(
            self.store,
            Settings(
                allow_code=c.allow_code,
                default_grace_period=c.grace_period,
                max_output_bytes=c.max_output_bytes,
                leases=c.leases,
            ),
        )
        await self.manager.start()
        # The web endpoints start first, so that Logview addresses know their bound port.
        http_host, http_port = split_address(c.http)
        self.logview_links = LogviewLinks(Signer(await asyncio.to_thread(load_secret, c.data_dir)))
        self.status = StatusServer(self.manager, Logview(self.manager, self.logview_links))
        self.http_port = await self.status.start(http_host, http_port)
        self.http_address = f"{http_host}:{self.http_port}"
        self.logview_links.public_url = c.public_url or f"http://{_url_host(http_host)}:{self.http_port}"
        self.grpc = grpc.aio.server(
            interceptors=[ErrorInterceptor()],
            options=[("grpc.max_receive_message_length", 64 * 1024 * 1024), ("grpc.so_reuseport", 0)],
        )
        instance_service_pb2_grpc.add_InstanceServiceServicer_to_server(
            InstanceServicer(self.manager, logview=self.logview_links), self.grpc
        )
        worker_service_pb2_grpc.add_WorkerServiceServicer_to_server(
            WorkerServicer(self.manager, c.max_output_bytes), self.grpc
        )
        self.health = HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc)
        # Server reflection, so grpcurl and other generic tools can list and call the services.
        reflection.enable_server_reflection(
            [
                instance_service_pb2.DESCRIPTOR.services_by_name["InstanceService"].full_name,
                worker_service_pb2.DESCRIPTOR.services_by_name["WorkerService"].full_name,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            self.grpc,
        )
        host, port = split_address(c.listen)
        credentials = c.tls.credentials()
        if credentials is None:
            self.grpc_port = self.grpc.add_insecure_port(f"{host}:{port}")
        else:  # local workers still connect without TLS; see the TLS work on the server side
            self.grpc_port = self.grpc.add_secure_port(f"{host}:{port}", credentials)
        if self.grpc_port == 0:
            raise OSError(f"cannot listen on {c.listen}")
        await self.grpc.start()
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        worker_target = (
            f"127.0.0.1:{self.grpc_port}" if host in ("0.0.0.0", "::", "") else f"{host}:{self.grpc_port}"
        )
        self.local_workers = LocalWorkerPool(c.workers, worker_target, c.task_modules, c.allow_code)
        self.local_workers.start()
        self.grpc_address = f"{host}:{self.grpc_port}"
        self.logview_links.server = self.grpc_address
        # Everything built so far (modules, stubs, descriptors) lives as long as the server: keep it out
        # of the collector's scans, which otherwise take a fifth of a busy streaming server's time.
        gc.freeze()

    def announce(self) -> None:
        """One JSON line on stdout with the bound addresses, for people and for test harnesses."""
        print(
            json.dumps({"event": "ready", "grpc": self.grpc_address, "http": self.http_address}), flush=True
        )
        sys.stdout.flush()

    async def stop(self) -> None:
        await self.health.enter_graceful_shutdown()
        self.manager.events.close()  # watchers end with SERVER_DRAINING and their cursor
        await self.local_workers.stop()
        await self.manager.close()
        await self.grpc.stop(grace=2)
        await self.status.stop()
        await self.store.close()
