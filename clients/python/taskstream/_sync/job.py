# Generated from taskstream/_async/job.py by clients/python/tools/unasync.py: edit that file, then
# run `make unasync`. `make lint` fails while this copy is stale.
"""The STK-style Job: Python objects with execute() submitted together as one instance."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from taskstream._convert import project_name
from taskstream._jobs import JOB_NAME_LABEL, JobPriority, instance_priority, pickled
from taskstream._progress import TaskProgress
from taskstream._specs import SubmitOptions
from taskstream._sync._backend import call_handler
from taskstream._sync.task import Task
from taskstream._waiting import Deadline
from taskstream.errors import FailedPreconditionError, JobStateError, WaitTimeoutError
from taskstream.status import CancellationReason, TaskStatus
from taskstream.v1 import task_pb2

if TYPE_CHECKING:
    from taskstream._sync.client import Client
    from taskstream._sync.instance import Instance

TaskProgressHandler = Callable[[str, TaskProgress], object]
TaskCompletedHandler = Callable[[Task], object]
TaskStateHandler = Callable[[TaskStatus, TaskStatus, Task], object]
JobHandler = Callable[["Job"], object]

# The default time between two heartbeat_callback calls of wait_until_done, in seconds.
HEARTBEAT_INTERVAL = 1.0


class Job:
    """A set of task objects submitted as one instance, as in STK's Python API.

    Each object needs an ``execute()`` method; it is cloudpickled and runs in a worker, where its
    ``result`` (or return value), output and properties are kept. Its task name is the object's
    ``name`` attribute when that is a string, else "Task0", "Task1" … by position. ``tasks`` holds a
    handle per object from ``add_task()`` on: NOT_SUBMITTED until ``submit()``, then the same handles
    follow the tasks. The options may be set as attributes until ``submit()``; ``priority`` takes a
    ``JobPriority`` (STK's five levels) or taskstream's 0-9 (smaller first; unset is the server's
    default, 9). ``cancel_on_client_disconnection`` (STK's) stops the job, reason CLIENT_DISCONNECTED,
    once this client has stopped watching it for ``client_disconnect_grace`` seconds (default 30): the
    job's background watch keeps it alive while the client runs. Make one with ``client.create_job()`` or
    ``ClusterJobScheduler.create_job()``.

    Results are unpickled for the job's own tasks: an STK task's result is the object its
    ``execute()`` set, which can only come back as a pickle. The job opts in for the tasks it submitted
    itself, and only for them (other handles of the client still see a ``PickledValue``); a result is
    then as trustworthy as the workers that ran the task. ``unpickle=False`` turns it off.

    STK's events, assigned as attributes: ``task_progress_updated = fn(task_name, info)`` as a task
    reports progress (``info`` is the ``TaskProgress``: STK's ``info.progress`` and
    ``info.additional_information`` are its ``percent`` and ``message``); ``task_state_changed =
    fn(previous_status, new_status, task)`` as a task changes status; ``task_completed = fn(task)``
    once per task as it reaches a terminal status; ``job_submitted = fn(job)`` when ``submit()``
    created the instance; ``job_completed = fn(job)`` once every task ended and its completion handlers
    ran. Tasks have their own ``on_completed`` and ``progress_updated``. With any of them set, a
    background watch of the job's instance calls them from ``submit()`` on (see ``taskstream._sync.
    handlers``); an exception from a handler is logged and does not stop the others.
    ``wait_until_done()`` returns only after the completion handlers ran.
    """

    def __init__(
        self,
        client: Client,
        name: str | None = None,
        *,
        cancel_on_task_failure: bool = False,
        priority: JobPriority | int | None = None,
        max_interrupted_retries: int | None = None,
        task_timeout: float | None = None,
        labels: Mapping[str, str] | None = None,
        unpickle: bool = True,
        cancel_on_client_disconnection: bool = False,
        client_disconnect_grace: float | None = None,
    ) -> None:
        self._client = client
        self.name = name
        self.cancel_on_client_disconnection = cancel_on_client_disconnection
        self.client_disconnect_grace = client_disconnect_grace
        self.cancel_on_task_failure = cancel_on_task_failure
        self.priority = priority
        self.max_interrupted_retries = max_interrupted_retries
        self.task_timeout = task_timeout
        self.labels = dict(labels or {})
        self._unpickle = unpickle
        self._objects: list[tuple[Task, object]] = []
        self._dependencies: dict[str, list[str]] = {}  # task name -> the names it depends on
        self._environment: object | None = None
        self._instance: Instance | None = None
        self._task_progress_updated: TaskProgressHandler | None = None
        self._task_completed: TaskCompletedHandler | None = None
        self._task_state_changed: TaskStateHandler | None = None
        self.job_submitted: JobHandler | None = None
        self._job_completed: JobHandler | None = None
        # One key for every submit attempt, so that retrying a submit that failed midway is safe.
        self._request_id = uuid.uuid4().hex

    def add_task(self, task: object) -> str:
        """Adds an object with an ``execute()`` method; returns its task name."""
        self._check_not_submitted("add tasks to")
        if not callable(getattr(task, "execute", None)):
            raise TypeError(f"a job's task needs an execute() method: {task!r}")
        own_name = getattr(task, "name", None)
        name = own_name if isinstance(own_name, str) and own_name else f"Task{len(self._objects)}"
        if any(name == handle.name for handle, _ in self._objects):
            raise ValueError(f"the job already has a task named {name!r}")
        handle = Task(None, name, unpickle=self._unpickle, type="python_object")
        self._objects.append((handle, task))
        return name

    def add_dependency(self, task: Task | str, depends_on: Task | str) -> None:
        """Makes ``task`` wait until ``depends_on`` ended (STK's ``add_dependency``); should that not
        succeed, ``task`` ends CANCELLED (reason CONSEQUENTIAL). Both are tasks of this job (handles or
        names); ``execute()`` of ``task`` runs after the other's. Checked for cycles by the server."""
        self._check_not_submitted("add dependencies to")
        names = {handle.name for handle, _ in self._objects}
        first, second = (t if isinstance(t, str) else t.name for t in (task, depends_on))
        for name in (first, second):
            if name not in names:
                raise ValueError(f"the job has no task named {name!r}")
        if second not in self._dependencies.setdefault(first, []):
            self._dependencies[first].append(second)

    def cancel_task(self, task: Task | str, message: str | None = None) -> None:
        """Cancels one task of the submitted job (STK's ``cancel_task``); the others run on, but for
        those that depend on it."""
        name = task if isinstance(task, str) else task.name
        self.instance.cancel_task(name, reason=CancellationReason.DIRECT, message=message)

    def set_task_environment(self, environment: object) -> None:
        """Sets the task environment (setup() / teardown()) every task of the job runs in."""
        self._check_not_submitted("set the task environment of")
        self._environment = environment

    def submit(self) -> Instance:
        """Creates the job's instance with all its tasks; returns it without waiting."""
        self._check_not_submitted("submit")
        if not self._objects:
            raise JobStateError("a job needs at least one task before submit()")
        environment = b"" if self._environment is None else pickled(self._environment, "the task environment")
        specs = [
            task_pb2.TaskSpec(
                name=handle.name,
                python_object=pickled(obj, f"task {handle.name!r}"),
                python_environment=environment,
                dependencies=[
                    task_pb2.TaskDependency(task=d) for d in self._dependencies.get(handle.name, [])
                ],
            )
            for handle, obj in self._objects
        ]
        labels = dict(self.labels)
        if self.name:
            labels[JOB_NAME_LABEL] = self.name
        options = SubmitOptions(
            priority=instance_priority(self.priority),
            labels=labels,
            cancel_on_task_failure=self.cancel_on_task_failure,
            max_interrupted_retries=self.max_interrupted_retries,
            task_timeout=self.task_timeout,
            request_id=self._request_id,
            cancel_on_client_disconnection=self.cancel_on_client_disconnection,
            client_disconnect_grace=self.client_disconnect_grace,
        )
        request = options.create_request(project_name(self._client.project), specs)
        instance = self._client._created(request)
        instance._job = self
        for handle, _ in self._objects:
            instance._adopt(handle)
        self._instance = instance
        if self.job_submitted is not None:  # before the watch starts, so that it comes first
            call_handler(self.job_submitted, self)
        if self._has_watched_handler() or self.cancel_on_client_disconnection:
            # The watch is also what keeps a job bound to this client alive (it resumes by itself).
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
    def task_state_changed(self) -> TaskStateHandler | None:
        """Called with (previous status, new status, task) as a task changes status."""
        return self._task_state_changed

    @task_state_changed.setter
    def task_state_changed(self, handler: TaskStateHandler | None) -> None:
        self._task_state_changed = handler
        self._handler_set(handler)

    @property
    def task_completed(self) -> TaskCompletedHandler | None:
        """Called with the task once it reaches a terminal status (see the class docstring)."""
        return self._task_completed

    @task_completed.setter
    def task_completed(self, handler: TaskCompletedHandler | None) -> None:
        self._task_completed = handler
        self._handler_set(handler)

    @property
    def job_completed(self) -> JobHandler | None:
        """Called with the job once every task ended and its completion handlers ran."""
        return self._job_completed

    @job_completed.setter
    def job_completed(self, handler: JobHandler | None) -> None:
        self._job_completed = handler
        self._handler_set(handler)

    def _has_watched_handler(self) -> bool:
        handlers = (self._task_progress_updated, self._task_completed, self._task_state_changed)
        tasks_handlers = [(h.on_completed, h.progress_updated) for h, _ in self._objects]
        return any(handlers) or self._job_completed is not None or any(any(pair) for pair in tasks_handlers)

    def _handler_set(self, handler: object) -> None:
        if handler is not None and self._instance is not None:
            self._instance._watch_for_handlers()

    # -- state

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
        """Handles on the job's tasks in the order they were added (NOT_SUBMITTED before submit())."""
        return [handle for handle, _ in self._objects]

    def wait_until_done(
        self,
        timeout: float | None = None,
        heartbeat_callback: Callable[[], object] | None = None,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
    ) -> bool:
        """Waits for every task to end; True when they did, False when ``timeout`` seconds passed first.

        ``heartbeat_callback()`` is called every ``heartbeat_interval`` seconds while the job runs (STK's
        heartbeat; times are in seconds here). With event handlers set, it returns True only after
        every task's completion handlers and ``job_completed`` ran.
        """
        if heartbeat_interval <= 0:
            raise ValueError(f"heartbeat_interval must be positive, not {heartbeat_interval}")
        instance = self.instance
        deadline = Deadline(timeout)
        while True:
            left = deadline.remaining()
            step = left
            if heartbeat_callback is not None:
                step = heartbeat_interval if left is None else min(heartbeat_interval, left)
            try:
                instance.wait_for_completion(timeout=step)
                break
            except WaitTimeoutError:
                if deadline.passed():
                    return False
            if heartbeat_callback is not None:
                call_handler(heartbeat_callback)
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
