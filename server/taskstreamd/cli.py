"""``taskstreamd``: serve (the server with its local workers), worker (a remote worker), migrate."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import signal
import sqlite3
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy.exc

from taskstreamd import logs
from taskstreamd.api import limits
from taskstreamd.app import Server, ServerConfig, split_address
from taskstreamd.core.answers import DEFAULT_CAPACITY
from taskstreamd.core.core import CoreSettings
from taskstreamd.core.retention import parse_age
from taskstreamd.datasources import DataSource, parse_datasource, parse_datasources
from taskstreamd.options import ENV_PREFIX, Option, Options, warn
from taskstreamd.web.http import HEAD_SECONDS
from taskstreamd.web.listener import MAX_CONNECTIONS

if TYPE_CHECKING:
    from taskstreamd.workers.connection import ServerAccess


def _address(value: str) -> str:
    try:
        split_address(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def _metrics_address(value: str) -> str:
    return value if value in ("", "off") else _address(value)  # "": the default, on --http


def _worker_servers(value: str) -> str:
    """HOST:PORT, or a comma-separated list of replicas; the local workers of a server with TLS connect
    over its Unix socket (unix:PATH)."""
    for address in value.split(","):
        if not address.strip().startswith("unix:"):
            _address(address.strip())
    return value


def _age(value: str) -> timedelta:
    try:
        age = parse_age(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if age <= timedelta(0):
        raise argparse.ArgumentTypeError("the retention age must be positive")
    return age


def _labels(value: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        key, sep, label = item.partition("=")
        if not sep or not key.strip():
            raise argparse.ArgumentTypeError(f"expected KEY=VALUE[,KEY=VALUE...], got {value!r}")
        labels[key.strip()] = label.strip()
    return labels


def _type_limit(value: str) -> tuple[str, int]:
    name, sep, count = value.partition("=")
    if not sep or not name.strip() or not count.strip().isdigit() or int(count) < 1:
        raise argparse.ArgumentTypeError(f"expected TYPE=N with N at least 1, got {value!r}")
    return name.strip(), int(count)


def _public_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {value!r}")
    return value.rstrip("/")


def _datasource(value: str) -> str:
    try:
        parse_datasource(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _url_with_password(value: str) -> bool:
    """Whether a SQLAlchemy URL (or NAME=URL data source) carries a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = parse_datasource(value).url if "://" in value.partition("=")[2] else value
    try:
        return make_url(url).password is not None
    except (ArgumentError, ValueError):
        return ":" in url.partition("://")[2].partition("@")[0] and "@" in url


SERVE, WORKER, MIGRATE, CHECK = ("serve",), ("worker",), ("migrate",), ("check",)
DATASOURCE_HELP = (
    "a SQL data source for sql tasks, as a SQLAlchemy URL (repeatable); {project} in the URL makes it a "
    "database per project, ';projects=' limits it to those projects; "
)

