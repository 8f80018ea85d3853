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
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc
from grpc_reflection.v1alpha._async import ReflectionServicer

from taskstream.v1 import (
    instance_service_pb2,
    instance_service_pb2_grpc,
    replica_service_pb2,
    replica_service_pb2_grpc,
    schedule_service_pb2,
    schedule_service_pb2_grpc,
    worker_service_pb2,
    worker_service_pb2_grpc,
)
from taskstreamd import datadir, tracing
from taskstreamd.access import auth
from taskstreamd.access.logview_links import LogviewLinks
from taskstreamd.access.logview_tokens import Signer, load_secret
from taskstreamd.access.task_tokens import TaskTokens
from taskstreamd.api.health import Health
from taskstreamd.api.instance_servicer import InstanceServicer
from taskstreamd.api.interceptor import ErrorInterceptor
from taskstreamd.api.limits import Limits
from taskstreamd.api.metrics_interceptor import MetricsInterceptor
from taskstreamd.api.peers import Peers
from taskstreamd.api.replica_servicer import ReplicaServicer
from taskstreamd.api.schedule_requests import Templates
from taskstreamd.api.schedule_servicer import ScheduleServicer
from taskstreamd.api.tracing_interceptor import TracingInterceptor
from taskstreamd.api.worker_servicer import WorkerServicer
from taskstreamd.api.wrapping import Wrapped
from taskstreamd.core.answers import DEFAULT_CAPACITY, AnswerCache
from taskstreamd.core.core import Core, CoreSettings
from taskstreamd.core.retention import Retention, RetentionPolicy
from taskstreamd.datasources import DEFAULT_DATASOURCE, DataSource
from taskstreamd.local_workers import LocalWorkerPool
from taskstreamd.metrics import Metrics
from taskstreamd.ports import check_free
from taskstreamd.store import migrate
from taskstreamd.store.engine import default_url
from taskstreamd.store.store import Store
from taskstreamd.transport import TlsFiles, check_exposure, tls_files
from taskstreamd.warehouse.embedded import embedded_datasource, warehouse_dir
from taskstreamd.web.access import WebAccess
from taskstreamd.web.console import Console
from taskstreamd.web.http import HEAD_SECONDS
from taskstreamd.web.listener import MAX_CONNECTIONS, Listener
from taskstreamd.web.logview import Logview
from taskstreamd.web.status import StatusServer
from taskstreamd.wire.event_codec import ProtoEventCodec
from taskstreamd.worker_user import give_socket, give_warehouse, protect_data_dir
from taskstreamd.workers import privileges
from taskstreamd.workers.importcheck import check_task_modules

log = logging.getLogger(__name__)
LOCAL_WORKERS_SECONDS = 30.0  # how long a start waits for the local workers to register


@dataclass
class ServerConfig:
    listen: str = "127.0.0.1:50051"
    http: str = "127.0.0.1:8051"
    data_dir: Path = Path("data")
    db: str | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    task_modules: list[str] = field(default_factory=list)
    allow_code: bool = False
    strict_types: bool = False  # refuse creating tasks of a type no worker offered since the start
    tracing: bool = False  # spans for every call, and the callers' trace context carried to tasks
    max_output_bytes: int = 4 * 1024 * 1024
    grace_period: float = 5.0
    prefetch: int = 0
    # More for short task types only (core/durations.py); None: deep for a worker that gives back what it
    # has not started, 2 for others (core/sessions.py)
    short_prefetch: int | None = None
    cached_answers: int = DEFAULT_CAPACITY  # GetInstance answers kept in memory (store/answers.py)
    shutdown_grace: float = 30.0  # seconds running tasks get to finish on SIGTERM before being cancelled
    public_url: str = ""  # the base of Logview addresses; "" means http://{the bound --http address}
    # /metrics on an address of its own, without a token ("" means on --http; "off": nowhere).
    metrics_listen: str = ""
    http_max_connections: int = MAX_CONNECTIONS  # open at once on each web port; more get 503
    http_head_seconds: float = HEAD_SECONDS  # for a request's line and headers to arrive
    auth_file: Path | None = None  # bearer tokens (api/auth.py); None: authentication off
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None  # mutual TLS: clients must present a certificate it signed
    allow_insecure_auth: bool = False  # tokens over plaintext on a non-loopback address, deliberately
    retention: timedelta | None = None  # terminated instances older than this are deleted; None: kept
    retention_interval: float = 300.0
    retention_batch: int = 500
    limits: Limits = field(default_factory=Limits)
    datasources: dict[str, DataSource] = field(default_factory=dict)  # SQL data sources by name
    worker_user: str | None = None  # None: nobody for a root server, else the server's own user
    lease_seconds: float = 15.0  # a worker not heard from for this long loses its tasks
    heartbeat_seconds: float = 0.0  # 0: a third of the lease
    commit_window: float = 0.002  # how long changes nobody waits for gather before a commit
    advertise: str = ""  # HOST:PORT other replicas reach this one at; "" means the bound gRPC address
    type_limits: dict[str, int] = field(default_factory=dict)  # task type -> most running at once


