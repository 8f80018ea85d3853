"""The task-authoring API: register handlers, declare task environments, talk to the worker from a task.

A task module registers handlers with :func:`task`::

    from taskstream import TaskContext, task

    @task("word_count", description="Counts the words of a text.")
    def word_count(ctx: TaskContext, text: str) -> int:
        ctx.set_progress(50, "counting")
        return len(text.split())

A workflow (PyODPS's XFlow) is a task that starts sub-instances and waits for them; register it with
:func:`workflow`, which names its task type ``xflow.{project}.{name}``::

    @workflow("CopyTable", project="my_algos")
    def copy_table(ctx: TaskContext, src: str, dst: str) -> None:
        ctx.wait_for_sub_instance(ctx.run_sql("copy", f"create table {dst} as select * from {src}"))

A worker imports the task modules it is given, which fills the registry here, and calls each handler as
``fn(ctx, **params)`` in a child process with a :class:`TaskContext` wired to the server. A context built
without a reporter works on its own, so a handler can be called directly in a test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from google.protobuf import timestamp_pb2

from taskstream import _tracing
from taskstream import values as _values
from taskstream._specs import TaskSpec
from taskstream._sub_instances import SubInstances
from taskstream._xflow_names import xflow_task_type
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2

if TYPE_CHECKING:
    from taskstream._sync.instance import Instance

__all__ = [
    "PendingCancellation",
    "RegisteredTask",
    "TaskContext",
    "TaskEnvironment",
    "TaskReporter",
    "get_registered_task",
    "registered_tasks",
    "task",
    "workflow",
]

F = TypeVar("F", bound=Callable[..., Any])

_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1


class TaskEnvironment:
    """State a task needs that is costly to build: set up once per worker process, torn down at its exit.

    Subclass it and pass the class to ``@task(..., environment=MyEnv)``. The worker calls ``setup()`` before
    the first task that needs the environment; when setup raises, that task ends ENVIRONMENT_ERROR without
    running and the next task that needs it tries again. ``unique_id`` lets pickled environments of
    python-object tasks that are equal but not byte-identical share one setup.
    """

    unique_id: str | None = None

    def setup(self) -> None:
        """Prepare the environment; raise to refuse running tasks."""

    def teardown(self) -> None:
        """Release what setup() acquired."""


@dataclasses.dataclass(frozen=True)
class PendingCancellation:
    """A cancellation that reached a running task; it has its grace period to return."""

    reason: CancellationReason
    message: str
    requested_by: str


@dataclasses.dataclass(frozen=True)
class RegisteredTask:
    """A handler registered under a task type name."""

    name: str
    handler: Callable[..., Any]
    environment: type[TaskEnvironment] | None
    description: str


class TaskReporter(Protocol):
    """Where a TaskContext sends what the task reports; the worker implements it."""

    def report_progress(self, progress: task_pb2.Progress) -> None: ...

    def report_property(self, key: str, value: task_pb2.PropertyValue) -> None: ...


_REGISTRY: dict[str, RegisteredTask] = {}
_REGISTRY_LOCK = threading.Lock()


def task(
    name: str,
    *,
    environment: type[TaskEnvironment] | None = None,
    description: str | None = None,
) -> Callable[[F], F]:
    """Register the decorated ``fn(ctx, **params)`` as the task type ``name``.

    ``description`` defaults to the first line of the handler's docstring. Registering a second handler
    under a name already taken raises ValueError.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"task() needs a non-empty type name, as in @task('my_task'), not {name!r}")
    if environment is not None and not (
        isinstance(environment, type) and issubclass(environment, TaskEnvironment)
    ):
        raise TypeError(f"environment must be a TaskEnvironment subclass, not {environment!r}")

    def register(fn: F) -> F:
        entry = RegisteredTask(
            name=name,
            handler=fn,
            environment=environment,
            description=description if description is not None else _first_line(fn.__doc__),
        )
        with _REGISTRY_LOCK:
            existing = _REGISTRY.get(name)
            # Re-running the same definition (a module reloaded) replaces it; another handler is a clash.
            if existing is not None and _definition(existing.handler) != _definition(fn):
                raise ValueError(
                    f"task type {name!r} is already registered by {_definition(existing.handler)}"
                )
            _REGISTRY[name] = entry
        return fn

    return register


def workflow(name: str, *, project: str, description: str | None = None) -> Callable[[F], F]:
    """Register the decorated ``fn(ctx, **params)`` as workflow ``name`` of ``project``, which callers
    start with ``run_xflow(name, project, parameters)``; it starts sub-instances through ``ctx``."""
    return task(xflow_task_type(name, project), description=description)


def registered_tasks() -> Mapping[str, RegisteredTask]:
    """A read-only view of every registered task type, by name."""
    return types.MappingProxyType(_REGISTRY)