# Every option of every command: the flags, the TASKSTREAMD_* variables and the --config file's keys.
OPTIONS = Options()
for _option in [
    Option("log_level", "the log level", (), default="INFO", legacy_env="TASKSTREAM_LOG_LEVEL"),
    Option(
        "log_format",
        "text lines, or one JSON object per record (time, level, logger, message, ids)",
        (),
        default="text",
        choices=logs.FORMATS,
        legacy_env="TASKSTREAM_LOG_FORMAT",
    ),
    Option(
        "config",
        "a TOML file of settings: option names with _ for - as keys (flags and the environment win)",
        ("serve", "worker", "migrate", "check"),
        type=Path,
        metavar="FILE",
    ),
    # serve
    Option("listen", "gRPC HOST:PORT", SERVE, type=_address, default="127.0.0.1:50051", metavar="HOST:PORT"),
    Option(
        "http", "web endpoints HOST:PORT", SERVE, type=_address, default="127.0.0.1:8051", metavar="HOST:PORT"
    ),
    Option(
        "metrics_listen",
        "serve /metrics on this address of its own, without a token, instead of on --http (where, with "
        "authentication on, it needs a token with metrics = true); off: nowhere",
        SERVE,
        type=_metrics_address,
        default="",
        metavar="HOST:PORT|off",
    ),
    Option(
        "http_max_connections",
        "connections each web port holds at once; more are answered 503",
        SERVE,
        type=int,
        default=MAX_CONNECTIONS,
    ),
    Option(
        "http_head_timeout",
        "seconds a web request's line and headers may take to arrive",
        SERVE,
        type=float,
        default=HEAD_SECONDS,
    ),
    Option(
        "public_url",
        "base URL of the Logview addresses handed out (default: http://HOST:PORT of --http)",
        SERVE,
        type=_public_url,
    ),
    Option(
        "data_dir",
        "where the default SQLite file lives",
        SERVE + MIGRATE + CHECK,
        type=Path,
        default=Path("data"),
    ),
    Option(
        "db",
        "SQLAlchemy URL of the store (default: SQLite under --data-dir; postgresql://... for replicas)",
        SERVE + MIGRATE + CHECK,
        secret=_url_with_password,
    ),
    Option(
        "advertise",
        "where the other replicas reach this one (default: the bound gRPC address; set it when listening on "
        "0.0.0.0 with several replicas)",
        SERVE,
        default="",
        metavar="HOST:PORT",
    ),
    Option("workers", "local worker processes", SERVE, type=int, default=os.cpu_count() or 1),
    Option("tasks", "task module (repeatable)", SERVE + WORKER, kind="list", default=[], metavar="MODULE"),
    Option(
        "allow_code",
        "accept Python-object tasks (runs callers' code)",
        SERVE + WORKER,
        kind="flag",
        default=False,
    ),
    Option(
        "strict_types",
        "refuse (FAILED_PRECONDITION) an instance with a task type no worker has offered since the start, "
        "instead of queueing it until such a worker connects",
        SERVE,
        kind="flag",
        default=False,
    ),
    Option(
        "tracing",
        "OpenTelemetry spans for every call, exported over OTLP as the OTEL_* variables say, and the "
        "caller's trace context handed to tasks (needs taskstreamd[tracing])",
        SERVE,
        kind="flag",
        default=False,
    ),
    Option("max_output_bytes", "output kept per stream", SERVE, type=int, default=4 * 1024 * 1024),
    Option("grace_period", "seconds a stopped task gets to end", SERVE, type=float, default=5.0),
    Option(
        "prefetch",
        "tasks sent to a worker beyond its slots, to queue there: faster short tasks, but a queued task may "
        "wait behind a long one and priority no longer reorders it",
        SERVE,
        type=int,
        default=0,
    ),
    Option(
        "short_task_prefetch",
        "tasks of a type whose runs take milliseconds sent to a worker beyond its slots and --prefetch, "
        "while all it holds is short too (0: never; default: 32 to a worker that gives back the tasks it has "
        "not started, 2 to others)",
        SERVE,
        type=int,
        default=None,
    ),
    Option(
        "cached_answers",
        "GetInstance answers kept in memory (least recently used go first; 0: none)",
        SERVE,
        type=int,
        default=DEFAULT_CAPACITY,
    ),
    Option(
        "retention",
        "delete terminated instances older than AGE (e.g. 7d, 12h); default: keep them",
        SERVE,
        type=_age,
        metavar="AGE",
    ),
    Option("retention_interval", "seconds between retention sweeps", SERVE, type=float, default=300.0),
    Option(
        "type_limit",
        "run at most N tasks of TYPE at once (repeatable); the others wait with reason CONCURRENCY_LIMIT",
        SERVE,
        kind="list",
        type=_type_limit,
        default=[],
        metavar="TYPE=N",
    ),
    *(
        Option(name, help, SERVE, type=_positive, default=getattr(limits.Limits(), name), group="limits")
        for name, help in limits.OPTIONS.items()
    ),
    Option(
        "auth_file", "TOML file of bearer tokens; enables authentication", SERVE, type=Path, group="security"
    ),
    Option(
        "tls_cert",
        "PEM certificate chain for the gRPC and web ports",
        SERVE,
        type=Path,
        group="security",
        metavar="PEM",
    ),
    Option("tls_key", "PEM private key of --tls-cert", SERVE, type=Path, group="security", metavar="PEM"),
    Option(
        "tls_client_ca",
        "PEM CA; gRPC clients must present a cert it signed",
        SERVE,
        type=Path,
        group="security",
        metavar="PEM",
    ),
    Option(
        "worker_user",
        "the user local workers and their tasks run as (default: nobody when the server runs as root, else "
        "the server's own user); a user other than the server's keeps tasks out of --data-dir",
        SERVE,
        metavar="USER",
        group="security",
        legacy_env="TASKSTREAM_WORKER_USER",
    ),
    Option(
        "allow_insecure_auth",
        "allow authentication without TLS on a non-loopback address (tokens cross the network in clear)",
        SERVE,
        kind="flag",
        default=False,
        group="security",
    ),
    Option(
        "shutdown_grace",
        "on SIGTERM, seconds running tasks get to finish before they are cancelled (reason SHUTDOWN)",
        SERVE,
        type=float,
        default=30.0,
    ),
    Option(
        "datasource",
        DATASOURCE_HELP
        + "'default' is the embedded warehouse, a SQLite file per project under --data-dir, unless given here",
        SERVE,
        kind="list",
        type=_datasource,
        default=[],
        metavar="NAME=URL[;projects=P1,P2]",
        secret=_url_with_password,
    ),
    Option(
        "lease_seconds",
        "how long a worker holds a task without a heartbeat before it is interrupted and retried",
        SERVE,
        type=float,
        default=15.0,
    ),
    Option(
        "heartbeat_seconds", "worker heartbeat interval (default: lease / 3)", SERVE, type=float, default=0.0
    ),
    # worker
    Option(
        "server",
        "HOST:PORT of the server, or a comma-separated list of replicas to fail over between",
        WORKER,
        type=_worker_servers,
        default="127.0.0.1:50051",
        metavar="HOST:PORT[,...]",
    ),
    Option("slots", "tasks the worker runs at once", WORKER, type=int, default=1),
    Option("name", "the worker's name, as the server lists it", WORKER),
    Option("exit_on_disconnect", "", WORKER, kind="flag", default=False, hidden=True),
    Option(
        "datasource",
        DATASOURCE_HELP + "give the same names as the server's",
        WORKER,
        kind="list",
        type=_datasource,
        default=[],
        metavar="NAME=URL[;projects=P1,P2]",
        secret=_url_with_password,
    ),
    Option(
        "labels", "labels tasks can require (gpu=true)", WORKER, type=_labels, default={}, metavar="K=V,..."
    ),
    Option(
        "token_file",
        "file holding the bearer token sent to the server (default: $TASKSTREAM_TOKEN)",
        WORKER,
        metavar="PATH",
    ),
    Option("tls_ca", "connect with TLS, trusting this CA", WORKER, metavar="PEM"),
    Option("tls_cert", "client certificate for mutual TLS", WORKER, metavar="PEM"),
    Option("tls_key", "the client certificate's private key", WORKER, metavar="PEM"),
    Option(
        "user",
        "after reading the token and TLS files, run as USER (a worker started by root); its tasks run as "
        "USER too, so USER must be able to run Python and read the task modules",
        WORKER,
        metavar="USER",
    ),
    # A pipe the server hands its local workers their token and data sources through (workers/handover.py).
    Option("settings_fd", "", WORKER, type=int, hidden=True),
    # check
    Option("json", "print the report as one JSON object", CHECK, kind="flag", default=False),
]:
    OPTIONS.add(_option)

