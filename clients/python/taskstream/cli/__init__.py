"""``taskstream``: the client's command line (run, ls, get, watch, wait, stop, result, logs, logview,
types, completion, schedules).

Errors are one line on stderr, ``taskstream: error: ...``, and the exit code says what happened
(see ``taskstream.cli._exit``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from taskstream.cli._commands import COMMANDS
from taskstream.cli._completion import SCRIPTS
from taskstream.cli._connection import connect
from taskstream.cli._exit import ExitCode, classify
from taskstream.cli._parser import build_parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line ``argv`` (default: ``sys.argv[1:]``) and returns its exit code."""
    parser = build_parser(os.environ)
    args = parser.parse_args(argv)  # a usage error exits with 2 here
    if args.command == "completion":  # needs no server
        sys.stdout.write(SCRIPTS[args.shell](parser))
        return ExitCode.OK
    try:
        with connect(args) as client:
            return COMMANDS[args.command](client, args)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return ExitCode.BROKEN_PIPE
    except Exception as error:
        failure = classify(error)
        print(f"taskstream: error: {failure}", file=sys.stderr)
        return failure.code


def _discard_stdout() -> None:
    """Points stdout at /dev/null so that flushing it at exit does not fail again on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
