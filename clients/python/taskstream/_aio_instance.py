"""The asyncio AsyncInstance handle: the sync Instance's methods as coroutines, and an async watch."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TypeAlias, Union

import grpc

from taskstream import _instance_data
from taskstream._aio_task import AsyncTask
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
from taskstream._result_rows import AsyncResultReader, result_rows_request
from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstream._task_data import failed_error
from taskstream._waiting import Deadline, is_terminated, timeout_error
from taskstream._watch import Handles, WatchCursor
from taskstream.errors import ApiError
from taskstream.v1 import instance_pb2

if TYPE_CHECKING:
    from taskstream._aio_client import AsyncClient
    from taskstream._aio_rpc import _AsyncRpc


class AsyncInstance:
    """A handle on one instance for asyncio code, with the sync ``Instance``'s methods as coroutines.

    Properties (``status``, ``owner``, ``start_time`` …) show the data fetched last, by any call of
    this handle or the client that returned it, and raise RuntimeError for a handle never fetched
    (a sub-instance named by an event); ``await reload()`` fetches it now. Methods that ask about the
    instance (``is_terminated()``, ``get_task_names()`` …) fetch it again until it is terminated.
    """

    Status = InstanceStatus

    def __init__(
        self,
        client: AsyncClient,
        project: str,
        instance_id: str,
        data: instance_pb2.Instance | None = None,
        *,
        has_tasks: bool = False,
    ) -> None:
        self._client = client
        self._rpc: _AsyncRpc = client._rpc
        self._project = project
        self._id = instance_id
        self._name = instance_name(project, instance_id)
        self._data: instance_pb2.Instance | None = None
        self._has_tasks = False
        self._tasks: dict[str, AsyncTask] = {}
        self._tasks_lock = threading.Lock()
        if data is not None:
            self._absorb(data, has_tasks=has_tasks)

    # -- identity

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

    async def reload(self) -> None:
        """Fetches the instance and its tasks' statuses from the server."""
        self._absorb(await self._rpc.get_instance(self._name), has_tasks=True)

    def _absorb(self, data: instance_pb2.Instance, *, has_tasks: bool) -> None:
        self._data = data
        self._has_tasks = has_tasks

    async def _current(self, *, with_tasks: bool = False) -> instance_pb2.Instance:
        data = self._data
        if not is_terminated(data) or (with_tasks and not self._has_tasks):
            await self.reload()
            data = self._data
        assert data is not None
        return data

    def _fetched(self) -> instance_pb2.Instance:
        if self._data is None:
            raise RuntimeError(f"instance {self._id} is not fetched yet; await reload()")
        return self._data

    @property
    def status(self) -> InstanceStatus:
        """The status as last fetched."""
        return instance_status(self._fetched().status)

    @property
    def owner(self) -> str:
        return self._fetched().owner

    @property
    def priority(self) -> int:
        return self._fetched().priority

    @property
    def labels(self) -> dict[str, str]:
        return dict(self._fetched().labels)

    @property
    def create_time(self) -> dt.datetime | None:
        return optional_datetime(self._fetched(), "create_time")

    @property
    def start_time(self) -> dt.datetime | None:
        return optional_datetime(self._fetched(), "start_time")

    @property
    def end_time(self) -> dt.datetime | None:
        return optional_datetime(self._fetched(), "end_time")

    async def is_terminated(self) -> bool:
        return instance_status((await self._current()).status) is InstanceStatus.TERMINATED

    async def is_running(self) -> bool:
        return instance_status((await self._current()).status) is InstanceStatus.RUNNING

    async def is_successful(self) -> bool:
        """True once terminated with every task SUCCESS; False while it runs or is suspended."""
        return _instance_data.is_successful(await self._current(with_tasks=True))

    # -- waiting

    async def wait_for_completion(
        self, interval: float = 1, timeout: float | None = None, max_interval: float | None = None
    ) -> None:
        """Waits until the instance is terminated, or raises WaitTimeoutError after ``timeout`` seconds.

        A long poll (WaitInstance); ``interval`` and ``max_interval`` are accepted for PyODPS
        compatibility and not needed.
        """
        del interval, max_interval
        deadline = Deadline(timeout)
        if is_terminated(self._data):
            return
        while True:
            try:
                response = await self._rpc.wait_instance(self._name, deadline.next_wait())
            except ApiError as error:
                if error.code is not grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise
            else:
                self._absorb(response.instance, has_tasks=True)
                if response.terminated:
                    return
            if deadline.passed():
                raise timeout_error([self._id], timeout)

    async def wait_for_success(
        self, interval: float = 1, timeout: float | None = None, max_interval: float | None = None
    ) -> None:
        """Waits as wait_for_completion, then raises InstanceFailedError unless every task succeeded."""
        await self.wait_for_completion(interval=interval, timeout=timeout, max_interval=max_interval)
        failure = _instance_data.first_unsuccessful(await self._current(with_tasks=True))
        if failure is not None:
            name, status = failure
            raise failed_error(self._id, name, status, await self.get_task(name)._current())

    # -- control

    async def stop(
        self,
        reason: CancellationReason | None = None,
        message: str | None = None,
        *,
        grace_period: float | None = None,
        request_id: str | None = None,
    ) -> None:
        """Stops the instance; FailedPreconditionError (InvalidStateSetting) when it already terminated."""
        data = await self._rpc.stop_instance(
            self._name, reason=reason, message=message, grace_period=grace_period, request_id=request_id
        )
        self._absorb(data, has_tasks=True)

    async def get_logview_address(self, hours: int | None = None) -> str:
        """The URL of this instance's Logview page; its token grants read access for ``hours`` (default
        720, as in PyODPS). NotFoundError for an unknown instance."""
        return await self._rpc.get_logview_address(self._name, hours)

    # -- tasks

    async def get_task_names(self) -> list[str]:
        return _instance_data.task_names(await self._current(with_tasks=True))

    async def get_task_statuses(self) -> dict[str, TaskStatus]:
        """Each task's status by name, in task order."""
        return _instance_data.task_statuses(await self._current(with_tasks=True))

    def get_task(self, name: str) -> AsyncTask:
        """The handle on task ``name``; calls nothing."""
        with self._tasks_lock:
            task = self._tasks.get(name)
            if task is None:
                task = self._tasks[name] = AsyncTask(self, name)
            return task

    async def get_task_result(self, name: str | None = None) -> Any:
        """Task ``name``'s decoded result; the error text when it failed; None for an unknown name.

        ``name=None`` picks the only task (ValueError when there are several).
        """
        names = await self.get_task_names()
        if name is None:
            name = _instance_data.only_task_name(self._id, names)
        if name not in names:
            return None
        return (await self.get_task(name)._current()).pyodps_result

    async def get_task_results(self) -> OrderedDict[str, Any]:
        """Every task's get_task_result, by name in task order."""
        return OrderedDict([(name, await self.get_task_result(name)) for name in await self.get_task_names()])

    async def open_reader(self, name: str | None = None, *, page_size: int = 1000) -> AsyncResultReader:
        """As the sync ``Instance.open_reader``: ``async for row in await instance.open_reader()``."""
        request = result_rows_request(self._name, name or "", page_size)
        return await AsyncResultReader(self._rpc.list_task_result_rows, request).open()

    async def get_task_progress(self, name: str | None = None) -> TaskProgress:
        """Task ``name``'s latest progress; ``name=None`` picks the only task."""
        data = await self._current(with_tasks=True)
        if name is None:
            name = _instance_data.only_task_name(self._id, _instance_data.task_names(data))
        progress = _instance_data.task_progress(data, name)
        if progress is None:
            task = self.get_task(name)
            await task.refresh()  # lets the server say NOT_FOUND
            return task.progress
        return progress

    # -- following

    def watch(
        self, *, include_output: bool = False, after_seq: int = 0, heartbeats: bool = False
    ) -> AsyncIterator[AsyncInstanceEvent]:
        """Follows the instance as the sync ``Instance.watch()`` does, as an async iterator.

        The same events (holding ``AsyncInstance`` / ``AsyncTask`` handles) and the same resume after a
        dropped stream; ``aclose()`` or leaving an ``async for`` loop cancels the call.
        """
        cursor = WatchCursor(
            self._name,
            Handles(self._watched, self.get_task, self._client._lazy),
            after_seq=after_seq,
            include_output=include_output,
            heartbeats=heartbeats,
            target=self._rpc.target,
        )
        return self._follow(cursor)

    async def _follow(
        self, cursor: WatchCursor[AsyncInstance, AsyncTask]
    ) -> AsyncIterator[AsyncInstanceEvent]:
        while True:
            try:
                async with self._rpc.watch_instance(cursor.request()) as responses:
                    async for response in responses:
                        event, finished = cursor.receive(response)
                        if event is not None:
                            yield event
                        if finished:
                            return
                raise cursor.ended_early()
            except ApiError as error:
                delay = cursor.retry_after(error)
            await asyncio.sleep(delay)

    def _watched(self, data: instance_pb2.Instance) -> AsyncInstance:
        self._absorb(data, has_tasks=True)
        return self

    # -- plumbing

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AsyncInstance) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __str__(self) -> str:
        return self._id

    def __repr__(self) -> str:
        if self._data is None:
            return f"<AsyncInstance {self._id}>"
        return f"<AsyncInstance {self._id} {instance_status(self._data.status).value}>"


AsyncInstanceEvent: TypeAlias = Union[  # noqa: UP007 (kept parallel to taskstream.InstanceEvent)
    InstanceSnapshot[AsyncInstance],
    InstanceStatusChanged,
    TaskStatusChanged[AsyncTask],
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskOutputAppended,
    SubInstanceCreated[AsyncInstance],
    Heartbeat,
]
"""What ``AsyncInstance.watch()`` yields."""