COMMANDS = {
    "serve": "run the server with local workers",
    "worker": "run a worker that connects to a server",
    "migrate": "bring the database schema up to date",
    "check": "check the store's integrity (run it while no server writes)",
}


def parser() -> argparse.ArgumentParser:
    """The command line. Its flags have no defaults: ``parse`` fills in the rest (environment, file,
    defaults)."""
    # "@FILE" stands for the arguments in FILE, one a line: secrets (a --db password) stay off the
    # command line, which every user of the machine can read.
    root = argparse.ArgumentParser(
        prog="taskstreamd",
        description="The taskstream server and worker. Every option can also be set by a TASKSTREAMD_* "
        "variable or, for the commands that take --config, a key of that TOML file; the flag wins, then the "
        "variable, then the file.",
        fromfile_prefix_chars="@",
    )
    root.add_argument("--version", action="version", version=f"taskstreamd {_version()}")
    OPTIONS.add_arguments(root, None)
    commands = root.add_subparsers(dest="command", required=True)
    for name, help in COMMANDS.items():
        OPTIONS.add_arguments(commands.add_parser(name, help=help, description=help), name)
    return root


def parse(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> argparse.Namespace:
    """The command line with every option set, from its flag, the environment, the file or its default;
    a bad value there exits 2, naming the variable or the file's key."""
    command_line = parser()
    args = command_line.parse_args(argv)
    try:
        return OPTIONS.resolve(args, [None, args.command], os.environ if environ is None else environ, warn)
    except ValueError as exc:
        command_line.exit(2, f"taskstreamd: {exc}\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("taskstreamd")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # Read; no child (local workers, their tasks) inherits them: they may hold a database's password.
    for key in [k for k in os.environ if k.startswith(ENV_PREFIX)]:
        del os.environ[key]
    logs.configure(args.log_level, args.log_format)
    try:
        datasources = parse_datasources(args.datasource) if args.command in ("serve", "worker") else {}
    except ValueError as exc:
        print(f"taskstreamd: --datasource: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        if args.workers < 0:
            print("taskstreamd: --workers must be 0 or more", file=sys.stderr)
            return 2
        if args.prefetch < 0 or (args.short_task_prefetch or 0) < 0:
            print("taskstreamd: --prefetch and --short-task-prefetch must be 0 or more", file=sys.stderr)
            return 2
        if args.http_max_connections < 1 or args.http_head_timeout <= 0:
            print(
                "taskstreamd: --http-max-connections and --http-head-timeout must be positive",
                file=sys.stderr,
            )
            return 2
        if args.cached_answers < 0:
            print("taskstreamd: --cached-answers must be 0 or more", file=sys.stderr)
            return 2
        try:
            CoreSettings(lease_seconds=args.lease_seconds, heartbeat_seconds=args.heartbeat_seconds)
        except ValueError as exc:
            print(f"taskstreamd: {exc}", file=sys.stderr)
            return 2
        config = ServerConfig(
            listen=args.listen,
            http=args.http,
            public_url=args.public_url or "",
            metrics_listen=args.metrics_listen,
            http_max_connections=args.http_max_connections,
            http_head_seconds=args.http_head_timeout,
            data_dir=args.data_dir,
            db=args.db,
            workers=args.workers,
            task_modules=args.tasks,
            allow_code=args.allow_code,
            strict_types=args.strict_types,
            tracing=args.tracing,
            max_output_bytes=args.max_output_bytes,
            grace_period=args.grace_period,
            prefetch=args.prefetch,
            short_prefetch=args.short_task_prefetch,
            cached_answers=args.cached_answers,
            auth_file=args.auth_file,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            tls_client_ca=args.tls_client_ca,
            allow_insecure_auth=args.allow_insecure_auth,
            retention=args.retention,
            retention_interval=args.retention_interval,
            limits=limits.from_arguments(args),
            shutdown_grace=args.shutdown_grace,
            datasources=datasources,
            lease_seconds=args.lease_seconds,
            heartbeat_seconds=args.heartbeat_seconds,
            advertise=args.advertise,
            worker_user=args.worker_user,
            type_limits=dict(args.type_limit),
        )
        return asyncio.run(_serve(config))
    if args.command == "worker":
        from taskstreamd.workers import run_worker

        try:
            access, datasources = _worker_setup(args, datasources)
        except (OSError, ValueError) as exc:
            print(f"taskstreamd: {exc}", file=sys.stderr)
            return 2
        return run_worker(
            args.server,
            task_modules=args.tasks,
            slots=args.slots,
            allow_code=args.allow_code,
            worker_name=args.name,
            exit_on_disconnect=args.exit_on_disconnect,
            datasources=datasources,
            labels=args.labels,
            access=access,
        )
    if args.command == "check":
        return _check(args.db, args.data_dir, as_json=args.json)
    return _migrate(args.db, args.data_dir)


def _migrate(db: str | None, data_dir: Path) -> int:
    from taskstreamd import datadir
    from taskstreamd.store import migrate
    from taskstreamd.store.engine import default_url

    try:
        with datadir.private_files():
            datadir.prepare(data_dir)
            # The SQLite store is in the data directory: never migrate it under a running server.
            held = datadir.DataDirLock(data_dir) if db is None else None
            try:
                migrate.upgrade(db or default_url(data_dir))
            finally:
                if held is not None:
                    held.release()
    except OSError as exc:
        print(f"taskstreamd: {exc}", file=sys.stderr)
        return 1
    return 0


def _worker_setup(
    args: argparse.Namespace, datasources: dict[str, DataSource]
) -> tuple[ServerAccess, dict[str, DataSource]]:
    """Read what the worker needs (token, TLS files, the server's handover), then become ``--user``.

    The process is made not dumpable first, so that none of it is ever readable by its tasks.
    """
    from taskstreamd.workers import handover, privileges
    from taskstreamd.workers.connection import ServerAccess

    privileges.hide_memory()
    access = ServerAccess.load(
        token_file=args.token_file, tls_ca=args.tls_ca, tls_cert=args.tls_cert, tls_key=args.tls_key
    )
    if args.settings_fd is not None:
        given = handover.read_from(args.settings_fd)
        if given.token and not access.token:
            access = dataclasses.replace(access, token=given.token)
        datasources = {**given.datasources, **datasources}
    if args.user:
        privileges.become(privileges.WorkerUser.named(args.user))
    privileges.leave_unreachable_directory()
    return access, datasources


def _check(db: str | None, data_dir: Path, *, as_json: bool) -> int:
    """Exit 0 when the store is sound, 1 with each problem on stdout otherwise, 2 when there is no store."""
    import json

    from taskstreamd.store.engine import default_url
    from taskstreamd.store.integrity import check

    if db is None and not (data_dir / "taskstream.db").exists():
        print(f"taskstreamd: no store in {data_dir}", file=sys.stderr)
        return 2
    report = asyncio.run(check(db or default_url(data_dir)))
    if as_json:
        print(json.dumps({"ok": report.ok, "problems": report.problems, "counts": report.counts}))
    else:
        for problem in report.problems:
            print(f"problem: {problem}")
        counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
        print(f"{'ok' if report.ok else 'FAILED'}: {counts}")
    return 0 if report.ok else 1


def _first_line(error: BaseException) -> str:
    """A database error's own message, without SQLAlchemy's statement dump and links."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


async def _serve(config: ServerConfig) -> int:
    server = Server(config)
    # A file-size limit (ulimit -f) reached by the store is then an error the store reports and retries,
    # as a full disk is, instead of a signal that kills the server.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        await server.start()
    except (OSError, ValueError) as exc:  # a port, a file, or a configuration the server refuses
        print(f"taskstreamd: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, sqlalchemy.exc.DBAPIError) as exc:  # the store: unreachable, full, broken
        print(f"taskstreamd: cannot open the store: {_first_line(exc)}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # before the ready line: a SIGTERM right after it drains
        loop.add_signal_handler(sig, stop.set)
    server.announce()
    await stop.wait()
    await server.stop()
    return 0
