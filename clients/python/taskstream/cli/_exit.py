"""Exit codes of the ``taskstream`` command, and the one-line message and code of every error it reports.

0    success: the instance succeeded, or the command did what it was asked
1    the instance terminated without every task succeeding (run --wait, wait, watch)
2    usage error: bad arguments or options
3    no such instance or task
4    the server cannot be reached
5    a wait ran out of time
6    any other error the server answered with
130  interrupted by Ctrl-C
"""

from __future__ import annotations

import enum

from taskstream.errors import (
    ApiError,
    InvalidArgumentError,
    NotFoundError,
    TaskstreamError,
    UnavailableError,
    WaitTimeoutError,
)


class ExitCode(enum.IntEnum):
    OK = 0
    UNSUCCESSFUL = 1
    USAGE = 2
    NOT_FOUND = 3
    UNREACHABLE = 4
    TIMEOUT = 5
    API_ERROR = 6
    BROKEN_PIPE = 141  # as a shell reports a reader that went away (128 + SIGPIPE)
    INTERRUPTED = 130  # as a shell reports Ctrl-C (128 + SIGINT)


class CliError(Exception):
    """An error the command reports as one line on stderr, exiting with ``code``."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


def classify(error: Exception) -> CliError:
    """The message and exit code of an error raised while a command ran."""
    if isinstance(error, CliError):
        return error
    message = " ".join(str(error).split()) or type(error).__name__  # always one line
    if isinstance(error, NotFoundError):
        return CliError(message, ExitCode.NOT_FOUND)
    if isinstance(error, UnavailableError):
        return CliError(message, ExitCode.UNREACHABLE)
    if isinstance(error, WaitTimeoutError):
        return CliError(message, ExitCode.TIMEOUT)
    if isinstance(error, ApiError | TaskstreamError):
        return CliError(message, ExitCode.API_ERROR)
    if isinstance(error, ValueError):  # the client rejected an argument before any call
        return CliError(message, ExitCode.USAGE)
    return CliError(f"unexpected {type(error).__name__}: {message}", ExitCode.API_ERROR)


def names_no_instance(error: InvalidArgumentError) -> bool:
    """Whether the server rejected only the instance's name, so that no instance can have it."""
    return bool(error.field_violations) and all(v.field == "name" for v in error.field_violations)
