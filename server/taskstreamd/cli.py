"""``taskstreamd``: serve (the server with its local workers), worker (a remote worker), migrate."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from taskstreamd import logs
from taskstreamd.api import limits
from taskstreamd.app import Server, ServerConfig, split_address
from taskstreamd.datasources import parse_datasource, parse_datasources
from taskstreamd.scheduler.leases import LeaseSettings
from taskstreamd.scheduler.retention import parse_age
from taskstreamd.store.answers import DEFAULT_CAPACITY


def _address(value: str) -> str:
    try:
        split_address(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


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


def _add_datasource_option(command: argparse.ArgumentParser, default_help: str) -> None:
    command.add_argument(
        "--datasource",
        action="append",
        default=[],
        type=_datasource,
        metavar="NAME=URL",
        help=f"a SQL data source for sql tasks, as a SQLAlchemy URL (repeatable); {default_help}",
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="taskstreamd", description="The taskstream server and worker.")
    root.add_argument("--log-level", default=os.environ.get("TASKSTREAM_LOG_LEVEL", "INFO"))
    root.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default=os.environ.get("TASKSTREAM_LOG_FORMAT", "text"),
        help="text lines, or one JSON object per record (time, level, logger, message, ids)",
    )
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server with local workers")
    serve.add_argument("--listen", type=_address, default="127.0.0.1:50051", help="gRPC HOST:PORT")
    serve.add_argument("--http", type=_address, default="127.0.0.1:8051", help="web endpoints HOST:PORT")
    serve.add_argument(
        "--public-url",
        type=_public_url,
        help="base URL of the Logview addresses handed out (default: http://HOST:PORT of --http)",
    )
    serve.add_argument(
        "--data-dir", type=Path, default=Path("data"), help="where the default SQLite file lives"
    )
    serve.add_argument("--db", help="SQLAlchemy async URL (default: SQLite under --data-dir)")
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local worker processes")
    serve.add_argument(
        "--tasks", action="append", default=[], metavar="MODULE", help="task module (repeatable)"
    )
    serve.add_argument(
        "--allow-code", action="store_true", help="accept Python-object tasks (runs callers' code)"
    )
    serve.add_argument("--max-output-bytes", type=int, default=4 * 1024 * 1024, help="output kept per stream")
    serve.add_argument("--grace-period", type=float, default=5.0, help="seconds a stopped task gets to end")
    serve.add_argument(
        "--prefetch",
        type=int,
        default=0,
        help="tasks sent to a worker beyond its slots, to queue there: faster short tasks, but a queued "
        "task may wait behind a long one and priority no longer reorders it",
    )
    serve.add_argument(
        "--short-task-prefetch",
        type=int,
        default=None,
        help="tasks of a type whose runs take milliseconds sent to a worker beyond its slots and --prefetch, "
        "while all it holds is short too (0: never; default: 32 to a worker that gives back the tasks it "
        "has not started, 2 to others)",
    )
    serve.add_argument(
        "--cached-answers",
        type=int,
        default=DEFAULT_CAPACITY,
        help="GetInstance answers kept in memory (least recently used go first; 0: none); with SQLite only",
    )
    serve.add_argument(
        "--retention",
        type=_age,
        help="delete terminated instances older than AGE (e.g. 7d, 12h); default: keep them",
    )
    serve.add_argument(
        "--retention-interval", type=float, default=300.0, help="seconds between retention sweeps"
    )
    limits.add_arguments(serve)
    security = serve.add_argument_group("security")
    security.add_argument("--auth-file", type=Path, help="TOML file of bearer tokens; enables authentication")
    security.add_argument("--tls-cert", type=Path, help="PEM certificate chain for the gRPC and web ports")
    security.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    security.add_argument(
        "--tls-client-ca", type=Path, help="PEM CA; gRPC clients must present a cert it signed"
    )
    security.add_argument(
        "--allow-insecure-auth",
        action="store_true",
        help="allow authentication without TLS on a non-loopback address (tokens cross the network in clear)",
    )
    serve.add_argument(
        "--shutdown-grace",
        type=float,
        default=30.0,
        help="on SIGTERM, seconds running tasks get to finish before they are cancelled (reason SHUTDOWN)",
    )
    _add_datasource_option(
        serve, "'default' is the embedded SQLite warehouse under --data-dir unless given here"
    )
    serve.add_argument(
        "--lease-seconds",
        type=float,
        default=15.0,
        help="how long a worker holds a task without a heartbeat before it is interrupted and retried",
    )
    serve.add_argument(
        "--heartbeat-seconds", type=float, default=0.0, help="worker heartbeat interval (default: lease / 3)"
    )

    worker = commands.add_parser("worker", help="run a worker that connects to a server")
    worker.add_argument(
        "--server",
        type=_worker_servers,
        default="127.0.0.1:50051",
        help="HOST:PORT of the server, or a comma-separated list of replicas to fail over between",
    )
    worker.add_argument("--tasks", action="append", default=[], metavar="MODULE")
    worker.add_argument("--slots", type=int, default=1)
    worker.add_argument("--name")
    worker.add_argument("--allow-code", action="store_true")
    worker.add_argument("--exit-on-disconnect", action="store_true", help=argparse.SUPPRESS)
    _add_datasource_option(worker, "give the same names as the server's")
    worker.add_argument(
        "--labels", type=_labels, default={}, metavar="K=V,...", help="labels tasks can require (gpu=true)"
    )
    worker.add_argument(
        "--token-file", help="file holding the bearer token sent to the server (default: $TASKSTREAM_TOKEN)"
    )
    worker.add_argument("--tls-ca", metavar="PEM", help="connect with TLS, trusting this CA")
    worker.add_argument("--tls-cert", metavar="PEM", help="client certificate for mutual TLS")
    worker.add_argument("--tls-key", metavar="PEM", help="the client certificate's private key")

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--data-dir", type=Path, default=Path("data"))
    migrate.add_argument("--db")

    check = commands.add_parser("check", help="check the store's integrity (run it while no server writes)")
    check.add_argument("--data-dir", type=Path, default=Path("data"))
    check.add_argument("--db")
    check.add_argument("--json", action="store_true", help="print the report as one JSON object")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
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
        if args.cached_answers < 0:
            print("taskstreamd: --cached-answers must be 0 or more", file=sys.stderr)
            return 2
        try:
            leases = LeaseSettings(args.lease_seconds, args.heartbeat_seconds)
        except ValueError as exc:
            print(f"taskstreamd: {exc}", file=sys.stderr)
            return 2
        config = ServerConfig(
            listen=args.listen,
            http=args.http,
            public_url=args.public_url or "",
            data_dir=args.data_dir,
            db=args.db,
            workers=args.workers,
            task_modules=args.tasks,
            allow_code=args.allow_code,
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
            leases=leases,
        )
        return asyncio.run(_serve(config))
    if args.command == "worker":
        from taskstreamd.workers import run_worker
        from taskstreamd.workers.connection import ServerAccess

        try:
            access = ServerAccess.load(
                token_file=args.token_file, tls_ca=args.tls_ca, tls_cert=args.tls_cert, tls_key=args.tls_key
            )
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
    from taskstreamd.store import migrate
    from taskstreamd.store.engine import default_url

    args.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(args.db or default_url(args.data_dir))
    return 0


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


async def _serve(config: ServerConfig) -> int:
    server = Server(config)
    try:
        await server.start()
    except (OSError, ValueError) as exc:  # a port, a file, or a configuration the server refuses
        print(f"taskstreamd: {exc}", file=sys.stderr)
        return 1
    server.announce()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()
    return 0
