"""The Instance handle, with PyODPS's methods: status, waits, stop, and its tasks' results and progress."""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import grpc

from taskstream._convert import instance_name, instance_status, optional_datetime, task_status
from taskstream._progress import TaskProgress
from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstream._task import Task
from taskstream.errors import ApiError, InstanceFailedError, WaitTimeoutError
from taskstream.v1 import instance_pb2

if TYPE_CHECKING:
    from taskstream._client import Client, _Rpc

# The longest one WaitInstance call may wait; a longer wait is a loop of these.
_WAIT_CAP = 60.0
# The shortest wait asked for, so that a nearly spent timeout is not sent as zero (the server's default).
_WAIT_MIN = 0.001
# Statuses for which get_task_result gives the error text instead of a result, as PyODPS does.
_RESULT_IS_ERROR_TEXT = frozenset({TaskStatus.FAILED, TaskStatus.ENVIRONMENT_ERROR, TaskStatus.TIMED_OUT})


class Instance:
    """A handle on one instance, as PyODPS's Instance.

    Making one calls nothing; its data is fetched on first use. Fields that change while it runs
    (status, times, tasks) are fetched again on every read until it is terminated; ``reload()``
    fetches everything now.
    """

    Status = InstanceStatus

    def __init__(
        self,
        client: Client,
        project: str,
        instance_id: str,
        data: instance_pb2.Instance | None = None,
        *,
        has_tasks: bool = False,
    ) -> None:
        self._client = client
        self._rpc: _Rpc = client._rpc
        self._project = project
        self._id = instance_id
        self._name = instance_name(project, instance_id)
        self._data: instance_pb2.Instance | None = None
        self._has_tasks = False  # whether _data carries its tasks in full (ListInstances' does not)
        self._tasks: dict[str, Task] = {}
        if data is not None:
            self._absorb(data, has_tasks=has_tasks)

    # -- identity, never calls the server

    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        """The resource name, ``projects/{project}/instances/{id}``."""
        return self._name

    @property
    def project(self) -> str:
        return self._project

    # -- data

    def reload(self) -> None:
        """Fetches the instance and its tasks' statuses from the server."""
        self._absorb(self._rpc.get_instance(self._name), has_tasks=True)

    def _absorb(self, data: instance_pb2.Instance, *, has_tasks: bool) -> None:
        self._data = data
        self._has_tasks = has_tasks

    def _loaded(self) -> instance_pb2.Instance:
        if self._data is None:
            self.reload()
        assert self._data is not None
        return self._data

    def _current(self, *, with_tasks: bool = False) -> instance_pb2.Instance:
        data = self._data
        if (
            data is None
            or instance_status(data.status) is not InstanceStatus.TERMINATED
            or (with_tasks and not self._has_tasks)
        ):
            self.reload()
            data = self._data
            assert data is not None
        return data

    @property
    def owner(self) -> str:
        return self._loaded().owner

    @property
    def priority(self) -> int:
        return self._loaded().priority

    @property
    def labels(self) -> dict[str, str]:
        return dict(self._loaded().labels)

    @property
    def create_time(self) -> dt.datetime | None:
        return optional_datetime(self._loaded(), "create_time")

    @property
    def start_time(self) -> dt.datetime | None:
        return optional_datetime(self._current(), "start_time")

    @property
    def end_time(self) -> dt.datetime | None:
        return optional_datetime(self._current(), "end_time")

    @property
    def parent_instance(self) -> Instance | None:
        """The workflow instance that started this one, or None."""
        parent = self._loaded().parent_instance
        return self._client.get_instance(parent) if parent else None

    @property
    def status(self) -> InstanceStatus:
        return instance_status(self._current().status)

    def is_terminated(self) -> bool:
        return self.status is InstanceStatus.TERMINATED

    def is_running(self) -> bool:
        return self.status is InstanceStatus.RUNNING

    def is_successful(self) -> bool:
        """True once terminated with every task SUCCESS; False while it runs or is suspended."""
        data = self._current(with_tasks=True)
        if instance_status(data.status) is not InstanceStatus.TERMINATED:
            return False
        return all(task_status(task.status) is TaskStatus.SUCCESS for task in data.tasks)

    # -- waiting

    def wait_for_completion(
        self, interval: float = 1, timeout: float | None = None, max_interval: float | None = None
    ) -> None:
        """Blocks until the instance is terminated, or raises WaitTimeoutError after ``timeout`` seconds.

        The server holds each WaitInstance call until the instance ends, so nothing polls; ``interval``
        and ``max_interval`` are accepted for PyODPS compatibility and not needed.
        """
        del interval, max_interval
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be >= 0, not {timeout}")
        if self._data is not None and instance_status(self._data.status) is InstanceStatus.TERMINATED:
            return  # terminated is final: no need to ask
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = _WAIT_CAP if deadline is None else min(_WAIT_CAP, deadline - time.monotonic())
            try:
                response = self._rpc.wait_instance(self._name, max(wait, _WAIT_MIN))
            except ApiError as error:
                if error.code is not grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise
                # the server did not answer within the wait plus its margin: ask again
            else:
                self._absorb(response.instance, has_tasks=True)
                if response.terminated:
                    return
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeoutError(
                    f"instance {self._id} did not terminate within {timeout} seconds",
                    instance_id=self._id,
                    timeout=timeout,
                )

    def wait_for_success(
        self, interval: float = 1, timeout: float | None = None, max_interval: float | None = None
    ) -> None:
        """Waits as wait_for_completion, then raises InstanceFailedError unless every task succeeded.

        The error names the first task, in task order, that did not succeed: for FAILED its message is
        the task's error message, for any other status "<task>, status=<STATUS>" (as PyODPS).
        """
        self.wait_for_completion(interval=interval, timeout=timeout, max_interval=max_interval)
        for task in self._current(with_tasks=True).tasks:
            status = task_status(task.status)
            if status is TaskStatus.SUCCESS:
                continue
            handle = self.get_task(task.name)
            error_text = handle._error_text() if status is TaskStatus.FAILED else None
            raise InstanceFailedError(
                error_text or f"{task.name}, status={status.name}",
                instance_id=self._id,
                task_name=task.name,
                task_status=status,
                error=handle.error,
            )

    # -- control

    def stop(
        self,
        reason: CancellationReason | None = None,
        message: str | None = None,
        *,
        grace_period: float | None = None,
        request_id: str | None = None,
    ) -> None:
        """Stops the instance; FailedPreconditionError (InvalidStateSetting) when it already terminated.

        Tasks that have not started end CANCELLED at once; running ones are cancelled with ``reason``
        (default DIRECT) and ``message``, and are killed when ``grace_period`` seconds pass first.
        """
        data = self._rpc.stop_instance(
            self._name, reason=reason, message=message, grace_period=grace_period, request_id=request_id
        )
        self._absorb(data, has_tasks=True)

    def suspend(self) -> None:
        """Holds waiting tasks and pauses running ones; FailedPreconditionError unless RUNNING."""
        self._absorb(self._rpc.suspend_instance(self._name), has_tasks=True)

    def resume(self) -> None:
        """Resumes a suspended instance; FailedPreconditionError unless SUSPENDED."""
        self._absorb(self._rpc.resume_instance(self._name), has_tasks=True)

    # -- tasks

    def get_task_names(self) -> list[str]:
        return [task.name for task in self._current(with_tasks=True).tasks]

    def get_task_statuses(self) -> dict[str, TaskStatus]:
        """Each task's status by name, in task order."""
        return {task.name: task_status(task.status) for task in self._current(with_tasks=True).tasks}

    def get_task(self, name: str | None = None) -> Task:
        """The handle on task ``name``; None picks the only task (ValueError when there are several)."""
        if name is None:
            name = self._only_task_name()
        task = self._tasks.get(name)
        if task is None:
            task = self._tasks.setdefault(name, Task(self, name))
        return task

    def get_tasks(self) -> list[Task]:
        """Handles on every task, in task order."""
        return [self.get_task(name) for name in self.get_task_names()]

    def get_task_result(self, name: str | None = None) -> Any:
        """Task ``name``'s decoded result; the error text when it failed; None for an unknown name.

        ``name=None`` picks the only task (ValueError when there are several).
        """
        names = self.get_task_names()
        if name is None:
            name = self._only_task_name(names)
        if name not in names:
            return None
        task = self.get_task(name)
        if task.task_status in _RESULT_IS_ERROR_TEXT:
            error_text = task._error_text()
            if error_text is not None:
                return error_text
        return task.result

    def get_task_results(self) -> OrderedDict[str, Any]:
        """Every task's get_task_result, by name in task order."""
        return OrderedDict((name, self.get_task_result(name)) for name in self.get_task_names())

    def get_task_progress(self, name: str | None = None) -> TaskProgress:
        """Task ``name``'s latest progress; ``name=None`` picks the only task."""
        data = self._current(with_tasks=True)
        if name is None:
            name = self._only_task_name([task.name for task in data.tasks])
        for task in data.tasks:
            if task.name == name:
                return TaskProgress.from_proto(task.progress)
        return self.get_task(name).progress  # lets the server say NOT_FOUND

    def _only_task_name(self, names: list[str] | None = None) -> str:
        if names is None:
            names = self.get_task_names()
        if len(names) != 1:
            raise ValueError(
                f"instance {self._id} has {len(names)} tasks ({', '.join(names) or 'none'}); name one"
            )
        return names[0]

    # -- plumbing

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instance) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __str__(self) -> str:
        return self._id

    def __repr__(self) -> str:
        # Never calls the server: shows the status last fetched, if any.
        if self._data is None:
            return f"<Instance {self._id}>"
        return f"<Instance {self._id} {instance_status(self._data.status).value}>"
