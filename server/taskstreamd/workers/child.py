"""Child side: the task process's main loop.

The worker spawns one child per slot and reuses it for task after task. Its main thread reads the work
pipe itself whenever it has nothing queued (a message is a list of tasks) and runs the tasks in order, so
a task costs no hand-over between threads. A control thread sleeps on the control pipe and acts at once
on what must reach the child while a task runs: a cancellation (the task sees it even inside a long C
call) and a recall (tasks not started yet are given back).

What the child reports goes out in frames, lists of messages: a task's end is held and written together
with the next task's start, or as soon as nothing is queued. Everything held is written before any task
code runs, so a crash or a kill never loses the end of a task that already ran. The start of the first
task after a wait, with nothing to go with it, is held too and goes with its end (or with whatever the
task reports first); the started file tells the worker of it meanwhile (messages.StartMark).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import faulthandler
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection

from taskstream.authoring import TaskContext
from taskstream.v1 import worker_service_pb2

from . import leftovers
from .capture import SlotStreams, prepare_standard_streams
from .executor import Executor
from .messages import (
    CancelRun,
    FromChild,
    Recall,
    RunFinished,
    RunRecalled,
    RunStarted,
    RunTask,
    Shutdown,
    StartMark,
)
from .runtime import ChildSettings
from .task_cost import CostMeter
from .tasktypes import import_task_modules


class Outgoing:
    """Messages to the worker: held, then written together as one frame (from any thread)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._held: list[FromChild] = []

    def hold(self, message: FromChild) -> None:
        with self._lock:
            self._held.append(message)

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def flush(self) -> None:
        with self._lock:
            self._write()

    def send(self, message: FromChild) -> None:
        """Write ``message`` now, after what is held."""
        with self._lock:
            self._held.append(message)
            self._write()

    def _write(self) -> None:
        if not self._held:
            return
        # Pickled here rather than by conn.send, whose ForkingPickler costs more per small message.
        data = pickle.dumps(self._held, protocol=pickle.HIGHEST_PROTOCOL)
        self._held = []
        with contextlib.suppress(OSError):  # the worker is gone; the control thread ends this process
            self._conn.send_bytes(data)


@dataclasses.dataclass
class _Current:
    assignment_id: str
    context: TaskContext


class TaskLoop:
    """The tasks this process was sent, run one after another; ``run`` is the main thread's part and
    ``control_forever`` the control thread's."""

    def __init__(
        self, work: Connection, control: Connection, streams: SlotStreams, *, server: str = ""
    ) -> None:
        self._work = work
        self._control = control
        self._streams = streams
        self._out = Outgoing(work)
        self.executor = Executor(self._out.send, server=server)
        self.meter = CostMeter()  # what each task costs this process
        # Guards what both threads decide on: which task runs, which wait, which were recalled.
        self._lock = threading.Lock()
        self._queue: collections.deque[RunTask] = collections.deque()
        self._read_upto = 0  # the highest seq read from the work pipe
        self._skip: set[int] = set()  # recalled before they were read: dropped when they are
        self._current: _Current | None = None
        self._worker_gone = False

    def run(self) -> None:
        """Run tasks until Shutdown or until the worker is gone."""
        while True:
            started = self._start_next()
            if started is None:
                self._out.flush()
                if not self._receive():
                    return
                continue
            assignment, ctx = started
            begun = self.meter.begin()
            outcome = self.executor.run(assignment, ctx)
            cpu_seconds, memory_peak = self.meter.end(begun)
            stdout_end, stderr_end = self._streams.end()
            finished = RunFinished(
                assignment.assignment_id,
                outcome.status,
                None if outcome.result is None else outcome.result.SerializeToString(),
                None if outcome.error is None else outcome.error.SerializeToString(),
                stdout_end,
                stderr_end,
                cpu_seconds,
                memory_peak,
            )
            with self._lock:
                self._current = None
                self._out.hold(finished)
            leftovers.end_descendants(self.executor.environment_processes)  # they must not outlive it

    def control_forever(self) -> None:
        while True:
            try:
                command = self._control.recv()
            except (EOFError, OSError):
                self._worker_died()
                return
            if isinstance(command, CancelRun):
                self._cancel(command)
            elif isinstance(command, Recall):
                self._recall(command)

    def _start_next(self) -> tuple[worker_service_pb2.TaskAssignment, TaskContext] | None:
        with self._lock:
            if self._worker_gone or not self._queue:
                return None
            task = self._queue.popleft()
            assignment = worker_service_pb2.TaskAssignment.FromString(task.assignment)
            stdout_start, stderr_start = self._streams.begin()
            ctx = self.executor.context(assignment)
            self._current = _Current(assignment.assignment_id, ctx)
            now = time.monotonic()
            started = RunStarted(assignment.assignment_id, stdout_start, stderr_start, now)
            # Before any of the task's code runs (see the module docstring): the ends held, with this start,
            # or else the start's mark.
            if self._out.holding:
                self._out.send(started)
            else:
                self._streams.mark_started(StartMark(task.seq, stdout_start, stderr_start, now))
                self._out.hold(started)
        return assignment, ctx

    def _receive(self) -> bool:
        """Queue the next tasks the worker sends; False at Shutdown or when the worker is gone."""
        try:
            message = self._work.recv()
        except (EOFError, OSError):
            return False
        if isinstance(message, Shutdown):
            return False
        with self._lock:
            for task in message:
                self._read_upto = max(self._read_upto, task.seq)
                if task.outputs is not None:
                    # The worker names new files only to a child with nothing queued: switch now.
                    self._streams.switch(task.outputs)
                if task.seq in self._skip:
                    self._skip.discard(task.seq)
                else:
                    self._queue.append(task)
        return True

    def _cancel(self, command: CancelRun) -> None:
        with self._lock:
            current = self._current
        if current is not None and current.assignment_id == command.assignment_id:
            current.context.deliver_cancellation(command.cancellation)

    def _recall(self, command: Recall) -> None:
        with self._lock:
            answers: list[tuple[str, bool]] = []
            for seq, assignment_id in command.runs:
                if seq > self._read_upto:
                    self._skip.add(seq)
                    answers.append((assignment_id, True))
                    continue
                queued = next((t for t in self._queue if t.seq == seq), None)
                if queued is not None:
                    self._queue.remove(queued)
                answers.append((assignment_id, queued is not None))
            # Under the lock, so a started task's RunStarted is written before a "no" about it.
            self._out.send(RunRecalled(tuple(answers)))

    def _worker_died(self) -> None:
        """Nobody collects results any more, and tasks must not outlive their worker."""
        with self._lock:
            self._worker_gone = True
            self._queue.clear()
            busy = self._current is not None
        if busy:
            os.killpg(os.getpgrp(), signal.SIGKILL)


def child_main(
    work: Connection, control: Connection, task_modules: Sequence[str], settings: ChildSettings
) -> None:
    """Entry point of a task process (spawned, so it holds none of the worker's gRPC threads)."""
    os.setpgrp()  # its own process group, so stop and kill reach the task's subprocesses too
    leftovers.become_subreaper()  # orphans of the task's subprocesses come back here to be ended
    prepare_standard_streams()
    faulthandler.enable()  # a crash's Python traceback goes to fd 2, the task's captured stderr
    settings.apply()
    import_task_modules(task_modules)
    streams = SlotStreams()
    loop = TaskLoop(work, control, streams, server=settings.server)
    threading.Thread(target=loop.control_forever, name="taskstream-control", daemon=True).start()
    loop.run()
    streams.restore()  # what teardown prints goes where the worker's own output goes
    loop.executor.close()
    sys.stdout.flush()
