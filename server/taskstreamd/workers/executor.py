"""Child side: how one task is run in a task process.

Whatever a task does, running it gives an Outcome: exceptions become FAILED (traceback on the task's
stderr), a failed environment setup ENVIRONMENT_ERROR. The loop that feeds tasks to the executor, reads
commands and captures output is in ``child``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import pickle
import sys
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

from taskstream import values as _values
from taskstream.authoring import TaskContext, TaskEnvironment, get_registered_task
from taskstream.v1 import task_pb2, worker_service_pb2

from .environments import EnvironmentCache
from .messages import FromChild, RunProgress, RunProperty
from .task_errors import UNKNOWN_TASK_TYPE, task_error

_Call = Callable[[TaskContext], Any]
_OpenEnvironment = Callable[[], TaskEnvironment]


class _UnknownTaskType(Exception):
    pass


class Outcome(NamedTuple):
    """How a task ended: a terminal status, with its result (SUCCESS) or its error."""

    status: task_pb2.TaskStatus
    result: task_pb2.Result | None = None
    error: task_pb2.TaskError | None = None


class Executor:
    """Runs tasks in this process; their progress and properties go out through ``send`` at once."""

    def __init__(self, send: Callable[[FromChild], None], *, server: str = "") -> None:
        self._send = send
        self._server = server
        self._environments = EnvironmentCache()

    @property
    def environment_processes(self) -> set[int]:
        """Processes the environments' setups started, which live as long as the environments."""
        return self._environments.processes

    def context(self, assignment: worker_service_pb2.TaskAssignment) -> TaskContext:
        """The context the task will get; a cancellation may reach it before the task begins."""
        aid = assignment.assignment_id
        return TaskContext(
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

    def run(self, assignment: worker_service_pb2.TaskAssignment, ctx: TaskContext) -> Outcome:
        """Run one task to its end."""
        try:
            with ctx.trace_scope():
                return self._run(assignment, ctx)
        finally:
            ctx.close()

    def close(self) -> None:
        self._environments.teardown_all()

    def _run(self, assignment: worker_service_pb2.TaskAssignment, ctx: TaskContext) -> Outcome:
        if ctx.cancelled:  # cancelled before it began: the worker reports CANCELLED
            return Outcome(task_pb2.TASK_STATUS_CANCELLED)
        try:
            call, open_environment = self._resolve(assignment)
        except _UnknownTaskType as exc:
            return Outcome(task_pb2.TASK_STATUS_FAILED, error=task_error(UNKNOWN_TASK_TYPE, str(exc)))
        except BaseException as exc:  # bad parameters or an object that does not unpickle
            return _failure(task_pb2.TASK_STATUS_FAILED, exc)
        if open_environment is not None:
            try:
                ctx.environment = open_environment()
            except BaseException as exc:
                return _failure(task_pb2.TASK_STATUS_ENVIRONMENT_ERROR, exc)
        try:
            result = _values.encode_result(call(ctx))
        except BaseException as exc:  # SystemExit included: a task must not end the child
            return _failure(task_pb2.TASK_STATUS_FAILED, exc)
        return Outcome(task_pb2.TASK_STATUS_SUCCESS, result=result)

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


def _failure(status: task_pb2.TaskStatus, exc: BaseException) -> Outcome:
    """Print the traceback to the task's stderr and describe the exception."""
    with contextlib.suppress(Exception):  # a task may have closed sys.stderr
        traceback.print_exception(exc, file=sys.stderr)
    return Outcome(status, error=_values.encode_error(exc))