def _stop_now(error: BaseException) -> None:
    """This replica lost shards to another (it was cut off for longer than its lease): nothing it holds
    may be written any more. It stops at once; what it acknowledged is committed, what it did not is
    retried by callers, and its workers move to the other replicas."""
    log.critical("stopping at once: %s", error)
    logging.shutdown()
    os._exit(75)


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
        try:
            await self._start()
        except BaseException:
            await self._release()  # a start that failed leaves no port bound and no lock held
            raise

    async def _start(self) -> None:
        c = self.config
        # Configuration errors first, before anything is created or bound.
        if c.tracing:
            tracing.setup()  # TracingUnavailable (a ValueError) without the tracing extra
        tls = tls_files(c.tls_cert, c.tls_key, c.tls_client_ca)
        authenticator = auth.load(c.auth_file) if c.auth_file is not None else auth.Authenticator()
        host, port = split_address(c.listen)
        check_exposure(
            host, auth=authenticator.enabled, tls=tls is not None, allow_insecure_auth=c.allow_insecure_auth
        )
        # The web port carries Logview tokens and, with authentication on, bearer tokens for /metrics.
        http_host, http_port = split_address(c.http)
        check_exposure(
            http_host,
            auth=authenticator.enabled,
            tls=tls is not None,
            allow_insecure_auth=c.allow_insecure_auth,
            option="--http",
        )
        metrics_address = split_address(c.metrics_listen) if c.metrics_listen not in ("", "off") else None
        http_tls = tls.http_context() if tls is not None else None
        self.worker_user = (
            privileges.resolve(c.worker_user) if c.workers > 0 else privileges.WorkerUser.current()
        )
        if c.workers > 0 and (c.task_modules or not self.worker_user.is_current):
            # A module that does not import would leave the workers crash-looping; a worker user that
            # cannot run Python, too, and one that cannot reach the warehouse would fail every sql task.
            # (The data directory itself is made passable for it below.)
            embedded = DEFAULT_DATASOURCE not in c.datasources
            reach = c.data_dir.resolve() if embedded and not self.worker_user.is_current else None
            await check_task_modules(c.task_modules, self.worker_user, reach=reach)
        # Everything created from here to the start of the local workers is the owner's only: the data
        # directory, the databases, the secret, the workers' socket (datadir.py).
        with datadir.private_files():
            await asyncio.to_thread(datadir.prepare, c.data_dir)
            self._lock = datadir.DataDirLock(c.data_dir)  # before the store: one server per directory
            protect_data_dir(c.data_dir, self.worker_user)  # passable for another worker user
            # The ports next, so that a busy one stops the start before the store is touched.
            self.listener = Listener(c.http_max_connections)
            self.http_port = await self.listener.bind(http_host, http_port, ssl_context=http_tls)
            self.metrics_listener: Listener | None = None
            if metrics_address is not None:
                self.metrics_listener = Listener(c.http_max_connections)
                self.metrics_port = await self.metrics_listener.bind(*metrics_address, ssl_context=http_tls)
            metered = MetricsInterceptor()
            # Outermost first: spans and metrics see the codes ErrorInterceptor sets (request bytes that are
            # not a valid message among them). Put around each method's handler once, as the services are
            # registered below (api/wrapping.py), rather than as interceptors run on every call.
            wrappers: list[Any] = [metered, ErrorInterceptor()]
            if c.tracing:
                wrappers.insert(0, TracingInterceptor())
            self.grpc = grpc.aio.server(
                options=[
                    ("grpc.max_receive_message_length", c.limits.max_message_bytes),
                    ("grpc.so_reuseport", 0),
                ],
            )
            self.grpc_port = self._bind_grpc(host, port, tls)
            worker_target = (
                f"127.0.0.1:{self.grpc_port}" if host in ("0.0.0.0", "::", "") else f"{host}:{self.grpc_port}"
            )
            if tls is not None and c.workers > 0:
                worker_target = self._local_socket()
            self.grpc_address = f"{host}:{self.grpc_port}"
            await self._open_store(authenticator)
        metered.attach(self.metrics)
        web_access = WebAccess(authenticator)
        self.console = Console(
            self.core, self.logview_links, web_access, self.datasources, port=self.http_port
        )
        self.status = StatusServer(
            self.core,
            Logview(self.core, self.logview_links),
            metrics=self.metrics if c.metrics_listen == "" else None,
            access=web_access,
            console=self.console,
            head_seconds=c.http_head_seconds,
        )
        self.metrics_status: StatusServer | None = None
        if self.metrics_listener is not None:
            self.metrics_status = StatusServer(
                self.core,
                metrics=self.metrics,
                access=WebAccess(authenticator, open_metrics=True),
                head_seconds=c.http_head_seconds,
            )
        self.http_address = f"{http_host}:{self.http_port}"
        scheme = "https" if tls is not None else "http"
        self.logview_links.public_url = c.public_url or f"{scheme}://{_url_host(http_host)}:{self.http_port}"
        instances = InstanceServicer(
            self.core,
            logview=self.logview_links,
            authenticator=authenticator,
            limits=c.limits,
            datasources=self.datasources,
            tracing_on=c.tracing,
        )
        instances.peers = self.peers
        served = Wrapped(self.grpc, wrappers)  # where every service registers
        instance_service_pb2_grpc.add_InstanceServiceServicer_to_server(instances, served)
        schedules = ScheduleServicer(self.core, self.templates, limits=c.limits)
        schedules.peers = self.peers
        schedule_service_pb2_grpc.add_ScheduleServiceServicer_to_server(schedules, served)
        worker_service_pb2_grpc.add_WorkerServiceServicer_to_server(
            WorkerServicer(self.core, c.max_output_bytes, authenticator), served
        )
        services = [
            instance_service_pb2.DESCRIPTOR.services_by_name["InstanceService"].full_name,
            schedule_service_pb2.DESCRIPTOR.services_by_name["ScheduleService"].full_name,
            worker_service_pb2.DESCRIPTOR.services_by_name["WorkerService"].full_name,
        ]
        if self.peers is not None:
            replica_service_pb2_grpc.add_ReplicaServiceServicer_to_server(ReplicaServicer(self.core), served)
            services.append(replica_service_pb2.DESCRIPTOR.services_by_name["ReplicaService"].full_name)
        self.health = Health(["", *services])  # "" is the whole server
        health_pb2_grpc.add_HealthServicer_to_server(self.health, served)
        # Server reflection, so grpcurl and other generic tools can list and call the services.
        # (What reflection.enable_server_reflection does for a grpc.aio server, registered where the others are.)
        reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
            ReflectionServicer(
                [
                    *services,
                    health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                    reflection.SERVICE_NAME,
                ]
            ),
            served,
        )
        await self.grpc.start()
        if tls is not None and c.workers > 0:
            give_socket(Path(worker_target.removeprefix("unix:")), self.worker_user)
        self.health.serve()
        self.core.health_changed.append(self._store_health)
        await self.status.start(self.listener)
        if self.metrics_status is not None and self.metrics_listener is not None:
            await self.metrics_status.start(self.metrics_listener)
        # With authentication on, the local workers get a token minted now, valid until the server exits
        # (handed over through a pipe: see workers/handover.py).
        self.local_workers = LocalWorkerPool(
            c.workers,
            worker_target,
            c.task_modules,
            c.allow_code,
            token=authenticator.mint_worker_token() if authenticator.enabled else "",
            datasources=self.datasources,
            user=self.worker_user,
        )
        self.local_workers.start()
        if c.workers > 0 and self.worker_user.uid == 0:  # said once the server is sure to serve
            log.warning(
                "local workers run as root: their tasks can read everything the server can (its data "
                "directory's secrets included); choose an unprivileged --worker-user to keep them apart"
            )
        if c.workers > 0:
            # Ready once the local workers registered: their task types are known (ListTaskTypes, and
            # --strict-types, which would refuse every type before), and tasks created then start at once.
            try:
                await asyncio.wait_for(self.core.workers.registered(c.workers), LOCAL_WORKERS_SECONDS)
            except TimeoutError:
                log.warning("the local workers did not all register within %gs", LOCAL_WORKERS_SECONDS)
        self.logview_links.server = self.grpc_address
        # Everything built so far (modules, stubs, descriptors) lives as long as the server: keep it out
        # of the collector's scans, which otherwise take a fifth of a busy streaming server's time.
        gc.freeze()

    async def _open_store(self, authenticator: auth.Authenticator) -> None:
        """Migrates and opens the store, builds the core and takes over the store's active instances
        (with replicas: joins them, its gRPC port bound already), starts retention, reads the secret."""
        c = self.config
        url = c.db or default_url(c.data_dir)
        await asyncio.to_thread(migrate.upgrade, url)
        self.datasources = dict(c.datasources)
        if DEFAULT_DATASOURCE not in self.datasources:
            self.datasources[DEFAULT_DATASOURCE] = await asyncio.to_thread(embedded_datasource, c.data_dir)
            give_warehouse(warehouse_dir(c.data_dir), self.worker_user)
        codec = ProtoEventCodec()
        self.store = Store(url, codec, window=c.commit_window)
        self.core = Core(
            self.store,
            codec,
            CoreSettings(
                allow_code=c.allow_code,
                default_grace_period=c.grace_period,
                datasources=frozenset(self.datasources),
                prefetch=c.prefetch,
                short_prefetch=c.short_prefetch,
                lease_seconds=c.lease_seconds,
                heartbeat_seconds=c.heartbeat_seconds,
                max_properties_per_task=c.limits.max_properties_per_task,
                max_property_bytes=c.limits.max_property_bytes,
                type_limits=dict(c.type_limits),
                strict_types=c.strict_types,
            ),
        )
        self.core.instances.answers = AnswerCache(c.cached_answers)
        # Schedules' templates are read (and their creators' permissions checked) as CreateInstance does.
        self.templates = Templates(authenticator, c.limits, self.datasources, frozenset(self.datasources))
        self.core.schedules.instantiate = self.templates
        self.core.on_fatal = _stop_now
        self.metrics = Metrics(self.core)
        secret = await asyncio.to_thread(load_secret, c.data_dir)
        self.logview_links = LogviewLinks(Signer(secret))
        if authenticator.enabled:  # workflows' tasks get tokens signed with the same secret
            authenticator.task_tokens = tokens = TaskTokens(secret)
            self.core.set_token_minter(tokens.mint)
        self.peers: Peers | None = None
        if self.store.shared:
            host, _ = split_address(c.listen)
            advertised = c.advertise or (
                f"127.0.0.1:{self.grpc_port}" if host in ("0.0.0.0", "::", "") else self.grpc_address
            )
            self.peers = Peers(self.core.peer_address, lambda: self.core.secret)
            self.core.use_replicas(advertised, self.peers, self.peers)
        await self.core.start()
        # Always swept: an instance may have a retention of its own (InstanceOptions.retention).
        policy = RetentionPolicy(c.retention, c.retention_batch, c.retention_interval)
        self.retention: Retention | None = Retention(self.store, policy, forget=self.core.instances.deleted)
        self.retention.start()

    def _store_health(self, healthy: bool) -> None:
        """While the store takes no commits: NOT_SERVING (load balancers go elsewhere), then SERVING."""
        if healthy:
            self.health.serve()
        else:
            self.health.unavailable()

    def _bind_grpc(self, host: str, port: int, tls: TlsFiles | None) -> int:
        address = f"{host}:{port}"
        check_free(host, port)
        try:
            if tls is None:
                bound = self.grpc.add_insecure_port(address)
            else:
                bound = self.grpc.add_secure_port(address, tls.grpc_credentials())
        except RuntimeError as exc:  # grpc's way of saying the address is taken or unusable
            raise OSError(f"cannot listen on {address}: the address is in use or not available") from exc
        if bound == 0:
            raise OSError(f"cannot listen on {address}: the address is in use or not available")
        return bound

    async def _release(self) -> None:
        """What a failed start holds: its listening sockets and the data directory's lock."""
        for name in ("listener", "metrics_listener"):
            listener: Listener | None = getattr(self, name, None)
            if listener is not None:
                await listener.close()
        server: grpc.aio.Server | None = getattr(self, "grpc", None)
        if server is not None:
            await server.stop(None)
        lock: datadir.DataDirLock | None = getattr(self, "_lock", None)
        if lock is not None:
            lock.release()

    def _local_socket(self) -> str:
        """With TLS, local workers connect over a Unix socket in the data directory (mode 0600): the
        server's certificate need not name a loopback address, and no client certificate is needed."""
        path = (self.config.data_dir / "workers.sock").resolve()
        if len(str(path)) > 100:  # the limit of a Unix socket path
            raise OSError(f"the data directory's path is too long for the local workers' socket: {path}")
        path.unlink(missing_ok=True)
        target = f"unix:{path}"
        try:
            bound = self.grpc.add_insecure_port(target)
        except RuntimeError:
            bound = 0
        if bound == 0:
            raise OSError(f"cannot listen on {target}")
        return target

    def announce(self) -> None:
        """One JSON line on stdout with the bound addresses, for people and for test harnesses."""
        ready = {"event": "ready", "grpc": self.grpc_address, "http": self.http_address}
        if self.metrics_listener is not None:
            ready["metrics"] = f"{split_address(self.config.metrics_listen)[0]}:{self.metrics_port}"
        print(json.dumps(ready), flush=True)
        sys.stdout.flush()

    async def stop(self) -> None:
        """Graceful shutdown: refuse new work, end every stream with its cursor, let running tasks
        finish within ``shutdown_grace`` seconds, cancel the rest (reason SHUTDOWN), then close."""
        c = self.config
        self.health.drain()
        # Watchers end now with SERVER_DRAINING and their cursor, so they can move to another replica
        # (or wait for the restart) and resume there without missing how the running tasks end.
        self.core.drain()
        self.metrics.draining.set(1)
        log.info("draining: waiting up to %gs for running tasks", c.shutdown_grace)
        if not await self.core.wait_idle(c.shutdown_grace):
            stopped = await self.core.instances.stop_active(
                f"the server shut down; the task did not finish within {c.shutdown_grace:g}s",
                c.grace_period,
                lambda _: b"",
            )
            log.warning("draining: cancelled %d instances still running", len(stopped))
            # The workers kill what ignores the cancellation after the grace period; a worker that does
            # not answer at all is disconnected below, which ends its cancelling tasks as CANCELLED.
            await self.core.wait_idle(c.grace_period + 10)
        await self.local_workers.stop()
        if self.retention is not None:
            await self.retention.stop()
        # The web port closes before the store: a page that reconnects meanwhile finds no port (and
        # tries again later), never a request half served from a closed store.
        await self.status.stop()
        if self.metrics_status is not None:
            await self.metrics_status.stop()
        await self.core.close()
        await self.grpc.stop(grace=2)
        if self.peers is not None:
            await self.peers.close()
        if c.tracing:
            await asyncio.to_thread(tracing.shutdown)  # the spans still buffered
        self._lock.release()
