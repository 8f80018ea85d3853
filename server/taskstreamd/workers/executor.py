"""Child side: the task process's main loop and how one task is run in it.

The worker spawns one child per slot and reuses it for task after task. Its main thread runs tasks in
order; a reader thread receives commands meanwhile, so a cancellation reaches a task while it runs.
Whatever a task does, the child reports a RunFinished: exceptions become FAILED (traceback on the task's
stderr), a failed environment setup ENVIRONMENT_ERROR.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import inspect
import json
import os
import pickle
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from taskstream import values as _values
from taskstream.authoring import (
    PendingCancellation,
    TaskContext,
    TaskEnvironment,
    get_registered_task,
)
from taskstream.v1 import task_pb2, worker_service_pb2

from . import leftovers
from .capture import captured_output, prepare_standard_streams
from .environments import EnvironmentCache
from .errors import UNKNOWN_TASK_TYPE, task_error
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
from .runtime import ChildSettings
from .tasktypes import import_task_modules

_Call = Callable[[TaskContext], Any]
_OpenEnvironment = Callable[[], TaskEnvironment]


class _UnknownTaskType(Exception):
    pass


class Executor:
    """Runs tasks one after another in this process and reports on them through ``send``."""

    def __init__(self, send: Callable[[FromChild], None], *, server: str = "") -> None:
        self._send = send
        self._server = server
        self._environments = EnvironmentCache()
        self._lock = threading.Lock()
        self._queued: set[str] = set()
        self._early_cancels: dict[str, PendingCancellation] = {}
        self._running: dict[str, TaskContext] = {}

    @property
    def environment_processes(self) -> set[int]:
        """Processes the environments' setups started, which live as long as the environments."""
        return self._environments.processes

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._running or self._queued)

    def accept(self, run: RunTask) -> None:
        """Note a task that will run, so a cancellation arriving before it starts is kept for it."""
        with self._lock:
            self._queued.add(run.assignment.assignment_id)

    def cancel(self, command: CancelRun) -> None:
        """Deliver a cancellation to its task, now or when it starts (from any thread)."""
        with self._lock:
            ctx = self._running.get(command.assignment_id)
            if ctx is None:
                if command.assignment_id in self._queued:
                    self._early_cancels[command.assignment_id] = command.cancellation
                return  # a task that already ended
        ctx.deliver_cancellation(command.cancellation)

    def execute(self, run: RunTask) -> None:
        """Run one task with its output captured and report it from start to finish."""
        assignment = run.assignment
        aid = assignment.assignment_id
        ctx = TaskContext(
            assignment_id=aid,
            instance=assignment.instance,
            task_name=assignment.task,
            attempt=assignment.attempt,
            reporter=_Reporter(self._send, aid),
            server=self._server,
            token=assignment.task_token,
            dependency_results=assignment.dependency_results,
            traceparent=assignment.traceparent,
            tracestate=assignment.tracestate,
        )
        with self._lock:
            self._queued.discard(aid)
            early = self._early_cancels.pop(aid, None)
            self._running[aid] = ctx
        if early is not None:
            ctx.deliver_cancellation(early)
        self._send(RunStarted(aid))
        try:
            with captured_output(run.stdout_path, run.stderr_path), ctx.trace_scope():
                finished = self._run(assignment, ctx)
        finally:
            ctx.close()
            with self._lock:
                del self._running[aid]
        self._send(finished)

    def close(self) -> None:
        self._environments.teardown_all()

    def _run(self, assignment: worker_service_pb2.TaskAssignment, ctx: TaskContext) -> RunFinished:
        aid = assignment.assignment_id
        if ctx.cancelled:  # cancelled before it began: the worker reports CANCELLED
            return RunFinished(aid, task_pb2.TASK_STATUS_CANCELLED)
        try:
            call, open_environment = self._resolve(assignment)
        except _UnknownTaskType as exc:
            return RunFinished(
                aid, task_pb2.TASK_STATUS_FAILED, error=task_error(UNKNOWN_TASK_TYPE, str(exc))
            )
        except BaseException as exc:  # bad parameters or an object that does not unpickle
            return _failure(aid, task_pb2.TASK_STATUS_FAILED, exc)
        if open_environment is not None:
            try:
                ctx.environment = open_environment()
            except BaseException as exc:
                return _failure(aid, task_pb2.TASK_STATUS_ENVIRONMENT_ERROR, exc)
        try:
            result = _values.encode_result(call(ctx))
        except BaseException as exc:  # SystemExit included: a task must not end the child
            return _failure(aid, task_pb2.TASK_STATUS_FAILED, exc)
        return RunFinished(aid, task_pb2.TASK_STATUS_SUCCESS, result=result)

    def _resolve(
        self, assignment: worker_service_pb2.TaskAssignment
    ) -> tuple[_Call, _OpenEnvironment | None]:
        """What to call for the task, and how to get its environment ready (None when it has none)."""
        if assignment.python_object:
            return self._resolve_python_object(assignment)
        try:
            entry = get_registered_task(assignment.type)
        except KeyError:
            raise _UnknownTaskType(
                f"task type {assignment.type!r} is not registered in this worker"
            ) from None
        params = _parse_parameters(assignment.parameters_json)
        handler = entry.handler

        def call(ctx: TaskContext) -> Any:
            return _await_if_needed(handler(ctx, **params))

        env_class = entry.environment
        if env_class is None:
            return call, None
        return call, lambda: self._environments.get(env_class, env_class)

    def _resolve_python_object(
        self, assignment: worker_service_pb2.TaskAssignment
    ) -> tuple[_Call, _OpenEnvironment | None]:
        obj = pickle.loads(assignment.python_object)

        def call(ctx: TaskContext) -> Any:
            # STK tasks call these as their own methods.
            obj.set_property = ctx.set_property
            obj.get_property = ctx.get_property
            obj.set_progress = ctx.set_progress
            obj.task_context = ctx  # for cancellation and stages, which STK's API lacks
            _await_if_needed(obj.execute())
            return getattr(obj, "result", None)

        data = assignment.python_environment
        if not data:
            return call, None

        def open_environment() -> TaskEnvironment:
            env = pickle.loads(data)
            if isinstance(env, type):
                env = env()
            unique_id = getattr(env, "unique_id", None)
            key: object = ("unique_id", unique_id) if unique_id else ("pickle", data)
            return self._environments.get(key, lambda: env)

        return call, open_environment


