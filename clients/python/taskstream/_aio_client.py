"""The asyncio AsyncClient: the sync Client's instance methods as coroutines over a grpc.aio channel."""

from __future__ import annotations

import datetime as dt
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping
from types import TracebackType
from typing import Any, Unpack

import grpc
import grpc.aio

from taskstream import _aio_xflow, _xflow
from taskstream._aio_instance import AsyncInstance
from taskstream._aio_rpc import _AsyncRpc
from taskstream._channel import Pem, connection
from taskstream._client import DEFAULT_TARGET, _local_user, _no_such_instance
from taskstream._convert import instance_name, split_instance_ref
from taskstream._requests import StatusFilter, list_instances_request
from taskstream._specs import SubmitOptionsDict, TaskSpec, create_request
from taskstream._sql import sql_request
from taskstream._status import CancellationReason
from taskstream._waiting import Deadline, InstancesWait, timeout_error
from taskstream.errors import ApiError, InvalidArgumentError, NotFoundError, WaitTimeoutError
from taskstream.v1 import instance_pb2, instance_service_pb2


class AsyncClient:
    """A connection to a taskstream server for asyncio code, working in one project.

    Use it as ``async with taskstream.aio.connect(...) as client``, or ``await client.close()``.
    Every call sends the ``x-taskstream-user`` metadata: ``owner``, or the local user name.
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        project: str = "default",
        owner: str | None = None,
        token: str | None = None,
        tls: bool = False,
        root_certificates: Pem | None = None,
        client_certificate: Pem | None = None,
        client_key: Pem | None = None,
    ):
        if not project or "/" in project:
            raise ValueError(f"not a project name: {project!r}")
        self._target = target
        self._project = project
        self._owner = owner or _local_user()
        how = connection(
            self._owner,
            token=token,
            tls=tls,
            root_certificates=root_certificates,
            client_certificate=client_certificate,
            client_key=client_key,
        )
        self._channel = how.aio_channel(target)
        self._rpc = _AsyncRpc(self._channel, target, how.metadata)
        self._instances: weakref.WeakValueDictionary[str, AsyncInstance] = weakref.WeakValueDictionary()

    @property
    def target(self) -> str:
        return self._target

    @property
    def project(self) -> str:
        return self._project

    @property
    def owner(self) -> str:
        """The user name sent with every call."""
        return self._owner

    async def close(self) -> None:
        """Closes the channel, cancelling open streams; handles can no longer call the server."""
        self._rpc.closed = True
        await self._channel.close(None)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncClient {self._target} project={self._project}>"

    # -- instances

    async def get_instance(self, id: str) -> AsyncInstance:
        """The handle on instance ``id`` (a bare id or a full name), fetched: NotFoundError when it does
        not exist."""
        instance = self._lazy(id)
        await instance.reload()
        return instance

    async def exist_instance(self, id: str) -> bool:
        """Whether instance ``id`` exists; False also for an id the server finds malformed."""
        try:
            await self.get_instance(id)
        except (NotFoundError, InvalidArgumentError) as error:
            if _no_such_instance(error):
                return False
            raise
        return True

    async def stop_instance(
        self, id: str, reason: CancellationReason | None = None, message: str | None = None
    ) -> None:
        """Stops instance ``id``; FailedPreconditionError (InvalidStateSetting) when it is terminated."""
        await self._lazy(id).stop(reason=reason, message=message)

    async def get_logview_address(self, id: str, hours: int | None = None) -> str:
        """The URL of instance ``id``'s Logview page, granting read access for ``hours`` (default 720)."""
        return await self._lazy(id).get_logview_address(hours=hours)

    def list_instances(
        self,
        status: StatusFilter = None,
        owner: str | None = None,
        start_time: dt.datetime | float | None = None,
        end_time: dt.datetime | float | None = None,
        labels: Mapping[str, str] | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[AsyncInstance]:
        """The project's instances, newest first, a page at a time, with the sync client's filters."""
        request = list_instances_request(
            self._project,
            status=status,
            owner=owner,
            start_time=start_time,
            end_time=end_time,
            labels=labels,
            page_size=page_size,
        )
        return self._pages(request)

    async def _pages(
        self, request: instance_service_pb2.ListInstancesRequest
    ) -> AsyncIterator[AsyncInstance]:
        while True:
            response = await self._rpc.list_instances(request)
            for data in response.instances:
                yield self._handle(data.project or self._project, data.id, data, has_tasks=False)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token

    async def run_task(
        self,
        type: str,
        params: Mapping[str, Any] | None = None,
        name: str | None = None,
        **options: Unpack[SubmitOptionsDict],
    ) -> AsyncInstance:
        """Starts an instance of one task of ``type`` called with ``params``; returns without waiting."""
        return await self.create_instance([TaskSpec(type, params, name)], **options)

    async def execute_task(
        self,
        type: str,
        params: Mapping[str, Any] | None = None,
        name: str | None = None,
        *,
        timeout: float | None = None,
        **options: Unpack[SubmitOptionsDict],
    ) -> AsyncInstance:
        """As run_task, then waits for success (InstanceFailedError when the task does not succeed;
        WaitTimeoutError when ``timeout`` seconds pass first)."""
        request = create_request(self._project, [TaskSpec(type, params, name)], options)
        return await self._executed(request, timeout)

    async def run_sql(
        self,
        sql: str,
        datasource: str | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
        *,
        task_name: str | None = None,
    ) -> AsyncInstance:
        """As the sync ``Client.run_sql``: starts ``sql`` and returns without waiting."""
        request = sql_request(
            self._project, sql, datasource=datasource, hints=hints, priority=priority, task_name=task_name
        )
        return await self._created(request)

    async def execute_sql(
        self,
        sql: str,
        datasource: str | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
        *,
        task_name: str | None = None,
        timeout: float | None = None,
    ) -> AsyncInstance:
        """As run_sql, then waits for success (InstanceFailedError with the database's message;
        WaitTimeoutError when ``timeout`` seconds pass first)."""
        request = sql_request(
            self._project, sql, datasource=datasource, hints=hints, priority=priority, task_name=task_name
        )
        return await self._executed(request, timeout)

    async def run_xflow(
        self,
        xflow_name: str,
        xflow_project: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
    ) -> AsyncInstance:
        """As the sync ``Client.run_xflow``: starts a workflow and returns without waiting."""
        request = _xflow.xflow_request(self._project, xflow_name, xflow_project, parameters, hints, priority)
        return await self._created(request)

    async def execute_xflow(
        self,
        xflow_name: str,
        xflow_project: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
        *,
        timeout: float | None = None,
    ) -> AsyncInstance:
        """As run_xflow, then waits for success (InstanceFailedError when the workflow fails;
        WaitTimeoutError when ``timeout`` seconds pass first)."""
        request = _xflow.xflow_request(self._project, xflow_name, xflow_project, parameters, hints, priority)
        return await self._executed(request, timeout)

    async def get_xflow_sub_instances(self, instance: AsyncInstance | str) -> OrderedDict[str, AsyncInstance]:
        """As the sync ``Client.get_xflow_sub_instances``: the sub-instances so far, by name."""
        return await _aio_xflow.get_sub_instances(self, self._as_instance(instance))

    def iter_xflow_sub_instances(
        self, instance: AsyncInstance | str, check: bool = False
    ) -> AsyncIterator[tuple[str, AsyncInstance]]:
        """As the sync ``Client.iter_xflow_sub_instances``, as an async iterator."""
        return _aio_xflow.iter_sub_instances(self, self._as_instance(instance), check=check)

    def _as_instance(self, instance: AsyncInstance | str) -> AsyncInstance:
        return instance if isinstance(instance, AsyncInstance) else self._lazy(instance)

    async def create_instance(
        self, tasks: Iterable[TaskSpec], **options: Unpack[SubmitOptionsDict]
    ) -> AsyncInstance:
        """Starts an instance of several tasks, run in parallel; returns without waiting."""
        return await self._created(create_request(self._project, tasks, options))

    async def _created(self, request: instance_service_pb2.CreateInstanceRequest) -> AsyncInstance:
        data = await self._rpc.create_instance(request)
        return self._handle(data.project or self._project, data.id, data, has_tasks=True)

    async def _executed(
        self, request: instance_service_pb2.CreateInstanceRequest, timeout: float | None
    ) -> AsyncInstance:
        """As the sync ``Client._executed``: the create's own call does the first wait."""
        deadline = Deadline(timeout)
        data = (await self._rpc.create_and_wait(request, deadline.next_wait())).instance
        instance = self._handle(data.project or self._project, data.id, data, has_tasks=True)
        try:
            await instance.wait_for_success(timeout=deadline.remaining())
        except WaitTimeoutError:
            raise timeout_error([instance.id], timeout) from None
        return instance

    async def wait_instances(
        self, instances: Iterable[AsyncInstance | str], *, mode: str = "all", timeout: float | None = None
    ) -> list[AsyncInstance]:
        """Waits as the sync ``Client.wait_instances``: until all (``mode="all"``) or any (``"any"``)
        of ``instances`` are terminated; returns their refreshed handles in the order given, or raises
        WaitTimeoutError when ``timeout`` seconds pass first."""
        handles = [item if isinstance(item, AsyncInstance) else self._lazy(item) for item in instances]
        waiting = InstancesWait(handles, mode, timeout)
        if waiting.is_over():
            return handles
        while True:
            try:
                response = await self._rpc.wait_instances(waiting.names, mode, waiting.deadline.next_wait())
            except ApiError as error:
                if error.code is not grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise
                # the server did not answer within the wait plus its margin: ask again
            else:
                if waiting.absorb(response):
                    return handles
            waiting.check_deadline()

    # -- plumbing

    def _lazy(self, id: str) -> AsyncInstance:
        """The handle on ``id`` without fetching it."""
        project, instance_id = split_instance_ref(id, self._project)
        return self._handle(project, instance_id)

    def _handle(
        self,
        project: str,
        instance_id: str,
        data: instance_pb2.Instance | None = None,
        *,
        has_tasks: bool = False,
    ) -> AsyncInstance:
        key = instance_name(project, instance_id)
        instance = self._instances.get(key)
        if instance is None:
            instance = AsyncInstance(self, project, instance_id, data, has_tasks=has_tasks)
            self._instances[key] = instance
        elif data is not None:
            instance._absorb(data, has_tasks=has_tasks)
        return instance


def connect(
    target: str = DEFAULT_TARGET,
    *,
    project: str = "default",
    owner: str | None = None,
    token: str | None = None,
    tls: bool = False,
    root_certificates: Pem | None = None,
    client_certificate: Pem | None = None,
    client_key: Pem | None = None,
) -> AsyncClient:
    """An AsyncClient for the taskstream server at ``target`` (host:port), working in ``project``.

    ``token`` is sent as ``authorization: Bearer <token>`` (None: the ``TASKSTREAM_TOKEN`` environment
    variable, if set). ``tls`` (implied by any certificate) uses TLS, trusting ``root_certificates`` or
    the system's roots; ``client_certificate`` and ``client_key`` are for servers that require mutual
    TLS. Certificates and keys are PEM bytes or the paths of PEM files.

    Use it as ``async with taskstream.aio.connect(...) as client:``. Connecting is lazy: an
    unreachable server shows as UnavailableError on the first call.
    """
    return AsyncClient(
        target,
        project=project,
        owner=owner,
        token=token,
        tls=tls,
        root_certificates=root_certificates,
        client_certificate=client_certificate,
        client_key=client_key,
    )
