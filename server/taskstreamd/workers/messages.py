"""What a worker and its task process say to each other over their two pipes.

The work pipe carries, from the worker, a list of RunTask (several tasks in one message) or a Shutdown, read
by the child's main thread between tasks; and from the child, frames that are each a list of FromChild
messages. The control pipe carries CancelRun and Recall to the child's control thread, which acts on them
while a task runs. A task's output is in its slot's files between the offsets its RunStarted and
RunFinished name. Messages are named tuples and protos travel serialized: that pickles as a class, its
fields and bytes, the cheapest there is for a message per task.
"""

from __future__ import annotations

import dataclasses
import struct
from typing import NamedTuple

from taskstream.authoring import PendingCancellation
from taskstream.v1 import task_pb2


class OutputPaths(NamedTuple):
    """The slot's files: fds 1 and 2 are appended to the first two from the task that names them on;
    ``started`` records the task that began (see capture.StartMarker)."""

    stdout: str
    stderr: str
    started: str


class RunTask(NamedTuple):
    """Run this assignment (a serialized TaskAssignment) after those sent before it. ``seq`` numbers the
    tasks sent to one slot's children."""

    seq: int
    assignment: bytes
    outputs: OutputPaths | None = None


@dataclasses.dataclass(frozen=True)
class Shutdown:
    """Tear environments down and exit (sent only when no task is queued)."""


class CancelRun(NamedTuple):
    """Show this cancellation to the task if it is running (the worker recalls tasks not started)."""

    assignment_id: str
    cancellation: PendingCancellation


class Recall(NamedTuple):
    """Give these tasks back unless they started: each (seq, assignment id) is answered in RunRecalled."""

    runs: tuple[tuple[int, str], ...]


class RunStarted(NamedTuple):
    """The task began (at ``time.monotonic()`` ``started_at``); its output starts at these offsets of the
    slot's files."""

    assignment_id: str
    stdout_start: int
    stderr_start: int
    started_at: float


class RunProgress(NamedTuple):
    assignment_id: str
    progress: task_pb2.Progress


class RunProperty(NamedTuple):
    assignment_id: str
    key: str
    value: task_pb2.PropertyValue


class RunFinished(NamedTuple):
    """The task returned or raised (a serialized Result or TaskError, when it has one); its output,
    flushed, ends at these offsets of the slot's files. It cost its process ``cpu_seconds`` and a peak
    resident memory of ``memory_peak_bytes`` (0: unknown), see task_cost."""

    assignment_id: str
    status: task_pb2.TaskStatus
    result: bytes | None
    error: bytes | None
    stdout_end: int
    stderr_end: int
    cpu_seconds: float = 0.0
    memory_peak_bytes: int = 0


class RunRecalled(NamedTuple):
    """Answers a Recall: for each assignment id, True when the task was dropped unstarted and never will
    run here, False when it had started (its RunStarted was sent before this) or is unknown."""

    answers: tuple[tuple[str, bool], ...]


class StartMark(NamedTuple):
    """What the started file holds: the last task that began without a RunStarted sent at once. The first
    task after the child waited has nothing to send with its start, which then goes with its end (one pipe
    message instead of two); the mark, written before the task's code runs, tells the worker of the start
    meanwhile: when it checks on a task still running, and when the child died."""

    seq: int
    stdout_start: int
    stderr_start: int
    started_at: float

    def pack(self) -> bytes:
        return _MARK.pack(*self)

    @classmethod
    def unpack(cls, data: bytes) -> StartMark | None:
        return cls(*_MARK.unpack(data)) if len(data) == _MARK.size else None


_MARK = struct.Struct("<qqqd")
MARK_BYTES = _MARK.size

ToChild = list[RunTask] | Shutdown
Control = CancelRun | Recall
FromChild = RunStarted | RunProgress | RunProperty | RunFinished | RunRecalled
