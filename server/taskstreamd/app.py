"""The server process: store, scheduler, gRPC and HTTP endpoints, and the local workers, started together."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from datetime import timedelta
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
from taskstreamd.api import auth
from taskstreamd.api.instance_servicer import InstanceServicer
from taskstreamd.api.interceptor import ErrorInterceptor
from taskstreamd.api.limits import Limits
from taskstreamd.api.metrics_interceptor import MetricsInterceptor
from taskstreamd.api.task_tokens import TaskTokens
from taskstreamd.api.worker_servicer import WorkerServicer
from taskstreamd.datasources import DEFAULT_DATASOURCE
from taskstreamd.local_workers import LocalWorkerPool
from taskstreamd.metrics import Metrics
from taskstreamd.scheduler.leases import LeaseSettings
from taskstreamd.scheduler.retention import Retention, RetentionPolicy
from taskstreamd.scheduler.service import InstanceManager, Settings
from taskstreamd.store import migrate
from taskstreamd.store.answers import DEFAULT_CAPACITY
from taskstreamd.store.engine import default_url
from taskstreamd.store.repository import Store
from taskstreamd.transport import check_exposure, tls_files
from taskstreamd.warehouse.embedded import ensure_warehouse
from taskstreamd.web.logview import Logview, LogviewLinks
from taskstreamd.web.status import StatusServer
from taskstreamd.web.tokens import Signer, load_secret

log = logging.getLogger(__name__)


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
    prefetch: int = 0
    # More for short task types only (scheduler/durations.py); None: deep for workers that give back what
    # they have not started, 2 for others (scheduler/workers.py)
    short_prefetch: int | None = None
    cached_answers: int = DEFAULT_CAPACITY  # GetInstance answers kept in memory (store/answers.py)
    shutdown_grace: float = 30.0  # seconds running tasks get to finish on SIGTERM before being cancelled
    public_url: str = ""  # the base of Logview addresses; "" means http://{the bound --http address}
    auth_file: Path | None = None  # bearer tokens (api/auth.py); None: authentication off
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None  # mutual TLS: clients must present a certificate it signed
    allow_insecure_auth: bool = False  # tokens over plaintext on a non-loopback address, deliberately
    retention: timedelta | None = None  # terminated instances older than this are deleted; None: kept
    retention_interval: float = 300.0
    retention_batch: int = 500
    limits: Limits = field(default_factory=Limits)
    datasources: dict[str, str] = field(default_factory=dict)  # SQL data sources, NAME -> URL
    leases: LeaseSettings = field(default_factory=LeaseSettings)


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
        # Configuration errors first, before anything is created or bound.
        tls = tls_files(c.tls_cert, c.tls_key, c.tls_client_ca)
        authenticator = auth.load(c.auth_file) if c.auth_file is not None else auth.Authenticator()
        host, port = split_address(c.listen)
        check_exposure(
            host, auth=authenticator.enabled, tls=tls is not None, allow_insecure_auth=c.allow_insecure_auth
        )
        c.data_dir.mkdir(parents=True, exist_ok=True)
        url = c.db or default_url(c.data_dir)
        await asyncio.to_thread(migrate.upgrade, url)
        self.datasources = dict(c.datasources)
        if DEFAULT_DATASOURCE not in self.datasources:
            self.datasources[DEFAULT_DATASOURCE] = await asyncio.to_thread(ensure_warehouse, c.data_dir)
        self.store = Store(url, cached_answers=c.cached_answers)
        self.manager = InstanceManager(
            self.store,
            Settings(
                allow_code=c.allow_code,
                default_grace_period=c.grace_period,
                max_output_bytes=c.max_output_bytes,
                prefetch=c.prefetch,
                short_prefetch=c.short_prefetch,
                max_properties_per_task=c.limits.max_properties_per_task,
                max_property_bytes=c.limits.max_property_bytes,
                datasources=frozenset(self.datasources),
                leases=c.leases,
            ),
        )
        await self.manager.start()
        self.retention: Retention | None = None
        if c.retention is not None:
            policy = RetentionPolicy(c.retention, c.retention_batch, c.retention_interval)
            self.retention = Retention(self.store, policy)
            self.retention.start()
        self.metrics = Metrics(self.manager)
        # The web endpoints start first, so that Logview addresses know their bound port.
        http_host, http_port = split_address(c.http)
        secret = await asyncio.to_thread(load_secret, c.data_dir)
        self.logview_links = LogviewLinks(Signer(secret))
        if authenticator.enabled:  # workflows' tasks get tokens signed with the same secret
            authenticator.task_tokens = self.manager.task_tokens = TaskTokens(secret)
        self.status = StatusServer(
            self.manager, Logview(self.manager, self.logview_links), metrics=self.metrics
        )
        self.http_port = await self.status.start(
            http_host, http_port, ssl_context=tls.http_context() if tls is not None else None
        )
        self.http_address = f"{http_host}:{self.http_port}"
        scheme = "https" if tls is not None else "http"
        self.logview_links.public_url = c.public_url or f"{scheme}://{_url_host(http_host)}:{self.http_port}"
        self.grpc = grpc.aio.server(
            # Outermost first: metrics see the codes ErrorInterceptor sets (request bytes that are not a
            # valid message among them).
            interceptors=[MetricsInterceptor(self.metrics), ErrorInterceptor()],
            options=[
                ("grpc.max_receive_message_length", c.limits.max_message_bytes),
                ("grpc.so_reuseport", 0),
            ],
        )
        instance_service_pb2_grpc.add_InstanceServiceServicer_to_server(
            InstanceServicer(
                self.manager, logview=self.logview_links, authenticator=authenticator, limits=c.limits
            ),
            self.grpc,
        )
        worker_service_pb2_grpc.add_WorkerServiceServicer_to_server(
            WorkerServicer(self.manager, c.max_output_bytes, authenticator), self.grpc
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
        if tls is None:
            self.grpc_port = self.grpc.add_insecure_port(f"{host}:{port}")
        else:
            self.grpc_port = self.grpc.add_secure_port(f"{host}:{port}", tls.grpc_credentials())
        if self.grpc_port == 0:
            raise OSError(f"cannot listen on {c.listen}")
        worker_target = (
            f"127.0.0.1:{self.grpc_port}" if host in ("0.0.0.0", "::", "") else f"{host}:{self.grpc_port}"
        )
        if tls is not None and c.workers > 0:
            worker_target = self._local_socket()
        await self.grpc.start()
        if tls is not None and c.workers > 0:
            os.chmod(worker_target.removeprefix("unix:"), 0o600)
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        # With authentication on, the local workers get a token minted now, valid until the server exits.
        worker_env = {}
        if authenticator.enabled:
            worker_env["TASKSTREAM_WORKER_TOKEN"] = authenticator.mint_worker_token()
        self.local_workers = LocalWorkerPool(
            c.workers,
            worker_target,
            c.task_modules,
            c.allow_code,
            env=worker_env,
            datasources=self.datasources,
        )
        self.local_workers.start()
        self.grpc_address = f"{host}:{self.grpc_port}"
        self.logview_links.server = self.grpc_address
        # Everything built so far (modules, stubs, descriptors) lives as long as the server: keep it out
        # of the collector's scans, which otherwise take a fifth of a busy streaming server's time.
        gc.freeze()

    def _local_socket(self) -> str:
        """With TLS, local workers connect over a Unix socket in the data directory (mode 0600): the
        server's certificate need not name a loopback address, and no client certificate is needed."""
        path = (self.config.data_dir / "workers.sock").resolve()
        if len(str(path)) > 100:  # the limit of a Unix socket path
            raise OSError(f"the data directory's path is too long for the local workers' socket: {path}")
        path.unlink(missing_ok=True)
        target = f"unix:{path}"
        if self.grpc.add_insecure_port(target) == 0:
            raise OSError(f"cannot listen on {target}")
        return target

    def announce(self) -> None:
        """One JSON line on stdout with the bound addresses, for people and for test harnesses."""
        print(
            json.dumps({"event": "ready", "grpc": self.grpc_address, "http": self.http_address}), flush=True
        )
        sys.stdout.flush()

    async def stop(self) -> None:
        """Graceful shutdown: refuse new work, end every stream with its cursor, let running tasks
        finish within ``shutdown_grace`` seconds, cancel the rest (reason SHUTDOWN), then close."""
        c = self.config
        await self.health.enter_graceful_shutdown()
        self.manager.draining = True
        self.metrics.draining.set(1)
        # Watchers end now with SERVER_DRAINING and their cursor, so they can move to another replica
        # (or wait for the restart) and resume there without missing how the running tasks end.
        self.manager.events.close()
        log.info("draining: waiting up to %gs for running tasks", c.shutdown_grace)
        if not await self.manager.wait_idle(c.shutdown_grace):
            stopped = await self.manager.stop_active(
                f"the server shut down; the task did not finish within {c.shutdown_grace:g}s", c.grace_period
            )
            log.warning("draining: cancelled %d instances still running", len(stopped))
            # The workers kill what ignores the cancellation after the grace period; a worker that does
            # not answer at all is disconnected below, which ends its cancelling tasks as CANCELLED.
            await self.manager.wait_idle(c.grace_period + 10)
        await self.local_workers.stop()
        if self.retention is not None:
            await self.retention.stop()
        await self.manager.close()
        await self.grpc.stop(grace=2)
        await self.status.stop()
        await self.store.close()
