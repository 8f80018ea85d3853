"""What a worker and its task process say to each other over their two pipes.

The work pipe carries, from the worker, a list of RunTask (several tasks in one message) or a Shutdown, read
by the child's main thread between tasks; and from the child, frames that are each a list of FromChild
messages. The control pipe carries CancelRun and Recall to the child's control thread, which acts on them
while a task runs. A task's output is in its slot's files between the offsets its RunStarted and
RunFinished name. Protos travel as they are (they pickle).
"""

from __future__ import annotations

import dataclasses

from taskstream.authoring import PendingCancellation
from taskstream.v1 import task_pb2, worker_service_pb2


@dataclasses.dataclass(frozen=True)
class OutputPaths:
    """The slot's output files: fds 1 and 2 are appended to them from the task that names them on."""

    stdout: str
    stderr: str


@dataclasses.dataclass(frozen=True)
class RunTask:
    """Run this assignment after those sent before it. ``seq`` numbers the tasks sent to one child."""

    seq: int
    assignment: worker_service_pb2.TaskAssignment
    outputs: OutputPaths | None = None


@dataclasses.dataclass(frozen=True)
class Shutdown:
    """Tear environments down and exit (sent only when no task is queued)."""


@dataclasses.dataclass(frozen=True)
class CancelRun:
    """Show this cancellation to the task if it is running (the worker recalls tasks not started)."""

    assignment_id: str
    cancellation: PendingCancellation


@dataclasses.dataclass(frozen=True)
class Recall:
    """Give these tasks back unless they started: each (seq, assignment id) is answered in RunRecalled."""

    runs: tuple[tuple[int, str], ...]


@dataclasses.dataclass(frozen=True)
class RunStarted:
    """The task began; its output starts at these offsets of the slot's files."""

    assignment_id: str
    stdout_start: int
    stderr_start: int


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
    """The task returned or raised; its output, flushed, ends at these offsets of the slot's files."""

    assignment_id: str
    status: task_pb2.TaskStatus
    result: task_pb2.Result | None = None
    error: task_pb2.TaskError | None = None
    stdout_end: int = 0
    stderr_end: int = 0


@dataclasses.dataclass(frozen=True)
class RunRecalled:
    """Answers a Recall: for each assignment id, True when the task was dropped unstarted and never will
    run here, False when it had started (its RunStarted was sent before this) or is unknown."""

    answers: tuple[tuple[str, bool], ...]


ToChild = list[RunTask] | Shutdown
Control = CancelRun | Recall
FromChild = RunStarted | RunProgress | RunProperty | RunFinished | RunRecalled
