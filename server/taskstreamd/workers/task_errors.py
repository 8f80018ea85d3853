"""TaskError values for failures the worker detects itself, named with taskstream's reason types."""

from __future__ import annotations

import signal

from taskstream.v1 import task_pb2

PROCESS_CRASHED = "taskstream.ProcessCrashed"
UNKNOWN_TASK_TYPE = "taskstream.UnknownTaskType"
CODE_NOT_ALLOWED = "taskstream.CodeNotAllowed"
TASK_TIMEOUT = "taskstream.TaskTimeout"


def task_error(type_name: str, message: str) -> task_pb2.TaskError:
    return task_pb2.TaskError(type=type_name, message=message)


def crash_message(exitcode: int | None) -> str:
    """Describe how a task process ended, from multiprocessing's exitcode (-N means signal N)."""
    if exitcode is None:
        return "task process died"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"task process died with signal {name}"
    return f"task process exited with code {exitcode}"


def format_seconds(seconds: float) -> str:
    return f"{seconds:g}s"


def timeout_message(seconds: float) -> str:
    return f"task exceeded its timeout of {format_seconds(seconds)}"
