"""``taskstreamd``: serve (the server with its local workers), worker (a remote worker), migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from taskstreamd.app import Server, ServerConfig, split_address


def _address(value: str) -> str:
    try:
        split_address(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def _addresses(value: str) -> str:
    for address in value.split(","):
        _address(address.strip())
    return value


def _public_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {value!r}")
    return value.rstrip("/")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="taskstreamd", description="The taskstream server and worker.")
    root.add_argument("--log-level", default=os.environ.get("TASKSTREAM_LOG_LEVEL", "INFO"))
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

    worker = commands.add_parser("worker", help="run a worker that connects to a server")
    worker.add_argument(
        "--server",
        type=_addresses,
        default="127.0.0.1:50051",
        help="HOST:PORT of the server, or a comma-separated list of replicas to fail over between",
    )
    worker.add_argument("--tasks", action="append", default=[], metavar="MODULE")
    worker.add_argument("--slots", type=int, default=1)
    worker.add_argument("--name")
    worker.add_argument("--allow-code", action="store_true")
    worker.add_argument("--exit-on-disconnect", action="store_true", help=argparse.SUPPRESS)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--data-dir", type=Path, default=Path("data"))
    migrate.add_argument("--db")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "serve":
        if args.workers < 0:
            print("taskstreamd: --workers must be 0 or more", file=sys.stderr)
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
        )
        return asyncio.run(_serve(config))
    if args.command == "worker":
        from taskstreamd.workers import run_worker

        return run_worker(
            args.server,
            task_modules=args.tasks,
            slots=args.slots,
            allow_code=args.allow_code,
            worker_name=args.name,
            exit_on_disconnect=args.exit_on_disconnect,
        )
    from taskstreamd.store import migrate
    from taskstreamd.store.engine import default_url

    args.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(args.db or default_url(args.data_dir))
    return 0


async def _serve(config: ServerConfig) -> int:
    server = Server(config)
    try:
        await server.start()
    except OSError as exc:
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
