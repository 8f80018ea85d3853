"""What a worker and its task child process say to each other over their multiprocessing Pipe.

Worker -> child: RunTask, CancelRun, Shutdown.  Child -> worker: RunStarted, RunProgress, RunProperty,
RunFinished. Every message but Shutdown names its assignment, so a late message about an earlier task
is recognised and dropped. Protos travel as they are (they pickle).
"""

from __future__ import annotations

import dataclasses

from taskstream.authoring import PendingCancellation
from taskstream.v1 import task_pb2, worker_service_pb2


@dataclasses.dataclass(frozen=True)
class RunTask:
    """Run this assignment with fds 1 and 2 appended to these files."""

    assignment: worker_service_pb2.TaskAssignment
    stdout_path: str
    stderr_path: str


@dataclasses.dataclass(frozen=True)
class CancelRun:
    """Show this cancellation to the task (or skip it if it has not started)."""

    assignment_id: str
    cancellation: PendingCancellation


@dataclasses.dataclass(frozen=True)
class Shutdown:
    """Tear environments down and exit."""


@dataclasses.dataclass(frozen=True)
class RunStarted:
    assignment_id: str


@dataclasses.dataclass(frozen=True)
class RunProgress:
    assignment_id: str
    progress: task_pb2.Progress


@dataclasses.dataclass(frozen=True)
class RunProperty:
    assignment_id: str
    key: str
    value: task_pb2.PropertyValue


@dataclasses.dataclass(frozen=True)
class RunFinished:
    """The task returned or raised; output is flushed and fds 1 and 2 are restored."""

    assignment_id: str
    status: task_pb2.TaskStatus
    result: task_pb2.Result | None = None
    error: task_pb2.TaskError | None = None


ToChild = RunTask | CancelRun | Shutdown
FromChild = RunStarted | RunProgress | RunProperty | RunFinished