def get_registered_task(name: str) -> RegisteredTask:
    """The task type registered as ``name``; KeyError when there is none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no task type {name!r} is registered") from None


class TaskContext:
    """What a running task gets: progress, properties, its cancellation and its environment.

    The methods are thread-safe, so a task may report from threads it starts.
    """

    def __init__(
        self,
        *,
        assignment_id: str = "",
        instance: str = "",
        task_name: str = "",
        attempt: int = 1,
        environment: TaskEnvironment | None = None,
        reporter: TaskReporter | None = None,
        server: str = "",
        token: str = "",
        dependency_results: Mapping[str, task_pb2.Result] | None = None,
        traceparent: str = "",
        tracestate: str = "",
    ) -> None:
        self.assignment_id = assignment_id
        self.instance = instance
        self.task_name = task_name
        self.attempt = attempt
        self.environment = environment
        self.server = server  # the taskstream server's HOST:PORT, for workflows that start sub-instances
        self._token = token  # the bearer token the server gave this task, when it requires one
        self._reporter = reporter
        self._lock = threading.Lock()
        self._percent = 0
        self._message = ""
        self._stages: dict[str, task_pb2.StageProgress] = {}  # insertion order = first-reported order
        self._properties: dict[str, _values.PropertyType] = {}
        self._cancel_lock = threading.Lock()
        self._cancelled = threading.Event()
        self._cancellation: PendingCancellation | None = None
        self._cancel_callbacks: list[Callable[[PendingCancellation], None]] = []
        self._sub_instances: SubInstances | None = None
        self._dependency_results = dict(dependency_results or {})
        # The W3C trace context of the call that created the instance, when the server traces.
        self.traceparent = traceparent
        self.tracestate = tracestate

    # Dependencies

    def dependency_result(self, name: str, *, unpickle: bool = True) -> Any:
        """What task ``name``, which this task depends on (``TaskSpec(depends_on=...)``), returned.

        KeyError when ``name`` is not a dependency that succeeded with a result (a dependency whose
        failure the edge allowed has none). A pickled object is unpickled unless ``unpickle`` is False:
        it comes from a task of the same instance.
        """
        try:
            result = self._dependency_results[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a dependency of this task with a result") from None
        return _values.decode_result(result, unpickle=unpickle)

    # Tracing

    @property
    def trace_context(self) -> Any:
        """The caller's trace as an OpenTelemetry ``Context`` (None without a traceparent or without
        opentelemetry-api), for ``tracer.start_as_current_span(name, context=ctx.trace_context)``. While
        the task runs it is the current context already, so its spans (and the sub-instances a workflow
        starts) join the caller's trace without it."""
        return _tracing.context_of(self.traceparent, self.tracestate)

    @contextlib.contextmanager
    def trace_scope(self) -> Iterator[None]:
        """Makes the caller's trace the current OpenTelemetry context inside the block (the worker runs
        the task in it); nothing without a traceparent or without opentelemetry-api."""
        with _tracing.attached(self.trace_context):
            yield

    # Progress

    def set_progress(self, percent: float, additional_information: str = "") -> None:
        """Report the task's percent done (0 to 100) with an optional message (STK's set_progress)."""
        checked = _check_percent("percent", percent)
        if not isinstance(additional_information, str):
            raise TypeError("additional_information must be a str")
        with self._lock:
            self._percent = checked
            self._message = additional_information
            self._report_progress()

    def update_stage(
        self,
        name: str,
        *,
        running_workers: int,
        terminated_workers: int,
        total_workers: int,
        backup_workers: int = 0,
        input_records: int = 0,
        output_records: int = 0,
        finished_percentage: float,
    ) -> None:
        """Report one stage's progress (PyODPS's StageProgress); stages keep the order first reported."""
        if not isinstance(name, str) or not name:
            raise ValueError("a stage needs a non-empty name")
        stage = task_pb2.StageProgress(
            name=name,
            running_workers=_check_count("running_workers", running_workers, _INT32_MAX),
            terminated_workers=_check_count("terminated_workers", terminated_workers, _INT32_MAX),
            total_workers=_check_count("total_workers", total_workers, _INT32_MAX),
            backup_workers=_check_count("backup_workers", backup_workers, _INT32_MAX),
            input_records=_check_count("input_records", input_records, _INT64_MAX),
            output_records=_check_count("output_records", output_records, _INT64_MAX),
            finished_percentage=_check_percent("finished_percentage", finished_percentage),
        )
        with self._lock:
            self._stages[name] = stage
            self._report_progress()

    @property
    def progress(self) -> task_pb2.Progress:
        """The whole progress reported so far."""
        with self._lock:
            return self._build_progress()

    # Properties

    def set_property(self, key: str, value: _values.PropertyType) -> None:
        """Set a property (str, int, float or bytes, else TypeError); it is kept even if the task fails."""
        encoded = _values.encode_property(key, value)
        with self._lock:
            self._properties[key] = bytes(value) if isinstance(value, bytearray) else value
            if self._reporter is not None:
                self._reporter.report_property(key, encoded)

    def get_property(
        self, key: str, default: _values.PropertyType | None = None
    ) -> _values.PropertyType | None:
        """The value this task last set for ``key``, or ``default``."""
        with self._lock:
            return self._properties.get(key, default)

    @property
    def properties(self) -> dict[str, _values.PropertyType]:
        """A copy of every property this task set."""
        with self._lock:
            return dict(self._properties)

    # Cancellation

    @property
    def cancellation(self) -> PendingCancellation | None:
        """The cancellation that reached this task, or None while it may run on."""
        return self._cancellation

    @property
    def cancelled(self) -> bool:
        """Whether the task was asked to stop; it should return soon, before its grace period ends."""
        return self._cancelled.is_set()

    def wait_for_cancellation(self, timeout: float | None = None) -> bool:
        """Block until the task is cancelled or ``timeout`` seconds pass; True when it was cancelled.

        A cancellable replacement for ``time.sleep(timeout)``.
        """
        return self._cancelled.wait(timeout)

    def on_cancellation(self, callback: Callable[[PendingCancellation], None]) -> Callable[[], None]:
        """Call ``callback`` (from another thread) when the task is cancelled, or now if it already is.

        For work that cannot watch ``cancelled`` itself, such as a blocking database call to interrupt.
        Returns a function that unregisters the callback.
        """
        with self._cancel_lock:
            current = self._cancellation
            if current is None:
                self._cancel_callbacks.append(callback)
        if current is not None:
            callback(current)

        def forget() -> None:
            with self._cancel_lock:
                if callback in self._cancel_callbacks:
                    self._cancel_callbacks.remove(callback)

        return forget

    def deliver_cancellation(self, cancellation: PendingCancellation) -> None:
        """Make a cancellation visible to the task (called by the worker); the first one wins."""
        with self._cancel_lock:  # not self._lock, which is held while a report is sent
            first = self._cancellation is None
            if first:
                self._cancellation = cancellation
            callbacks, self._cancel_callbacks = self._cancel_callbacks, []
        self._cancelled.set()
        if first:
            for callback in callbacks:
                callback(cancellation)

    # Workflows: sub-instances

    def start_sub_instance(
        self, name: str, tasks: TaskSpec | Sequence[TaskSpec], *, priority: int | None = None
    ) -> Instance:
        """Start a sub-instance of this task's instance, listed under ``name`` by get_xflow_sub_instances.

        It runs on its own; stopping this instance stops it too (reason CONSEQUENTIAL).
        """
        return self._subs().start(name, tasks, priority=priority)

    def run_sql(
        self, name: str, sql: str, *, datasource: str | None = None, hints: Mapping[str, str] | None = None
    ) -> Instance:
        """Start a sub-instance ``name`` running ``sql`` (its task is ``AnonymousSQLTask``)."""
        return self._subs().run_sql(name, sql, datasource=datasource, hints=hints)

    def run_xflow(
        self, name: str, xflow_name: str, project: str, parameters: Mapping[str, Any] | None = None
    ) -> Instance:
        """Start a nested workflow as sub-instance ``name``; listings show its sub-instances instead."""
        return self._subs().run_xflow(name, xflow_name, project, parameters)

    def wait_for_sub_instance(self, instance: Instance, timeout: float | None = None) -> Instance:
        """Wait until ``instance`` ends; InstanceFailedError unless it succeeded (which fails the
        workflow, unless caught). A stopped workflow's sub-instances are stopped, so this returns then."""
        instance.wait_for_success(timeout=timeout)
        return instance

    def close(self) -> None:
        """Release the connection sub-instances were started with (the worker calls it after the task)."""
        if self._sub_instances is not None:
            self._sub_instances.close()
            self._sub_instances = None

    # Internals

    def _subs(self) -> SubInstances:
        with self._lock:
            if self._sub_instances is None:
                self._sub_instances = SubInstances(self.server, self.instance, self.task_name, self._token)
            return self._sub_instances

    def _report_progress(self) -> None:
        if self._reporter is not None:
            self._reporter.report_progress(self._build_progress())

    def _build_progress(self) -> task_pb2.Progress:
        update_time = timestamp_pb2.Timestamp()
        update_time.GetCurrentTime()
        return task_pb2.Progress(
            percent=self._percent,
            message=self._message,
            stages=list(self._stages.values()),
            update_time=update_time,
        )


def _check_percent(name: str, value: float) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if math.isnan(value) or not 0 <= value <= 100:
        raise ValueError(f"{name} must be between 0 and 100, not {value!r}")
    return int(value)


def _check_count(name: str, value: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= maximum:
        raise ValueError(f"{name} must be between 0 and {maximum}, not {value}")
    return value


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""


def _definition(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", "?")
    qualname = getattr(fn, "__qualname__", repr(fn))
    return f"{module}.{qualname}"
