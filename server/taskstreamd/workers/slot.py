"""Supervisor side: one slot runs one task at a time in its child process and reports on it.

The slot turns the child's messages into ConnectRequests, streams the output files, and enforces what
the task cannot be trusted to do itself: the timeout, the grace period after a cancellation (then
SIGKILL to the child's process group), pausing with SIGSTOP / SIGCONT, and reporting a crash. A child
that dies or is killed is replaced; a healthy one is reused for the next task.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

from taskstream import values as _values
from taskstream.authoring import PendingCancellation
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2, worker_service_pb2

from .deadline import PausableTimer
from .errors import PROCESS_CRASHED, TASK_TIMEOUT, crash_message, task_error, timeout_message
from .messages import (
    CancelRun,
    FromChild,
    RunFinished,
    RunProgress,
    RunProperty,
    RunStarted,
    RunTask,
    Shutdown,
)
from .output import Chunk, OutputFile
from .process import ChildProcess
from .runtime import ChildSettings

Emit = Callable[[worker_service_pb2.ConnectRequest], None]

OUTPUT_POLL_SECONDS = 0.05
# A task's start is reported this long after it began, unless another report about the task goes first. A
# task that ends meanwhile has its start carried by its TaskFinished, which the server records in one
# transaction instead of two. Watchers see a longer task's RUNNING that much later.
START_REPORT_DELAY = 0.01
TIMEOUT_GRACE_SECONDS = 2.0
SHUTDOWN_SECONDS = 5.0

_log = logging.getLogger(__name__)


@dataclasses.dataclass(eq=False)
class _Run:
    """One assignment on this slot, from hand-over to TaskFinished."""

    assignment: worker_service_pb2.TaskAssignment
    stdout: OutputFile
    stderr: OutputFile
    timer: PausableTimer | None = None
    poller: asyncio.TimerHandle | None = None  # the next look at the output files
    kill_handle: asyncio.TimerHandle | None = None
    kill_at: float = float("inf")
    cancelled: bool = False
    timed_out: bool = False
    paused: bool = False
    abandoned: bool = False  # the session that assigned it is gone: report nothing
    started: bool = False  # the child said RunStarted: the task's own code may have run
    handed_again: bool = False  # its first child died before starting it, so a new one got it
    ended: bool = False

    @property
    def assignment_id(self) -> str:
        return self.assignment.assignment_id

    @property
    def stopping(self) -> bool:
        return self.cancelled or self.timed_out

    def stop_timers(self) -> None:
        if self.poller is not None:
            self.poller.cancel()
            self.poller = None
        if self.timer is not None:
            self.timer.cancel()
        if self.kill_handle is not None:
            self.kill_handle.cancel()
            self.kill_handle = None


class Slot:
    """Runs assignments one after another in a reused child process."""

    def __init__(
        self,
        index: int,
        *,
        task_modules: Sequence[str],
        workdir: str,
        emit: Emit,
        on_idle: Callable[[], None],
        settings: ChildSettings | None = None,
    ) -> None:
        self._index = index
        self._task_modules = list(task_modules)
        self._settings = settings or ChildSettings()
        self._workdir = workdir
        self._send = emit
        self._on_idle = on_idle
        self._held_start: tuple[_Run, asyncio.TimerHandle] | None = None
        self._child: ChildProcess | None = None
        self._run: _Run | None = None
        self._closing = False
        self._numbers = itertools.count(1)

    @property
    def idle(self) -> bool:
        return self._run is None and not self._closing

    @property
    def assignment_id(self) -> str | None:
        return self._run.assignment_id if self._run is not None else None

    @property
    def child_pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def warm_up(self) -> None:
        """Start the child now, so the first task does not wait for it."""
        self._ensure_child()

    def start(self, assignment: worker_service_pb2.TaskAssignment, max_output_bytes: int) -> None:
        """Hand an assignment to the child; the slot must be idle."""
        assert self.idle, "slot is busy"
        number = next(self._numbers)
        base = os.path.join(self._workdir, f"slot{self._index}-{number}")
        try:
            child = self._ensure_child()
            stdout = OutputFile(base + ".stdout", max_output_bytes)
            stderr = OutputFile(base + ".stderr", max_output_bytes)
        except Exception as exc:  # no process or no disk: the task fails, the worker stays up
            _log.exception("cannot start task %s", assignment.assignment_id, extra=_ids(assignment))
            self._emit_finished(
                assignment.assignment_id, task_pb2.TASK_STATUS_FAILED, error=_values.encode_error(exc)
            )
            return
        self._run = _Run(assignment, stdout, stderr)
        if _log.isEnabledFor(logging.DEBUG):  # the arguments cost more than a short task's own work
            _log.debug("task %s of %s starts", assignment.task, assignment.instance, extra=_ids(assignment))
        child.send(RunTask(assignment, stdout.path, stderr.path))  # a child gone by now reports its exit

    def cancel(self, assignment_id: str, cancellation: PendingCancellation, grace_seconds: float) -> bool:
        """Show the task its cancellation; kill it if it is still running after the grace period."""
        run = self._current(assignment_id)
        if run is None:
            return False
        if not run.timed_out:  # a timeout that came first decides the status
            run.cancelled = True
        self._stop(run, cancellation, grace_seconds)
        return True

    def suspend(self, assignment_id: str) -> bool:
        """Stop the task's process group; False when there is nothing to pause."""
        run = self._current(assignment_id)
        if run is None or run.stopping or self._child is None:
            return False  # a stopping task is not paused: it would only sit out its grace period
        if not run.paused:
            self._child.signal_group(signal.SIGSTOP)
            run.paused = True
            if run.timer is not None:
                run.timer.pause()
        self._emit(_request(paused=worker_service_pb2.TaskPaused(assignment_id=assignment_id, paused=True)))
        return True

    def resume(self, assignment_id: str) -> bool:
        run = self._current(assignment_id)
        if run is None or self._child is None:
            return False
        self._continue(run)
        self._emit(_request(paused=worker_service_pb2.TaskPaused(assignment_id=assignment_id, paused=False)))
        return True

    def abandon(self) -> None:
        """Kill the running task without reporting it (its session is gone; the server retries it)."""
        run = self._run
        if run is not None and not run.ended:
            run.abandoned = True
            run.stop_timers()
            if self._child is not None:
                self._child.kill()

    def drop(self, assignment_id: str) -> bool:
        """Kill this assignment without reporting it (the server gave up on it); False if not running."""
        run = self._current(assignment_id)
        if run is None:
            return False
        self.abandon()
        return True

    async def close(self) -> None:
        """Kill a running task, let an idle child tear its environments down, and wait for the exit."""
        self._closing = True
        self.abandon()
        child = self._child
        if child is not None:
            idle = self._run is None
            if idle and child.send(Shutdown()) and not await child.wait_exited(SHUTDOWN_SECONDS):
                child.kill()
            await child.wait_exited(SHUTDOWN_SECONDS)  # its end was handled before this returns

    # The child's messages

    def _ensure_child(self) -> ChildProcess:
        if self._child is None:
            self._child = ChildProcess(
                self._task_modules,
                name=f"taskstream-slot{self._index}",
                on_message=self._on_child_message,
                settings=self._settings,
            )
        return self._child

    def _on_child_message(self, child: ChildProcess, message: FromChild | None) -> None:
        if message is None:
            self._on_exit(child)
            return
        try:
            self._on_message(message)
        except Exception:  # a report that cannot be built must not stop the slot
            _log.exception("bad message from task process %d", child.pid)

    def _on_message(self, message: FromChild) -> None:
        run = self._run
        if run is None or run.ended or message.assignment_id != run.assignment_id:
            return  # about a task this slot already reported
        if run.abandoned:
            return
        aid = run.assignment_id
        if isinstance(message, RunStarted):
            run.started = True
            handle = asyncio.get_running_loop().call_later(START_REPORT_DELAY, self._report_start)
            self._held_start = (run, handle)
            self._start_clocks(run)
        elif isinstance(message, RunProgress):
            report = worker_service_pb2.TaskProgressReport(assignment_id=aid, progress=message.progress)
            self._emit(_request(progress=report))
        elif isinstance(message, RunProperty):
            prop = worker_service_pb2.TaskPropertySet(assignment_id=aid, key=message.key, value=message.value)
            self._emit(_request(property=prop))
        elif isinstance(message, RunFinished):
            self._finish(run, message.status, message.result, message.error)

    def _on_exit(self, child: ChildProcess) -> None:
        child.kill()  # subprocesses a crashed task left behind share its process group
        child.close()
        if self._child is child:
            self._child = None
        run = self._run
        if run is None:
            return  # an idle child died: the next task starts a new one
        if self._hand_to_new_child(run):
            return
        self._finish(
            run,
            task_pb2.TASK_STATUS_FAILED,
            None,
            task_error(PROCESS_CRASHED, crash_message(child.exitcode)),
        )
        if not self._closing and self._child is None:
            self._ensure_child()  # replace it now, so the next task finds a warm process

    def _hand_to_new_child(self, run: _Run) -> bool:
        """Give a run whose child died before starting it to a new child, once; False when not.

        A child can die just after reporting its previous task's end (something that task left behind
        ended the process), before it reads the next RunTask. That task did not run, so it must not be
        reported as crashed. A second death before the start is the task's or the machine's fault.
        """
        if run.started or run.handed_again or run.stopping or run.abandoned or self._closing:
            return False
        run.handed_again = True
        _log.warning("task process died before starting task %s; starting it in a new one", run.assignment_id)
        child = self._ensure_child()
        if run.paused:
            child.signal_group(signal.SIGSTOP)
        child.send(RunTask(run.assignment, run.stdout.path, run.stderr.path))
        return True

    # Clocks: output polling, timeout, grace period

    def _start_clocks(self, run: _Run) -> None:
        self._poll_output_later(run)
        if run.assignment.HasField("timeout") and not run.stopping:
            seconds = run.assignment.timeout.ToTimedelta().total_seconds()
            run.timer = PausableTimer(seconds, lambda: self._on_timeout(run, seconds))
            run.timer.start()
            if run.paused:
                run.timer.pause()

    def _poll_output_later(self, run: _Run) -> None:
        # A timer rather than a task per run: most tasks end before the first look.
        run.poller = asyncio.get_running_loop().call_later(OUTPUT_POLL_SECONDS, self._poll_output, run)

    def _poll_output(self, run: _Run) -> None:
        if run.ended:
            return
        try:
            self._emit_output(run, task_pb2.OUTPUT_STREAM_STDOUT, run.stdout.poll())
            self._emit_output(run, task_pb2.OUTPUT_STREAM_STDERR, run.stderr.poll())
        except OSError:  # the rest is still sent when the task ends, if it can be read then
            _log.exception("cannot read the output of task %s", run.assignment_id)
            return
        self._poll_output_later(run)

    def _on_timeout(self, run: _Run, seconds: float) -> None:
        if run.ended or run.stopping:
            return
        run.timed_out = True
        reason = PendingCancellation(CancellationReason.TIMEOUT, timeout_message(seconds), "taskstream")
        self._stop(run, reason, TIMEOUT_GRACE_SECONDS)

    def _stop(self, run: _Run, cancellation: PendingCancellation, grace_seconds: float) -> None:
        """Deliver a cancellation and arm the kill; a later, shorter grace period brings the kill forward."""
        if run.timer is not None:
            run.timer.cancel()
        self._continue(run)  # a paused task can neither see the cancellation nor end
        if self._child is not None:
            self._child.send(CancelRun(run.assignment_id, cancellation))
        loop = asyncio.get_running_loop()
        kill_at = loop.time() + max(grace_seconds, 0.0)
        if kill_at < run.kill_at:
            if run.kill_handle is not None:
                run.kill_handle.cancel()
            run.kill_at = kill_at
            run.kill_handle = loop.call_at(kill_at, self._kill_if_running, run)

    def _kill_if_running(self, run: _Run) -> None:
        if self._run is run and not run.ended and self._child is not None:
            self._child.kill()  # its exit then finishes the run

    def _continue(self, run: _Run) -> None:
        if run.paused and self._child is not None:
            self._child.signal_group(signal.SIGCONT)
            run.paused = False
            if run.timer is not None:
                run.timer.resume()

    # The end of a run

    def _finish(
        self,
        run: _Run,
        status: task_pb2.TaskStatus,
        result: task_pb2.Result | None,
        error: task_pb2.TaskError | None,
    ) -> None:
        run.ended = True
        run.stop_timers()
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug(
                "task %s of %s ended %s",
                run.assignment.task,
                run.assignment.instance,
                task_pb2.TaskStatus.Name(status),
                extra=_ids(run.assignment),
            )
        if not run.abandoned:
            # Every output chunk goes before TaskFinished.
            self._emit_final_output(run, task_pb2.OUTPUT_STREAM_STDOUT, run.stdout)
            self._emit_final_output(run, task_pb2.OUTPUT_STREAM_STDERR, run.stderr)
            if run.timed_out:
                status = task_pb2.TASK_STATUS_TIMED_OUT
                seconds = run.assignment.timeout.ToTimedelta().total_seconds()
                error = task_error(TASK_TIMEOUT, timeout_message(seconds))
            elif run.cancelled:
                status = task_pb2.TASK_STATUS_CANCELLED
            self._emit_finished(
                run.assignment_id,
                status,
                result=result,
                error=error,
                stdout_bytes=run.stdout.total_bytes,
                stderr_bytes=run.stderr.total_bytes,
                started=self._take_held_start(run),
            )
        for output in (run.stdout, run.stderr):
            try:
                output.close()
            except OSError:
                _log.exception("cannot remove %s", output.path)
        self._run = None
        if not self._closing:
            self._on_idle()

    def _emit_final_output(self, run: _Run, stream: task_pb2.OutputStream, output: OutputFile) -> None:
        try:
            chunks = output.finish()
        except OSError:  # losing output must not lose the task's end
            _log.exception("cannot read the output of task %s", run.assignment_id)
            return
        self._emit_output(run, stream, chunks)

    def _emit_output(self, run: _Run, stream: task_pb2.OutputStream, chunks: list[Chunk]) -> None:
        if run.abandoned:
            return
        for offset, data in chunks:
            chunk = worker_service_pb2.TaskOutputChunk(
                assignment_id=run.assignment_id, stream=stream, offset=offset, data=data
            )
            self._emit(_request(output=chunk))

    def _emit_finished(
        self,
        assignment_id: str,
        status: task_pb2.TaskStatus,
        *,
        result: task_pb2.Result | None = None,
        error: task_pb2.TaskError | None = None,
        stdout_bytes: int = 0,
        stderr_bytes: int = 0,
        started: bool = False,
    ) -> None:
        finished = worker_service_pb2.TaskFinished(
            assignment_id=assignment_id,
            status=status,
            result=result,
            error=error,
            stdout_bytes=stdout_bytes,
            stderr_bytes=stderr_bytes,
            started=started,
        )
        self._emit(_request(finished=finished))

    # Helpers

    def _emit(self, request: worker_service_pb2.ConnectRequest) -> None:
        """Sends a report; a held start goes first, so the server hears of the task in order."""
        self._report_start()
        self._send(request)

    def _take_held_start(self, run: _Run) -> bool:
        """Whether ``run``'s start is still held (then TaskFinished carries it); it is no longer held."""
        if self._held_start is None or self._held_start[0] is not run:
            return False
        self._held_start[1].cancel()
        self._held_start = None
        return True

    def _report_start(self) -> None:
        if self._held_start is None:
            return
        run, handle = self._held_start
        self._held_start = None
        handle.cancel()
        if not run.abandoned:
            self._send(_request(started=worker_service_pb2.TaskStarted(assignment_id=run.assignment_id)))

    def _current(self, assignment_id: str) -> _Run | None:
        run = self._run
        if run is None or run.ended or run.abandoned or run.assignment_id != assignment_id:
            return None
        return run


def _request(**message: Any) -> worker_service_pb2.ConnectRequest:
    return worker_service_pb2.ConnectRequest(**message)


def _ids(assignment: worker_service_pb2.TaskAssignment) -> dict[str, str]:
    """The ids a log record about a task carries (JSON logs show them as fields)."""
    return {
        "instance": assignment.instance,
        "task": assignment.task,
        "assignment_id": assignment.assignment_id,
    }
