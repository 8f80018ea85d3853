# Generated from taskstream/_async/instance.py by clients/python/tools/unasync.py: edit that file, then
# run `make unasync`. `make lint` fails while this copy is stale.
"""The Instance handle, with PyODPS's methods: status, waits, control, and its tasks' results and progress."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeAlias, Union

import grpc

from taskstream import _instance_data, _pyodps, _queueing
from taskstream._convert import instance_name, instance_status, optional_datetime
from taskstream._events import (
    Heartbeat,
    InstanceSnapshot,
    InstanceStatusChanged,
    SubInstanceCreated,
    TaskOutputAppended,
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskStatusChanged,
)
from taskstream._progress import TaskProgress
from taskstream._result_rows import result_rows_request
from taskstream._sync import task as tasks
from taskstream._sync._backend import sleep
from taskstream._sync.handlers import HandlerDispatcher
from taskstream._sync.result_rows import ResultReader
from taskstream._sync.worker import WorkerDetail
from taskstream._task_data import failed_error
from taskstream._waiting import Deadline, is_terminated, timeout_error
from taskstream._watch import Handles, WatchCursor
from taskstream.errors import ApiError
from taskstream.status import CancellationReason, InstanceStatus
from taskstream.v1 import instance_pb2, task_pb2

if TYPE_CHECKING:
    from taskstream._sync.client import Client
    from taskstream._sync.job import Job
    from taskstream._sync.rpc import _Rpc


class Instance:
    """A handle on one instance, as PyODPS's Instance.

    Making one calls nothing; its data is fetched on first use. What does not change (owner, priority,
    labels, create time, tasks' names) is fetched once; what changes while it runs (status, times,
    tasks) is fetched again on every read until it is terminated. ``reload()`` fetches everything now.
    ``Instance.Task`` is PyODPS's task snapshot (what ``get_task_statuses()`` returns), with its
    ``Instance.Task.TaskStatus``.
    """

    Status = InstanceStatus
    Task = _pyodps.InstanceTask
    TaskSummary = _pyodps.TaskSummary
    TaskCost = _pyodps.TaskCost
    InstanceQueueingInfo = _queueing.InstanceQueueingInfo

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
        self._tasks: dict[str, tasks.Task] = {}
        self._tasks_lock = threading.Lock()  # the sync client makes handles from its handlers' thread
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
        """The data, fetched once: for what never changes."""
        if self._data is None:
            self.reload()
        assert self._data is not None
        return self._data

    def _current(self, *, with_tasks: bool = False) -> instance_pb2.Instance:
        """The data, fetched again unless it shows the instance terminated (which is final)."""
        if not is_terminated(self._data) or (with_tasks and not self._has_tasks):
            self.reload()
        assert self._data is not None
        return self._data

    @property
    def owner(self) -> str:
        return (self._loaded()).owner

    @property
    def priority(self) -> int:
        return (self._loaded()).priority

    @property
    def labels(self) -> dict[str, str]:
        return dict((self._loaded()).labels)

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
    def scheduled_start_time(self) -> dt.datetime | None:
        """The start time it was created with (its tasks wait, reason SCHEDULED, until then), or None."""
        return optional_datetime(self._loaded(), "scheduled_start_time")

    @property
    def expire_time(self) -> dt.datetime | None:
        """When its retention deletes it, once terminated with a retention of its own; else None."""
        return optional_datetime(self._current(), "expire_time")

    @property
    def parent_instance(self) -> Instance | None:
        """The workflow instance that started this one, or None."""
        parent = (self._loaded()).parent_instance
        return self._client.get_instance(parent) if parent else None

    @property
    def schedule(self) -> str | None:
        """The name of the schedule that started it (``projects/{p}/schedules/{id}``), or None."""
        return (self._loaded()).schedule or None

    @property
    def status(self) -> InstanceStatus:
        return instance_status((self._current()).status)

    def is_terminated(self) -> bool:
        return instance_status((self._current()).status) is InstanceStatus.TERMINATED

    def is_running(self) -> bool:
        return instance_status((self._current()).status) is InstanceStatus.RUNNING

    def is_successful(self) -> bool:
        """True once terminated with every task SUCCESS; False while it runs or is suspended."""
        return _instance_data.is_successful(self._current(with_tasks=True))

    # -- waiting

    def wait_for_completion(
        self, interval: float = 1, timeout: float | None = None, max_interval: float | None = None
    ) -> None:
        """Waits until the instance is terminated, or raises WaitTimeoutError after ``timeout`` seconds.

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
            raise failed_error(self, self._id, name, status, self._task_handle(name)._current())

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

    def cancel_task(
        self,
        name: str,
        reason: CancellationReason | None = None,
        message: str | None = None,
        *,
        grace_period: float | None = None,
    ) -> None:
        """Cancels task ``name`` alone (STK's ``cancel_task``): its dependents that do not allow its
        failure end CANCELLED with reason CONSEQUENTIAL, the other tasks run on. FailedPreconditionError
        when the task already ended; NotFoundError for an unknown task."""
        data = self._rpc.cancel_task(
            f"{self._name}/tasks/{name}", reason=reason, message=message, grace_period=grace_period
        )
        self._absorb(data, has_tasks=True)

    def delete(self) -> None:
        """Deletes the terminated instance and all it kept (a tombstone stays: reading it then raises
        NotFoundError, reason INSTANCE_DELETED). FailedPreconditionError while it runs."""
        self._rpc.delete_instance(self._name)

    def resume(self) -> None:
        """Resumes a suspended (or held) instance; FailedPreconditionError unless SUSPENDED."""
        self._absorb(self._rpc.resume_instance(self._name), has_tasks=True)

    def get_logview_address(self, hours: int | None = None) -> str:
        """The URL of this instance's Logview page; its token grants read access for ``hours`` (default
        720, as in PyODPS). NotFoundError for an unknown instance."""
        return self._rpc.get_logview_address(self._name, hours)

    # -- tasks

    def get_task_names(self) -> list[str]:
        return _instance_data.task_names(self._current(with_tasks=True))

    def get_task_statuses(self) -> dict[str, _pyodps.InstanceTask]:
        """Each task by name, in task order, as PyODPS's ``Instance.Task``: ``.status`` (one of
        ``Instance.Task.TaskStatus``), ``.type``, ``.start_time``, ``.end_time``, and taskstream's own
        ``.task_status``."""
        data = self._current(with_tasks=True)
        return {task.name: _pyodps.InstanceTask.from_proto(task) for task in data.tasks}

    def get_task(self, name: str | None = None) -> tasks.Task:
        """The handle on task ``name``, which calls nothing. ``None`` picks the only task (ValueError
        when there are several): that fetches the instance unless its tasks were fetched before (a
        task's name never changes)."""
        if name is None:
            if self._data is None or not self._has_tasks:
                self.reload()
            assert self._data is not None
            name = _instance_data.only_task_name(self._id, _instance_data.task_names(self._data))
        return self._task_handle(name)

    def _task_handle(self, name: str) -> tasks.Task:
        with self._tasks_lock:
            task = self._tasks.get(name)
            if task is None:
                task = self._tasks[name] = tasks.Task(self, name, unpickle=self._client._unpickle)
            return task

    def _adopt(self, task: tasks.Task) -> None:
        """Takes a job's own task handle as the handle on its task."""
        task._bind(self)
        with self._tasks_lock:
            self._tasks[task.name] = task

    def get_tasks(self) -> list[tasks.Task]:
        """Handles on every task, in task order."""
        return [self._task_handle(name) for name in self.get_task_names()]

    def get_task_result(self, name: str | None = None) -> Any:
        """Task ``name``'s decoded result; the error text when it failed; None for an unknown name.

        ``name=None`` picks the only task (ValueError when there are several).
        """
        names = self.get_task_names()
        if name is None:
            name = _instance_data.only_task_name(self._id, names)
        if name not in names:
            return None
        return (self._task_handle(name)._current()).pyodps_result

    def get_task_results(self) -> OrderedDict[str, Any]:
        """Every task's get_task_result, by name in task order."""
        return OrderedDict([(name, self.get_task_result(name)) for name in self.get_task_names()])

    def get_task_progress(self, name: str | None = None) -> TaskProgress:
        """Task ``name``'s latest progress; ``name=None`` picks the only task."""
        return TaskProgress.from_proto((self._task_data(name)).progress)

    def get_task_summary(self, name: str | None = None) -> _pyodps.TaskSummary:
        """PyODPS's task summary: a dict of the task's outcome, attempts, duration and each stage's
        records, with ``summary_text`` and ``json_summary``."""
        return _pyodps.task_summary(self._task_data(name))

    def get_task_detail(self, name: str | None = None) -> OrderedDict[str, Any]:
        """Everything the server keeps of the task but its result and output (a dict, as PyODPS's
        detail), including ``workers``: the worker that runs or last ran it."""
        return _pyodps.task_detail(self._task_data(name))

    def get_task_workers(self, task_name: str | None = None, json_obj: Any = None) -> list[WorkerDetail]:
        """The workers of task ``task_name``, or of a ``get_task_detail`` result passed as
        ``json_obj`` (PyODPS's arguments): the one worker that runs or last ran the task, if any."""
        if task_name is None and json_obj is None:
            raise ValueError("Either task_name or json_obj should be provided")
        detail = json_obj if json_obj is not None else self.get_task_detail(task_name)
        return [WorkerDetail.from_entry(self, entry) for entry in _pyodps.worker_entries(detail)]

    def get_worker_log(self, log_id: str, log_type: str, size: int = 0) -> str:
        """A worker's log (``log_id`` from ``get_task_workers``): ``log_type`` "stdout" or "stderr" of
        the task's latest attempt, the last ``size`` bytes when ``size`` > 0, decoded as UTF-8."""
        stream = _pyodps.log_stream(log_type)
        task = self._task_handle(log_id)
        data = b"".join([chunk.data for chunk in task.read_output(stream, offset=-size if size > 0 else 0)])
        return data.decode("utf-8", errors="replace")

    def get_task_cost(self, task_name: str | None = None) -> _pyodps.TaskCost | None:
        """What task ``task_name``'s latest attempt cost (PyODPS's ``get_task_cost``): a ``TaskCost``
        with ``cpu_seconds`` and ``memory_peak_bytes``, as its worker measured them in the task's
        process; None until an attempt ended with its cost measured (not for a task whose process was
        killed or crashed). ``task_name=None`` picks the only task."""
        return _pyodps.task_cost(self._task_data(task_name))

    def put_task_info(self, task_name: str, key: str, value: str, check_location: bool = False) -> None:
        """Sets ``key`` of task ``task_name``'s info to ``value`` (PyODPS's ``put_task_info``): string
        key/values kept with the task, for anyone who may read the project to see with
        ``get_task_info``. Needs write access. Keys are 1 to 256 of A-Z a-z 0-9 _ . - / :, values at
        most 65536 bytes in UTF-8, a task at most 100 keys (InvalidArgumentError, ApiError
        RESOURCE_EXHAUSTED); FailedPreconditionError once the task ended; NotFoundError for an unknown
        task. ``check_location`` is accepted for PyODPS code and changes nothing."""
        del check_location
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"task info keys and values are strings, not {type(key).__name__} and {type(value).__name__}"
            )
        self._rpc.put_task_info(f"{self._name}/tasks/{task_name}", key, value)

    def get_task_info(self, task_name: str, key: str) -> str:
        """The value of ``key`` in task ``task_name``'s info (PyODPS's ``get_task_info``); "" when the
        key was never set. NotFoundError for an unknown task."""
        info = self._rpc.get_task_info(f"{self._name}/tasks/{task_name}", [key])
        return info.get(key, "")

    def get_queueing_info(self) -> _queueing.InstanceQueueingInfo:
        """Where the instance's tasks that have not started stand (PyODPS's ``get_queueing_info``):
        each one's status, waiting reason and position in the run queue (1: next), with the instance's
        status, priority, owner (``user_account``) and times. A snapshot: positions move as tasks
        ahead run."""
        pages = [self._rpc.get_queueing_info(self._name)]
        while pages[-1].next_page_token:
            pages.append(self._rpc.get_queueing_info(self._name, pages[-1].next_page_token))
        return _queueing.InstanceQueueingInfo.from_pages(self._project, self._id, pages)

    def _task_data(self, name: str | None) -> task_pb2.Task:
        """Task ``name``'s data as the instance carries it; NotFoundError (from the server) for an
        unknown name."""
        data = self._current(with_tasks=True)
        if name is None:
            name = _instance_data.only_task_name(self._id, _instance_data.task_names(data))
        found = _instance_data.task_data(data, name)
        if found is None:
            return (self._task_handle(name)._current()).task  # lets the server say NOT_FOUND
        return found

    def open_reader(
        self,
        name: str | None = None,
        *,
        page_size: int = 1000,
        tunnel: bool | None = None,
        limit: bool | None = None,
    ) -> ResultReader:
        """Task ``name``'s tabular result (a SQL select) as PyODPS's records, read ``page_size`` rows per
        call as they are iterated, so results of any size can be read: ``with instance.open_reader() as
        reader``. ``name=None`` picks the only task. Fetches the first page now: FailedPreconditionError
        unless the task succeeded with a CSV result. ``tunnel`` and ``limit`` are accepted for PyODPS
        code and change nothing: every row is read, through one kind of call."""
        del tunnel, limit
        request = result_rows_request(self._name, name or "", page_size)
        return ResultReader(self._rpc, request, self._rpc.list_task_result_rows(request))

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
        leaving the loop) cancels the call.
        """
        cursor = WatchCursor(
            self._name,
            Handles(self._watched, self._task_handle, self._client.get_instance),
            after_seq=after_seq,
            include_output=include_output,
            heartbeats=heartbeats,
            target=self._rpc.target,
        )
        return self._follow(cursor)

    def _follow(self, cursor: WatchCursor[Instance, tasks.Task]) -> Iterator[InstanceEvent]:
        while True:
            try:
                with self._rpc.watch_instance(cursor.request()) as responses:
                    for response in responses:
                        events, finished = cursor.receive(response)
                        yield from events
                        if finished:
                            return
                raise cursor.ended_early()
            except ApiError as error:
                delay = cursor.retry_after(error)
            sleep(delay)

    def _watched(self, data: instance_pb2.Instance) -> Instance:
        self._absorb(data, has_tasks=True)
        return self

    def _watch_for_handlers(self) -> None:
        """Starts calling the STK handlers of this instance's tasks and job, once."""
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


InstanceEvent: TypeAlias = Union[  # noqa: UP007 (a runtime alias)
    InstanceSnapshot[Instance],
    InstanceStatusChanged,
    TaskStatusChanged[tasks.Task],
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskOutputAppended,
    SubInstanceCreated[Instance],
    Heartbeat,
]
"""What ``Instance.watch()`` yields."""
