"""The STK-style Job: Python objects with execute() submitted together as one instance."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import cloudpickle

from taskstream._convert import project_name
from taskstream._progress import TaskProgress
from taskstream._specs import SubmitOptions
from taskstream._status import CancellationReason
from taskstream._waiting import Deadline
from taskstream.errors import FailedPreconditionError, JobStateError, WaitTimeoutError
from taskstream.v1 import task_pb2

if TYPE_CHECKING:
    from taskstream._client import Client
    from taskstream._instance import Instance
    from taskstream._task import Task

TaskProgressHandler = Callable[[str, TaskProgress], object]
TaskCompletedHandler = Callable[["Task"], object]

JOB_NAME_LABEL = "job_name"


class Job:
    """A set of task objects submitted as one instance, as in STK's Python API.

    Each object needs an ``execute()`` method; it is cloudpickled and runs in a worker, where its
    ``result`` (or return value), output and properties are kept. Its task name is the object's
    ``name`` attribute when that is a string, else "Task0", "Task1" … by position. The options may be
    set as attributes until ``submit()``. Make one with ``client.create_job()``.

    STK's events: assign ``task_progress_updated = fn(task_name, info)`` to be called as a task reports
    progress (``info`` is the ``TaskProgress``: STK's ``info.progress`` and
    ``info.additional_information`` are its ``percent`` and ``message``), and ``task_completed =
    fn(task)`` to be called once per task as it reaches a terminal status, with its ``Task``. Tasks have
    their own ``on_completed`` and ``progress_updated`` (see ``Task``). With any handler set, a daemon
    thread watches the job's instance from ``submit()`` on (or from when the handler is set) and calls
    them as the events arrive; an exception from a handler is logged and does not stop the others.
    ``wait_until_done()`` returns only after the completion handlers of every task ran.
    """

    def __init__(
        self,
        client: Client,
        name: str | None = None,
        *,
        cancel_on_task_failure: bool = False,
        priority: int | None = None,
        max_interrupted_retries: int | None = None,
        task_timeout: float | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self.name = name
        self.cancel_on_task_failure = cancel_on_task_failure
        self.priority = priority
        self.max_interrupted_retries = max_interrupted_retries
        self.task_timeout = task_timeout
        self.labels = dict(labels or {})
        self._objects: list[tuple[str, object]] = []
        self._environment: object | None = None
        self._instance: Instance | None = None
        self._task_progress_updated: TaskProgressHandler | None = None
        self._task_completed: TaskCompletedHandler | None = None
        # One key for every submit attempt, so that retrying a submit that failed midway is safe.
        self._request_id = uuid.uuid4().hex

    def add_task(self, task: object) -> str:
        """Adds an object with an ``execute()`` method; returns its task name."""
        self._check_not_submitted("add tasks to")
        if not callable(getattr(task, "execute", None)):
            raise TypeError(f"a job's task needs an execute() method: {task!r}")
        own_name = getattr(task, "name", None)
        name = own_name if isinstance(own_name, str) and own_name else f"Task{len(self._objects)}"
        if any(name == existing for existing, _ in self._objects):
            raise ValueError(f"the job already has a task named {name!r}")
        self._objects.append((name, task))
        return name

    def set_task_environment(self, environment: object) -> None:
        """Sets the task environment (setup() / teardown()) every task of the job runs in."""
        self._check_not_submitted("set the task environment of")
        self._environment = environment

    def submit(self) -> Instance:
        """Creates the job's instance with all its tasks; returns it without waiting."""
        self._check_not_submitted("submit")
        if not self._objects:
            raise JobStateError("a job needs at least one task before submit()")
        environment = b"" if self._environment is None else _pickle(self._environment, "the task environment")
        specs = [
            task_pb2.TaskSpec(
                name=name, python_object=_pickle(obj, f"task {name!r}"), python_environment=environment
            )
            for name, obj in self._objects
        ]
        labels = dict(self.labels)
        if self.name:
            labels[JOB_NAME_LABEL] = self.name
        options = SubmitOptions(
            priority=self.priority,
            labels=labels,
            cancel_on_task_failure=self.cancel_on_task_failure,
            max_interrupted_retries=self.max_interrupted_retries,
            task_timeout=self.task_timeout,
            request_id=self._request_id,
        )
        request = options.create_request(project_name(self._client.project), specs)
        instance = self._client._created(request)
        instance._job = self
        self._instance = instance
        if self._task_progress_updated is not None or self._task_completed is not None:
            instance._watch_for_handlers()
        return instance

    # -- STK's events

    @property
    def task_progress_updated(self) -> TaskProgressHandler | None:
        """Called with (task name, TaskProgress) as a task reports progress (see the class docstring)."""
        return self._task_progress_updated

    @task_progress_updated.setter
    def task_progress_updated(self, handler: TaskProgressHandler | None) -> None:
        self._task_progress_updated = handler
        self._handler_set(handler)

    @property
    def task_completed(self) -> TaskCompletedHandler | None:
        """Called with the ``Task`` once it reaches a terminal status (see the class docstring)."""
        return self._task_completed

    @task_completed.setter
    def task_completed(self, handler: TaskCompletedHandler | None) -> None:
        self._task_completed = handler
        self._handler_set(handler)

    def _handler_set(self, handler: object) -> None:
        if handler is not None and self._instance is not None:
            self._instance._watch_for_handlers()

    @property
    def is_submitted(self) -> bool:
        return self._instance is not None

    @property
    def instance(self) -> Instance:
        """The instance that runs the job; JobStateError before submit()."""
        if self._instance is None:
            raise JobStateError("the job has not been submitted yet")
        return self._instance

    @property
    def id(self) -> str | None:
        """The instance id, or None before submit()."""
        return self._instance.id if self._instance is not None else None

    @property
    def tasks(self) -> list[Task]:
        """Handles on the job's tasks in the order they were added; JobStateError before submit()."""
        instance = self.instance
        return [instance.get_task(name) for name, _ in self._objects]

    def wait_until_done(self, timeout: float | None = None) -> bool:
        """Waits for every task to end; True when they did, False when ``timeout`` seconds passed first.

        With event handlers set, it returns True only after every task's completion handlers ran.
        """
        instance = self.instance
        deadline = Deadline(timeout)
        try:
            instance.wait_for_completion(timeout=timeout)
        except WaitTimeoutError:
            return False
        if instance._dispatcher is not None:
            instance._dispatcher.settle(deadline.remaining())
        return True

    def cancel(self, message: str | None = None) -> None:
        """Cancels the job's tasks (reason DIRECT); does nothing when the job is already done."""
        instance = self.instance
        with contextlib.suppress(FailedPreconditionError):  # already terminated: nothing to cancel
            instance.stop(reason=CancellationReason.DIRECT, message=message)

    def _check_not_submitted(self, action: str) -> None:
        if self._instance is not None:
            raise JobStateError(f"cannot {action} a job that was already submitted (instance {self.id})")

    def __repr__(self) -> str:
        state = f"instance {self._instance.id}" if self._instance is not None else "not submitted"
        label = f" {self.name!r}" if self.name else ""
        return f"<Job{label} {len(self._objects)} tasks, {state}>"


def _pickle(obj: object, what: str) -> bytes:
    try:
        data: bytes = cloudpickle.dumps(obj)
    except Exception as error:  # pickling fails in many ways: PicklingError, TypeError, AttributeError …
        raise TypeError(f"{what} cannot be pickled: {error}") from error
    return data