class _Reporter:
    """Sends a task's progress and properties to the worker as they happen."""

    def __init__(self, send: Callable[[FromChild], None], assignment_id: str) -> None:
        self._send = send
        self._assignment_id = assignment_id

    def report_progress(self, progress: task_pb2.Progress) -> None:
        self._send(RunProgress(self._assignment_id, progress))

    def report_property(self, key: str, value: task_pb2.PropertyValue) -> None:
        self._send(RunProperty(self._assignment_id, key, value))


def child_main(conn: Connection, task_modules: Sequence[str], settings: ChildSettings) -> None:
    """Entry point of a task process (spawned, so it holds none of the worker's gRPC threads)."""
    os.setpgrp()  # its own process group, so stop and kill reach the task's subprocesses too
    leftovers.become_subreaper()  # orphans of the task's subprocesses come back here to be ended
    prepare_standard_streams()
    faulthandler.enable()  # a crash's Python traceback goes to fd 2, the task's captured stderr
    settings.apply()
    import_task_modules(task_modules)
    send_lock = threading.Lock()

    def send(message: FromChild) -> None:
        # Pickled here rather than by conn.send, whose ForkingPickler costs more per small message.
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        # OSError: the worker is gone, and the reader thread ends this process.
        with send_lock, contextlib.suppress(OSError):
            conn.send_bytes(data)

    executor = Executor(send, server=settings.server)
    runs: queue.SimpleQueue[RunTask | None] = queue.SimpleQueue()
    threading.Thread(
        target=_read_commands, args=(conn, executor, runs), name="taskstream-commands", daemon=True
    ).start()
    while (run := runs.get()) is not None:
        executor.execute(run)
        leftovers.end_descendants(executor.environment_processes)  # a task's processes must not outlive it
    executor.close()
    sys.stdout.flush()


def _read_commands(conn: Connection, executor: Executor, runs: queue.SimpleQueue[RunTask | None]) -> None:
    while True:
        try:
            command = conn.recv()
        except (EOFError, OSError):
            # The worker died. Nobody collects results any more, and tasks must not outlive their worker.
            if executor.busy:
                os.killpg(os.getpgrp(), signal.SIGKILL)
            runs.put(None)
            return
        if isinstance(command, RunTask):
            executor.accept(command)
            runs.put(command)
        elif isinstance(command, CancelRun):
            executor.cancel(command)
        elif isinstance(command, Shutdown):
            runs.put(None)
            return


def _parse_parameters(parameters_json: str) -> dict[str, Any]:
    if not parameters_json.strip():
        return {}
    params = json.loads(parameters_json)
    if not isinstance(params, dict):
        raise TypeError(f"parameters must be a JSON object, not {type(params).__name__}")
    return params


def _await_if_needed(value: Any) -> Any:
    """Run a coroutine a handler returned (async def handlers) to completion."""
    if inspect.iscoroutine(value):
        return asyncio.run(value)
    return value


def _failure(assignment_id: str, status: task_pb2.TaskStatus, exc: BaseException) -> RunFinished:
    """Print the traceback to the task's stderr and describe the exception."""
    with contextlib.suppress(Exception):  # a task may have closed sys.stderr
        traceback.print_exception(exc, file=sys.stderr)
    return RunFinished(assignment_id, status, error=_values.encode_error(exc))
