"""The Instance handle, with PyODPS's methods: status, waits, stop, and its tasks' results and progress."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import grpc

from taskstream import _instance_data
from taskstream._convert import instance_name, instance_status, optional_datetime
from taskstream._events import InstanceEvent
from taskstream._handlers import HandlerDispatcher
from taskstream._progress import TaskProgress
from taskstream._result_rows import ResultReader, result_rows_request
from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstream._task import Task
from taskstream._task_data import failed_error
from taskstream._waiting import Deadline, is_terminated, timeout_error
from taskstream._watch import Handles, WatchCursor
from taskstream.errors import ApiError
from taskstream.v1 import instance_pb2

if TYPE_CHECKING:
    from taskstream._client import Client
    from taskstream._job import Job
    from taskstream._rpc import _Rpc


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
        self._tasks_lock = threading.Lock()  # handles are made from the STK handlers' thread too
        self._job: Job | None = None  # the STK job that submitted this instance, for its handlers
        self._dispatcher: HandlerDispatcher | None = None
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
        return _instance_data.is_successful(self._current(with_tasks=True))

    # -- waiting

    def wait_for_completion(
        self, interval: float = 1, timeout: float | None = None, max_interval: float | None = None
    ) -> None:
        """Blocks until the instance is terminated, or raises WaitTimeoutError after ``timeout`` seconds.

        The server holds each WaitInstance call until the instance ends, so nothing polls; ``interval``
        and ``max_interval`` are accepted for PyODPS compatibility and not needed.
        """
        del interval, max_interval
        deadline = Deadline(timeout)
        if is_terminated(self._data):
            return  # terminated is final: no need to ask
        while True:
            try:
                response = self._rpc.wait_instance(self._name, deadline.next_wait())
            except ApiError as error:
                if error.code is not grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise
                # the server did not answer within the wait plus its margin: ask again
            else:
                self._absorb(response.instance, has_tasks=True)
                if response.terminated:
                    return
            if deadline.passed():
                raise timeout_error([self._id], timeout)

    def wait_for_success(
        self, interval: float = 1, timeout: float | None = None, max_interval: float | None = None
    ) -> None:
        """Waits as wait_for_completion, then raises InstanceFailedError unless every task succeeded.

        The error names the first task, in task order, that did not succeed: for FAILED its message is
        the task's error message, for any other status "<task>, status=<STATUS>" (as PyODPS).
        """
        self.wait_for_completion(interval=interval, timeout=timeout, max_interval=max_interval)
        failure = _instance_data.first_unsuccessful(self._current(with_tasks=True))
        if failure is not None:
            name, status = failure
            raise failed_error(self._id, name, status, self.get_task(name)._current())

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

    def get_logview_address(self, hours: int | None = None) -> str:
        """The URL of this instance's Logview page; its token grants read access for ``hours`` (default
        720, as in PyODPS). NotFoundError for an unknown instance."""
        return self._rpc.get_logview_address(self._name, hours)

    # -- tasks

    def get_task_names(self) -> list[str]:
        return _instance_data.task_names(self._current(with_tasks=True))

    def get_task_statuses(self) -> dict[str, TaskStatus]:
        """Each task's status by name, in task order."""
        return _instance_data.task_statuses(self._current(with_tasks=True))

    def get_task(self, name: str | None = None) -> Task:
        """The handle on task ``name``; None picks the only task (ValueError when there are several)."""
        if name is None:
            name = self._only_task_name()
        with self._tasks_lock:
            task = self._tasks.get(name)
            if task is None:
                task = self._tasks[name] = Task(self, name)
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
        return self.get_task(name)._current().pyodps_result

    def get_task_results(self) -> OrderedDict[str, Any]:
        """Every task's get_task_result, by name in task order."""
        return OrderedDict((name, self.get_task_result(name)) for name in self.get_task_names())

    def open_reader(self, name: str | None = None, *, page_size: int = 1000) -> ResultReader:
        """Task ``name``'s tabular result (a SQL select) as typed rows, read ``page_size`` rows per call
        while iterating, so results of any size can be read. ``name=None`` picks the only task;
        FailedPreconditionError unless the task succeeded with a CSV result."""
        request = result_rows_request(self._name, name or "", page_size)
        return ResultReader(self._rpc.list_task_result_rows, request)

    def get_task_progress(self, name: str | None = None) -> TaskProgress:
        """Task ``name``'s latest progress; ``name=None`` picks the only task."""
        data = self._current(with_tasks=True)
        if name is None:
            name = self._only_task_name(_instance_data.task_names(data))
        progress = _instance_data.task_progress(data, name)
        if progress is None:
            return self.get_task(name).progress  # lets the server say NOT_FOUND
        return progress

    def _only_task_name(self, names: list[str] | None = None) -> str:
        return _instance_data.only_task_name(self._id, self.get_task_names() if names is None else names)

    # -- following

    def watch(
        self, *, include_output: bool = False, after_seq: int = 0, heartbeats: bool = False
    ) -> Iterator[InstanceEvent]:
        """Follows the instance: yields its events as they happen, until it is terminated.

        The first event is an ``InstanceSnapshot`` of the whole instance (unless resuming with
        ``after_seq``, the ``seq`` of the last event seen), then each change in order; the iterator ends
        after the terminal ``InstanceSnapshot``. ``include_output`` adds the tasks' stdout and stderr as
        ``TaskOutputAppended``; ``heartbeats`` yields the server's ``Heartbeat`` while nothing changes.

        When the stream drops (the server restarts or drains, the connection resets, the server finds
        this consumer too slow), the watch resumes by itself after the last ``seq`` it yielded, without
        a gap or a duplicate; after 8 failed tries in a row it raises the last ApiError. A snapshot
        arrives again if the server no longer keeps the missed changes. NotFoundError when the instance
        does not exist or is deleted. Snapshots refresh this handle's data. Closing the iterator (or
        leaving a ``for`` loop) cancels the call.
        """
        cursor = WatchCursor(
            self._name,
            Handles(self._watched, self.get_task, self._client.get_instance),
            after_seq=after_seq,
            include_output=include_output,
            heartbeats=heartbeats,
            target=self._rpc.target,
        )
        return self._follow(cursor)

    def _follow(self, cursor: WatchCursor[Instance, Task]) -> Iterator[InstanceEvent]:
        while True:
            try:
                with self._rpc.watch_instance(cursor.request()) as responses:
                    for response in responses:
                        event, finished = cursor.receive(response)
                        if event is not None:
                            yield event
                        if finished:
                            return
                raise cursor.ended_early()
            except ApiError as error:
                delay = cursor.retry_after(error)
            time.sleep(delay)

    def _watched(self, data: instance_pb2.Instance) -> Instance:
        self._absorb(data, has_tasks=True)
        return self

    def _watch_for_handlers(self) -> None:
        """Starts the thread that calls the STK handlers of this instance's tasks and job, once."""
        with self._tasks_lock:
            if self._dispatcher is None:
                self._dispatcher = HandlerDispatcher(self)
                self._dispatcher.start()

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
