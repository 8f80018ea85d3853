"""The command line: global options, one subcommand per action, and the parsing of their values."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from typing import Any

from taskstream.status import CancellationReason

DEFAULT_SERVER = "127.0.0.1:50051"
DEFAULT_PROJECT = "default"
SERVER_ENV = "TASKSTREAM_SERVER"
PROJECT_ENV = "TASKSTREAM_PROJECT"
# Instance statuses, and the two outcomes of a terminated instance.
STATUSES = ("running", "suspended", "terminated", "successful", "failed")
SHELLS = ("bash", "zsh")
SCHEDULE_ACTIONS = ("ls", "get", "pause", "resume", "trigger", "delete")
REASONS = tuple(reason.name.lower() for reason in CancellationReason if reason is not CancellationReason.NONE)


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    """The parser of ``taskstream``; the environment gives the defaults of --server and --project."""
    root = argparse.ArgumentParser(
        prog="taskstream",
        description="Start, follow and inspect taskstream instances.",
        epilog="exit codes: 0 success, 1 instance not successful, 2 usage, 3 not found, "
        "4 server unreachable, 5 wait timed out, 6 other errors, 130 interrupted",
    )
    root.add_argument("--version", action="version", version=f"taskstream {version()}")
    _add_connection_options(root, environ)
    # Subcommands accept the same options after their name; SUPPRESS keeps the root's value when absent.
    common = argparse.ArgumentParser(add_help=False)
    _add_connection_options(common, None)
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[common], help=help, description=help[0].upper() + help[1:])

    run = add("run", "start an instance of one task of TYPE")
    run.add_argument("type", metavar="TYPE", help="a task type the server's workers registered")
    run.add_argument(
        "--param",
        dest="params",
        action="append",
        type=parse_param,
        default=[],
        metavar="KEY=VALUE",
        help="a parameter; VALUE is read as JSON when it parses, else kept as a string (repeatable)",
    )
    run.add_argument(
        "--params-json", type=parse_params_json, metavar="JSON", help="parameters as one JSON object"
    )
    run.add_argument("--name", help="the task's name (default: derived from TYPE)")
    run.add_argument("--priority", type=parse_priority, metavar="N", help="0 to 9, smaller runs first")
    run.add_argument("--wait", action="store_true", help="wait until the instance terminates")
    run.add_argument(
        "--timeout", type=parse_seconds, metavar="S", help="with --wait: give up after S seconds"
    )
    _add_json(run)

    ls = add("ls", "list the project's instances, newest first")
    ls.add_argument(
        "--status",
        dest="statuses",
        action="append",
        type=str.lower,
        choices=STATUSES,
        default=[],
        help="keep instances in this status (repeatable); successful and failed are the terminated ones "
        "that did and did not succeed",
    )
    ls.add_argument("--limit", type=parse_limit, default=50, metavar="N", help="at most N (default 50)")
    ls.add_argument(
        "--sub-instances",
        action="store_true",
        help="list the sub-instances workflows started too (left out by default)",
    )
    _add_json(ls)

    get = add("get", "show an instance and its tasks")
    get.add_argument("id", metavar="ID")
    _add_json(get)

    watch = add("watch", "follow an instance live until it terminates")
    watch.add_argument("id", metavar="ID")

    wait = add("wait", "wait until instances terminate (all of them, or with --any the first)")
    wait.add_argument("ids", metavar="ID", nargs="+")
    wait.add_argument("--any", action="store_true", help="return when any one of them terminates")
    wait.add_argument("--timeout", type=parse_seconds, metavar="S", help="give up after S seconds")

    stop = add("stop", "stop an instance: cancel its tasks")
    stop.add_argument("id", metavar="ID")
    stop.add_argument("--reason", type=str.lower, choices=REASONS, help="why (default: direct)")
    stop.add_argument("--message", help="free text kept with the cancellation")

    result = add("result", "print a task's result (JSON pretty-printed)")
    result.add_argument("id", metavar="ID")
    result.add_argument("task", metavar="TASK", nargs="?", help="the task's name (default: the only task)")

    logs = add("logs", "write a task's standard output (or error) as it was written")
    logs.add_argument("id", metavar="ID")
    logs.add_argument("task", metavar="TASK", nargs="?", help="the task's name (default: the only task)")
    logs.add_argument("--stderr", action="store_true", help="standard error instead of standard output")
    logs.add_argument("-f", "--follow", action="store_true", help="keep writing until the task ends")

    logview = add("logview", "print the address of an instance's Logview page (a live web page)")
    logview.add_argument("id", metavar="ID")
    logview.add_argument(
        "--hours", type=parse_limit, metavar="N", help="how long the address grants access (default 720)"
    )
    logview.add_argument(
        "--open",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="open it in a web browser (default: when a graphical session is available)",
    )

    types = add("types", "list the task types the connected workers offer")
    _add_json(types)

    completion = add("completion", "print a shell completion script (bash or zsh) to source or install")
    completion.add_argument("shell", choices=SHELLS, help="the shell the script is for")

    schedules = add(
        "schedules", "list the project's schedules, or show, pause, resume, trigger or delete one"
    )
    schedules.add_argument(
        "action",
        nargs="?",
        default="ls",
        choices=SCHEDULE_ACTIONS,
        help="ls (the default), get, pause, resume, trigger (start an instance now) or delete",
    )
    schedules.add_argument("id", metavar="ID", nargs="?", help="the schedule (every action but ls)")
    _add_json(schedules)
    return root


def version() -> str:
    """The installed ``taskstream`` distribution's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("taskstream")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _add_connection_options(parser: argparse.ArgumentParser, environ: Mapping[str, str] | None) -> None:
    server_default: Any = argparse.SUPPRESS
    project_default: Any = argparse.SUPPRESS
    if environ is not None:
        server_default = environ.get(SERVER_ENV) or DEFAULT_SERVER
        project_default = environ.get(PROJECT_ENV) or DEFAULT_PROJECT
    parser.add_argument(
        "--server",
        default=server_default,
        metavar="HOST:PORT",
        help=f"the server's address (env {SERVER_ENV}, default {DEFAULT_SERVER})",
    )
    parser.add_argument(
        "--project",
        default=project_default,
        metavar="NAME",
        help=f"the project to work in (env {PROJECT_ENV}, default {DEFAULT_PROJECT})",
    )
    # Security options; a token is better given by the environment, where other users cannot see it.
    none: Any = None if environ is not None else argparse.SUPPRESS
    tls: Any = False if environ is not None else argparse.SUPPRESS
    parser.add_argument("--token", default=none, help="bearer token (env TASKSTREAM_TOKEN)")
    parser.add_argument("--tls", action="store_true", default=tls, help="connect with TLS")
    parser.add_argument(
        "--tls-ca", default=none, metavar="PEM", help="CA certificates to trust (implies --tls)"
    )
    parser.add_argument("--tls-cert", default=none, metavar="PEM", help="client certificate for mutual TLS")
    parser.add_argument("--tls-key", default=none, metavar="PEM", help="private key of --tls-cert")


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def parse_param(text: str) -> tuple[str, Any]:
    """``KEY=VALUE``: VALUE as JSON when it parses (``n=3``, ``xs=[1,2]``), else the string itself."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, _json_or_text(value)


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        return value


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity stay strings


def parse_params_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def parse_priority(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 9:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 9, not {text!r}")
    return value


def parse_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, not {text!r}")
    return value


def parse_limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value
