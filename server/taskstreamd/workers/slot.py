"""Supervisor side: one slot hands tasks to its child process, several at a time, and reports on them.

The child runs the tasks it is handed in order. The slot turns the child's messages into ConnectRequests,
reads each task's range of the slot's output files, and enforces what the task cannot be trusted to do
itself: the timeout, the grace period after a cancellation (then SIGKILL to the child's process group),
pausing with SIGSTOP / SIGCONT, and reporting a crash. A task waiting in the child can be recalled (the
child gives it back unless it started); the slot recalls them all once the running task turns out long,
so nothing waits behind it that another slot could run. Tasks the child never started go back to the
worker when it dies. A child that dies or is killed is replaced; a healthy one is reused.

One timer per slot (the tick), not one per task, reports a held start, polls the output and notices a
long task: a stream of short tasks then costs no timer each.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
from collections.abc import Callable, Sequence

from taskstream import values as _values
from taskstream.authoring import PendingCancellation
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2, worker_service_pb2

from . import reports
from .deadline import PausableTimer
from .messages import (
    CancelRun,
    FromChild,
    Recall,
    RunFinished,
    RunProgress,
    RunProperty,
    RunRecalled,
    RunStarted,
    RunTask,
    Shutdown,
)
from .output import Chunk, OutputRange, SlotFiles
from .process import ChildProcess
from .runs import Run, Waiting
from .runtime import ChildSettings
from .task_errors import PROCESS_CRASHED, TASK_TIMEOUT, crash_message, task_error, timeout_message

Emit = Callable[[worker_service_pb2.ConnectRequest], None]

OUTPUT_POLL_SECONDS = 0.05
# A task's start is reported this long after it began, unless another report about the task goes first. A
# task that ends meanwhile has its start carried by its TaskFinished, which the server records in one
# transaction instead of two. Watchers see a longer task's RUNNING that much later.
START_REPORT_DELAY = 0.01
# How long a pause or a kill that waits for the child to give back its waiting tasks waits at most. A child
# that does not answer by then is stuck in its task's code and starts nothing else: it is paused or
# killed all the same.
RECALL_WAIT_SECONDS = 0.5
TIMEOUT_GRACE_SECONDS = 2.0
SHUTDOWN_SECONDS = 5.0

_log = logging.getLogger(__name__)


# What a slot tells the worker after a change: the tasks it gives back (recalled, or never started by
# a child that died), and the assignment ids whose recall the child refused because they started.
OnChange = Callable[["Slot", list[Waiting], list[str]], None]


class Slot:
    """Runs assignments one after another in a reused child process, several handed over at once."""

    def __init__(
        self,
        index: int,
        *,
        task_modules: Sequence[str],
        workdir: str,
        emit: Emit,
        on_change: OnChange,
        settings: ChildSettings | None = None,
    ) -> None:
        self._index = index
        self._task_modules = list(task_modules)
        self._settings = settings or ChildSettings()
        self._workdir = workdir
        self._send = emit
        self._on_change = on_change
        self._child: ChildProcess | None = None
        self._child_has_files = False  # whether the current child was told the slot's files
        self._files: SlotFiles | None = None
        self._runs: dict[str, Run] = {}  # handed to the child and not ended, in order
        self._active: Run | None = None  # the one that started and has not ended
        self._held: Run | None = None  # the run whose TaskStarted is held back
        self._tick: asyncio.TimerHandle | None = None
        self._closing = False
        self._seqs = itertools.count(1)

    @property
    def idle(self) -> bool:
        return not self._runs and not self._closing

    @property
    def child_pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def holds(self, assignment_id: str) -> bool:
        """Whether this assignment is the slot's, running or waiting in the child."""
        run = self._runs.get(assignment_id)
        return run is not None and not run.abandoned

    def started(self, assignment_id: str) -> bool:
        run = self._runs.get(assignment_id)
        return run is not None and run.started

    def warm_up(self) -> None:
        """Start the child now, so the first task does not wait for it."""
        self._ensure_child()

    def hand(self, waiting: Sequence[Waiting], max_output_bytes: int) -> None:
        """Hand assignments to the child, to run in this order; the slot must be idle."""
        assert self.idle, "slot is busy"
        try:
            child = self._ensure_child()
            if self._files is None:
                self._files = SlotFiles(os.path.join(self._workdir, f"slot{self._index}"))
            rotated = self._files.rotate_if_large()
        except Exception as exc:  # no process or no disk: the tasks fail, the worker stays up
            _log.exception("cannot start tasks on slot %d", self._index)
            for w in waiting:
                error = _values.encode_error(exc)
                self._emit(reports.finished(w.assignment_id, task_pb2.TASK_STATUS_FAILED, error=error))
            return
        outputs = self._files.paths() if rotated or not self._child_has_files else None
        self._child_has_files = True
        tasks: list[RunTask] = []
        for w in waiting:
            run = Run(w.assignment, next(self._seqs), max_output_bytes, handed_again=w.handed_again)
            self._runs[run.assignment_id] = run
            tasks.append(RunTask(run.seq, w.assignment.SerializeToString(), outputs if not tasks else None))
            if _log.isEnabledFor(logging.DEBUG):  # the arguments cost more than a short task's own work
                a = w.assignment
                _log.debug(
                    "task %s of %s handed to slot %d", a.task, a.instance, self._index, extra=reports.ids(a)
                )
        child.send(tasks)  # a child gone by now reports its exit, and the tasks come back
        # A lone task's start comes with its end; if it runs on, the tick reads its start mark.
        self._arm_tick(asyncio.get_running_loop().time() + START_REPORT_DELAY)

    def recall(self, assignment_ids: Sequence[str]) -> None:
        """Ask the child to give these tasks back unless they started; the answer comes to on_change."""
        runs = [self._runs[a] for a in assignment_ids if a in self._runs]
        runs = [r for r in runs if not r.started and not r.recalling]
        if not runs or self._child is None:
            return
        for run in runs:
            run.recalling = True
        self._child.control(Recall(tuple((r.seq, r.assignment_id) for r in runs)))

    def cancel(self, assignment_id: str, cancellation: PendingCancellation, grace_seconds: float) -> bool:
        """Show a started task its cancellation; kill it if it is still running after the grace period."""
        run = self._current(assignment_id)
        if run is None:
            return False
        if not run.timed_out:  # a timeout that came first decides the status
            run.cancelled = True
        self._stop(run, cancellation, grace_seconds)
        return True

    def suspend(self, assignment_id: str) -> bool:
        """Stop a started task's process group; False when there is nothing to pause."""
        run = self._current(assignment_id)
        if run is None or run.stopping or self._child is None:
            return False  # a stopping task is not paused: it would only sit out its grace period
        # A stopped child answers no recall, and what waits behind a paused task must not be stuck there.
        run.pause_wanted = True
        self._after_recall(run)
        return True

    def resume(self, assignment_id: str) -> bool:
        run = self._current(assignment_id)
        if run is None or self._child is None:
            return False
        run.pause_wanted = False
        self._continue(run)
        self._emit(reports.paused(assignment_id, False))
        return True

    def drop(self, assignment_id: str) -> bool:
        """Forget an assignment without reporting it (the server gave up on it): kill it if it started,
        recall it if not (and kill it after all if the child says it started); False if not here."""
        run = self._runs.get(assignment_id)
        if run is None or run.abandoned:
            return False
        run.abandoned = True
        run.stop_timers()
        if run.started:
            self._kill(run)
        else:
            self.recall([assignment_id])
        return True

    def abandon(self) -> None:
        """Kill every task without reporting it (their session is gone; the server retries them)."""
        for run in self._runs.values():
            run.abandoned = True
            run.stop_timers()
        if self._runs and self._child is not None:
            self._child.kill()

    async def close(self) -> None:
        """Kill running tasks, let an idle child tear its environments down, and wait for the exit."""
        self._closing = True
        self.abandon()
        child = self._child
        if child is not None:
            idle = not self._runs
            if idle and child.send(Shutdown()) and not await child.wait_exited(SHUTDOWN_SECONDS):
                child.kill()
            await child.wait_exited(SHUTDOWN_SECONDS)  # its end was handled before this returns
        if self._tick is not None:
            self._tick.cancel()
        if self._files is not None:
            self._files.close()
            self._files = None

    # The child's messages

    def _ensure_child(self) -> ChildProcess:
        if self._child is None:
            self._child = ChildProcess(
                self._task_modules,
                name=f"taskstream-slot{self._index}",
                on_message=self._on_child_message,
                settings=self._settings,
            )
            self._child_has_files = False
        return self._child

    def _on_child_message(self, child: ChildProcess, frame: list[FromChild] | None) -> None:
        if frame is None:
            self._on_exit(child)
            return
        returned: list[Waiting] = []
        refused: list[str] = []
        for message in frame:
            try:
                if isinstance(message, RunRecalled):
                    self._on_recalled(message, returned, refused)
                else:
                    self._on_message(message)
            except Exception:  # a report that cannot be built must not stop the slot
                _log.exception("bad message from task process %d", child.pid)
        self._on_change(self, returned, refused)

    def _on_message(self, message: RunStarted | RunProgress | RunProperty | RunFinished) -> None:
        run = self._runs.get(message.assignment_id)
        if run is None or run.ended:
            return  # about a task this slot already reported
        if isinstance(message, RunStarted):
            if not run.started:  # unless the tick found its start mark first
                self._start(run, message.stdout_start, message.stderr_start, message.started_at)
        elif run.abandoned:
            if isinstance(message, RunFinished):
                self._forget(run)
        elif isinstance(message, RunProgress):
            self._emit(reports.progress(run.assignment_id, message.progress))
        elif isinstance(message, RunProperty):
            self._emit(reports.property_set(run.assignment_id, message.key, message.value))
        elif isinstance(message, RunFinished):
            ends = (message.stdout_end, message.stderr_end)
            cost = (message.cpu_seconds, message.memory_peak_bytes)
            self._finish(run, message.status, message.result, message.error, ends, cost)

    def _start(self, run: Run, stdout_start: int, stderr_start: int, started_at: float) -> None:
        """The run began at ``started_at`` (its RunStarted arrived, or the tick read its start mark)."""
        run.started = True
        self._active = run
        if run.abandoned:
            return  # dropped while the child started it: the drop's kill is on its way
        run.starts = (stdout_start, stderr_start)
        run.started_at = started_at
        run.next_poll = started_at + OUTPUT_POLL_SECONDS
        self._held = run
        self._arm_tick(started_at + START_REPORT_DELAY)
        if run.assignment.HasField("timeout"):
            seconds = run.assignment.timeout.ToTimedelta().total_seconds()
            elapsed = max(asyncio.get_running_loop().time() - started_at, 0.0)
            run.timer = PausableTimer(seconds - elapsed, lambda: self._on_timeout(run, seconds))
            run.timer.start()

    def _learn_start(self) -> None:
        """Find out whether the child began a task whose RunStarted it holds back (messages.StartMark)."""
        if self._child is not None:
            self._child.receive_ready()  # what it sent first: an end, or the start itself
        if self._active is not None or self._files is None or not self._runs:
            return
        try:
            mark = self._files.read_mark()
        except OSError:
            _log.exception("cannot read the started file of slot %d", self._index)
            return
        if mark is None:
            return
        run = next((r for r in self._runs.values() if r.seq == mark.seq and not r.started), None)
        if run is not None:
            self._start(run, mark.stdout_start, mark.stderr_start, mark.started_at)

    def _on_recalled(self, message: RunRecalled, returned: list[Waiting], refused: list[str]) -> None:
        for assignment_id, recalled in message.answers:
            run = self._runs.get(assignment_id)
            if run is None:
                refused.append(assignment_id)  # it ran and ended meanwhile: the worker hears "no" too
                continue
            if not run.recalling:
                continue
            run.recalling = False
            if recalled:
                self._forget(run)
                if not run.abandoned:
                    returned.append(Waiting(run.assignment, run.handed_again))
            elif run.abandoned:
                self._kill(run)  # dropped, and it started after all
            else:
                refused.append(assignment_id)
        active = self._active
        if active is not None and not any(r.recalling for r in self._runs.values()):
            self._done_recalling(active)

    def _on_exit(self, child: ChildProcess) -> None:
        child.kill()  # subprocesses a crashed task left behind share its process group
        child.close()
        if self._child is not child:
            return
        self._child = None
        if self._active is None:
            self._learn_start()  # a task that began with its start held back is the one that died
        runs = list(self._runs.values())
        running = [r for r in runs if r.started and not r.ended]
        # A recall the dead child will never answer: the task it asked for had started.
        refused = [r.assignment_id for r in running if r.recalling and not r.abandoned]
        for run in running:
            if run.abandoned:
                self._forget(run)
            else:
                crash = task_error(PROCESS_CRASHED, crash_message(child.exitcode))
                self._finish(run, task_pb2.TASK_STATUS_FAILED, None, crash, None)
        returned: list[Waiting] = []
        for position, run in enumerate(r for r in runs if not r.started):
            self._forget(run)
            if run.abandoned or self._closing:
                continue
            # The child died before starting the first of them: something the task before left behind
            # ended it, or the task itself did. The others are innocent. A second death fails it.
            suspect = position == 0 and not running
            if suspect and run.handed_again:
                crash = task_error(PROCESS_CRASHED, crash_message(child.exitcode))
                self._finish(run, task_pb2.TASK_STATUS_FAILED, None, crash, None)
                continue
            if suspect:
                _log.warning(
                    "task process died before starting task %s; starting it again", run.assignment_id
                )
            returned.append(Waiting(run.assignment, run.handed_again or suspect))
        if not self._closing:
            self._ensure_child()  # replace it now, so the next task finds a warm process
        self._on_change(self, returned, refused)

    # The tick: held start, output polling, long tasks

    def _arm_tick(self, when: float) -> None:
        if self._tick is not None:
            if self._tick.when() <= when:
                return
            self._tick.cancel()
        self._tick = asyncio.get_running_loop().call_at(when, self._on_tick)

    def _on_tick(self) -> None:
        self._tick = None
        now = asyncio.get_running_loop().time()
        if self._active is None and self._runs:
            self._learn_start()
            if self._active is None and self._runs:  # the child has not begun them yet
                self._arm_tick(now + START_REPORT_DELAY)
                return
        run = self._active
        if run is None or run.ended or run.abandoned:
            return
        if self._held is run:
            if now - run.started_at >= START_REPORT_DELAY:
                self._report_start()
            else:
                self._arm_tick(run.started_at + START_REPORT_DELAY)
        if now >= run.next_poll:
            self._poll_output(run)
            if run.ended or self._active is not run:
                return
            run.next_poll = now + OUTPUT_POLL_SECONDS
            if not run.polled:
                run.polled = True  # it turned out long: what waits behind it goes back to the worker
                self.recall([r.assignment_id for r in self._runs.values() if not r.started])
        self._arm_tick(run.next_poll)

    def _ranges(self, run: Run) -> tuple[OutputRange, OutputRange]:
        """The run's output ranges. The slot's files are the run's: they rotate only when no run is left."""
        if run.stdout is None or run.stderr is None:
            assert self._files is not None and run.starts is not None
            run.stdout = OutputRange(self._files.stdout, run.starts[0], run.max_output_bytes)
            run.stderr = OutputRange(self._files.stderr, run.starts[1], run.max_output_bytes)
        return run.stdout, run.stderr

    def _poll_output(self, run: Run) -> None:
        assert self._child is not None
        stdout, stderr = self._ranges(run)
        try:
            sizes = stdout.file_size(), stderr.file_size()
        except OSError:  # the rest is still sent when the task ends, if it can be read then
            _log.exception("cannot read the output of task %s", run.assignment_id)
            return
        # Sizes first, then what the child sent: bytes past this task's end were written after its
        # RunFinished was, so that end is known before they are read.
        self._child.receive_ready()
        if run.ended or run.abandoned:
            return
        try:
            self._emit_output(run, task_pb2.OUTPUT_STREAM_STDOUT, stdout.poll(sizes[0]))
            self._emit_output(run, task_pb2.OUTPUT_STREAM_STDERR, stderr.poll(sizes[1]))
        except OSError:
            _log.exception("cannot read the output of task %s", run.assignment_id)

    # Timeout and grace period

    def _on_timeout(self, run: Run, seconds: float) -> None:
        if run.ended or run.stopping:
            return
        run.timed_out = True
        reason = PendingCancellation(CancellationReason.TIMEOUT, timeout_message(seconds), "taskstream")
        self._stop(run, reason, TIMEOUT_GRACE_SECONDS)

    def _stop(self, run: Run, cancellation: PendingCancellation, grace_seconds: float) -> None:
        """Deliver a cancellation and arm the kill; a later, shorter grace period brings the kill forward."""
        if run.timer is not None:
            run.timer.cancel()
        run.pause_wanted = False
        self._continue(run)  # a paused task can neither see the cancellation nor end
        if self._child is not None:
            self._child.control(CancelRun(run.assignment_id, cancellation))
        loop = asyncio.get_running_loop()
        kill_at = loop.time() + max(grace_seconds, 0.0)
        if kill_at < run.kill_at:
            if run.kill_handle is not None:
                run.kill_handle.cancel()
            run.kill_at = kill_at
            run.kill_handle = loop.call_at(kill_at, self._kill, run)

    def _kill(self, run: Run) -> None:
        """Kill the child for ``run``, once the tasks waiting behind it are back: one of them could
        otherwise start just before the kill and die with it."""
        if not run.ended and self._runs.get(run.assignment_id) is run:
            run.kill_wanted = True
            self._after_recall(run)

    def _after_recall(self, run: Run) -> None:
        """Recall what waits behind ``run`` and then do what it wants (now, when nothing waits)."""
        waiting = [r.assignment_id for r in self._runs.values() if not r.started]
        if not waiting or run.paused:  # a stopped child starts nothing, and answers nothing either
            self._done_recalling(run)
            return
        self.recall(waiting)
        if run.recall_deadline is None:
            loop = asyncio.get_running_loop()
            run.recall_deadline = loop.call_later(RECALL_WAIT_SECONDS, self._done_recalling, run)

    def _done_recalling(self, run: Run) -> None:
        if run.recall_deadline is not None:
            run.recall_deadline.cancel()
            run.recall_deadline = None
        if run.ended or self._runs.get(run.assignment_id) is not run or self._child is None:
            return
        if run.kill_wanted:
            run.kill_wanted = run.pause_wanted = False
            self._child.kill()  # its exit then finishes the run, and gives back what still waits
        elif run.pause_wanted:
            run.pause_wanted = False
            self._pause(run)

    def _pause(self, run: Run) -> None:
        if not run.paused and self._child is not None:
            self._child.signal_group(signal.SIGSTOP)
            run.paused = True
            if run.timer is not None:
                run.timer.pause()
        self._emit(reports.paused(run.assignment_id, True))

    def _continue(self, run: Run) -> None:
        if run.paused and self._child is not None:
            self._child.signal_group(signal.SIGCONT)
            run.paused = False
            if run.timer is not None:
                run.timer.resume()

    # The end of a run

    def _finish(
        self,
        run: Run,
        status: task_pb2.TaskStatus,
        result: bytes | None,
        error: task_pb2.TaskError | bytes | None,
        ends: tuple[int, int] | None,
        cost: tuple[float, int] | None = None,
    ) -> None:
        """Report the run's end; ``ends`` are its output's end offsets (None: where the files end now),
        ``cost`` its CPU seconds and peak memory as its process measured them (None: not measured)."""
        run.ended = True
        run.stop_timers()
        if ends is not None and self._files is not None:
            self._files.written = max(self._files.written, *ends)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug(
                "task %s of %s ended %s",
                run.assignment.task,
                run.assignment.instance,
                task_pb2.TaskStatus.Name(status),
                extra=reports.ids(run.assignment),
            )
        # Every output chunk goes before TaskFinished.
        stdout_bytes = stderr_bytes = 0
        starts = run.starts
        if starts is not None and (ends is None or ends != starts or run.stdout is not None):
            stdout, stderr = self._ranges(run)
            stdout_bytes = self._emit_final_output(
                run, task_pb2.OUTPUT_STREAM_STDOUT, stdout, ends and ends[0]
            )
            stderr_bytes = self._emit_final_output(
                run, task_pb2.OUTPUT_STREAM_STDERR, stderr, ends and ends[1]
            )
        if run.timed_out:
            status = task_pb2.TASK_STATUS_TIMED_OUT
            seconds = run.assignment.timeout.ToTimedelta().total_seconds()
            error = task_error(TASK_TIMEOUT, timeout_message(seconds))
        elif run.cancelled:
            status = task_pb2.TASK_STATUS_CANCELLED
        started = self._held is run  # its start is still held: TaskFinished carries it
        if started:
            self._held = None
        self._forget(run)
        self._emit(
            reports.finished(
                run.assignment_id,
                status,
                result=result,
                error=error,
                stdout_bytes=stdout_bytes,
                stderr_bytes=stderr_bytes,
                started=started,
                cost=cost,
            )
        )

    def _forget(self, run: Run) -> None:
        """The run is no longer this slot's: it ended, or went back, or was dropped."""
        run.ended = True
        run.stop_timers()
        self._runs.pop(run.assignment_id, None)
        if self._active is run:
            self._active = None
        if self._held is run and run.abandoned:
            self._held = None
        run.release_output()

    def _emit_final_output(
        self, run: Run, stream: task_pb2.OutputStream, output: OutputRange, end: int | None
    ) -> int:
        """Sends the rest of one stream; its total bytes."""
        try:
            chunks = output.finish(end)
        except OSError:  # losing output must not lose the task's end
            _log.exception("cannot read the output of task %s", run.assignment_id)
            return output.total_bytes
        self._emit_output(run, stream, chunks)
        return output.total_bytes

    def _emit_output(self, run: Run, stream: task_pb2.OutputStream, chunks: list[Chunk]) -> None:
        for request in reports.output(run.assignment_id, stream, chunks):
            self._emit(request)

    # Helpers

    def _emit(self, request: worker_service_pb2.ConnectRequest) -> None:
        """Sends a report; a held start goes first, so the server hears of the task in order."""
        self._report_start()
        self._send(request)

    def _report_start(self) -> None:
        run = self._held
        if run is None:
            return
        self._held = None
        self._send(reports.started(run.assignment_id))

    def _current(self, assignment_id: str) -> Run | None:
        """The run of this assignment if it started and is neither ended nor dropped."""
        run = self._runs.get(assignment_id)
        if run is None or not run.started or run.ended or run.abandoned:
            return None
        return run
