"""The Client (PyODPS's entry object) and connect(): InstanceService in one project, PyODPS's names."""

from __future__ import annotations

import datetime as dt
import getpass
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeAlias, Union, Unpack

import grpc

from taskstream._async import xflow
from taskstream._async._backend import close_channel, open_channel, sleep
from taskstream._async.instance import AsyncInstance
from taskstream._async.job import AsyncJob
from taskstream._async.rpc import _AsyncRpc
from taskstream._async.schedule import AsyncSchedule
from taskstream._channel import Pem, connection
from taskstream._convert import instance_name, split_instance_ref
from taskstream._events import Heartbeat
from taskstream._jobs import JobPriority
from taskstream._project_watch import (
    InstanceCreated,
    InstanceDeleted,
    InstanceStatusUpdated,
    ProjectSnapshot,
    ProjectWatchCursor,
    watch_instances_request,
)
from taskstream._requests import StatusFilter, list_instances_request
from taskstream._schedules import (
    OverlapPolicy,
    TemplateOptionsDict,
    create_schedule_request,
    schedule_name,
    split_schedule_ref,
)
from taskstream._specs import SubmitOptionsDict, TaskSpec, create_request
from taskstream._sql import drop_table_sql, sql_request
from taskstream._task_types import TaskType
from taskstream._waiting import Deadline, InstancesWait, timeout_error
from taskstream._xflow import xflow_request
from taskstream.errors import ApiError, InvalidArgumentError, NotFoundError, WaitTimeoutError
from taskstream.status import CancellationReason
from taskstream.v1 import instance_pb2, instance_service_pb2, schedule_service_pb2

DEFAULT_TARGET = "127.0.0.1:50051"


class AsyncClient:
    """A connection to a taskstream server, working in one project, with PyODPS's method names.

    Every call sends the ``x-taskstream-user`` metadata: ``owner``, or the local user name. Methods
    that take ``project`` work in that project instead of the client's. A result that is a pickled
    Python object reads as a ``PickledValue`` unless the client was made with ``unpickle=True`` (see
    ``taskstream.values``). Use it as a context manager, or call ``close()``.
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
        unpickle: bool = False,
    ):
        _check_project(project)
        self._target = target
        self._project = project
        self._owner = owner or _local_user()
        self._unpickle = unpickle
        how = connection(
            self._owner,
            token=token,
            tls=tls,
            root_certificates=root_certificates,
            client_certificate=client_certificate,
            client_key=client_key,
        )
        self._channel = open_channel(how, target)
        self._rpc = _AsyncRpc(self._channel, target, how.metadata)
        # One handle per instance while anyone holds it, as PyODPS caches get_instance per id.
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

    @property
    def unpickle(self) -> bool:
        """Whether results and exceptions that are pickles are unpickled (see ``taskstream.values``)."""
        return self._unpickle

    async def close(self) -> None:
        """Closes the channel, cancelling open streams; handles made by this client can no longer call
        the server."""
        self._rpc.closed = True
        await close_channel(self._channel)

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

    def get_instance(self, id: str, project: str | None = None) -> AsyncInstance:
        """The handle on instance ``id`` (a bare id, in ``project`` or the client's, or a full name
        ``projects/{p}/instances/{id}``); calls nothing: a missing instance shows on first use."""
        project, instance_id = split_instance_ref(id, self._in(project))
        return self._handle(project, instance_id)

    async def exist_instance(self, id: str, project: str | None = None) -> bool:
        """Whether instance ``id`` exists."""
        try:
            await self.get_instance(id, project).reload()
        except (NotFoundError, InvalidArgumentError) as error:
            if _no_such_instance(error):
                return False
            raise
        return True

    async def stop_instance(
        self,
        id: str,
        reason: CancellationReason | None = None,
        message: str | None = None,
        *,
        project: str | None = None,
    ) -> None:
        """Stops instance ``id``; FailedPreconditionError (InvalidStateSetting) when it is terminated."""
        await self.get_instance(id, project).stop(reason=reason, message=message)

    async def delete_instance(self, id: str, *, project: str | None = None) -> None:
        """Deletes terminated instance ``id`` (see ``Instance.delete``)."""
        await self.get_instance(id, project).delete()

    async def get_logview_address(
        self, id: str, hours: int | None = None, *, project: str | None = None
    ) -> str:
        """The URL of instance ``id``'s Logview page, granting read access for ``hours`` (default 720)."""
        return await self.get_instance(id, project).get_logview_address(hours=hours)

    def list_instances(
        self,
        project: str | None = None,
        start_time: dt.datetime | float | None = None,
        end_time: dt.datetime | float | None = None,
        status: StatusFilter = None,
        only_owner: bool | None = None,
        *,
        from_time: dt.datetime | float | None = None,
        owner: str | None = None,
        labels: Mapping[str, str] | None = None,
        page_size: int = 100,
        successful: bool | None = None,
        sub_instances: bool = True,
    ) -> AsyncIterator[AsyncInstance]:
        """The instances of ``project`` (default: the client's), newest first, fetched a page at a time
        as the iterator advances; PyODPS's arguments.

        ``start_time`` (or PyODPS's older ``from_time``) / ``end_time`` keep those created at or after /
        before a time (a datetime, naive meaning local time, or POSIX seconds); ``status`` those in
        that status (or any of several); ``only_owner`` those created by this client's ``owner``
        (``owner`` names another user); ``labels`` those carrying every given label; ``successful``
        True / False only the terminated ones that succeeded / did not; ``sub_instances=False`` leaves
        out the sub-instances workflows started.
        """
        if from_time is not None:
            if start_time is not None:
                raise ValueError("give start_time or from_time (its older name), not both")
            start_time = from_time
        if only_owner:
            if owner is not None and owner != self._owner:
                raise ValueError("only_owner lists this client's owner's instances; owner names another")
            owner = self._owner
        request = list_instances_request(
            self._in(project),
            status=status,
            owner=owner,
            start_time=start_time,
            end_time=end_time,
            labels=labels,
            page_size=page_size,
            successful=successful,
            sub_instances=sub_instances,
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

    def watch_instances(
        self,
        project: str | None = None,
        *,
        status: StatusFilter = None,
        owner: str | None = None,
        labels: Mapping[str, str] | None = None,
        task_types: Iterable[str] | None = None,
        start_time: dt.datetime | float | None = None,
        end_time: dt.datetime | float | None = None,
        after_seq: int = 0,
        snapshot_limit: int = 0,
        heartbeats: bool = False,
    ) -> AsyncIterator[AsyncProjectEvent]:
        """Follows every instance of ``project`` (default: the client's), as a Kubernetes watch follows a
        collection: yields a ``ProjectSnapshot`` of the instances that match (newest first, at most
        ``snapshot_limit``, 0 meaning the server's 1000), then ``InstanceCreated``,
        ``InstanceStatusUpdated`` and ``InstanceDeleted`` for each change of a matching instance, in the
        project's order. It never ends by itself: leave the loop (or close the iterator) to stop.

        Filters as ``list_instances``: ``status`` (an instance leaving these statuses is still reported,
        so you see it go), ``owner``, ``labels``, ``start_time`` / ``end_time`` of creation, and
        ``task_types`` (instances with a task of one of these types). ``heartbeats`` yields the server's
        ``Heartbeat`` while nothing changes. ``after_seq`` resumes after the ``seq`` of the last event
        seen (a heartbeat's seq counts too): exactly the changes missed follow, or a new snapshot when
        the server no longer keeps them. A dropped stream resumes by itself the same way; after 8
        failed tries in a row the last ApiError is raised.
        """
        request = watch_instances_request(
            self._in(project),
            status=status,
            owner=owner,
            labels=labels,
            task_types=task_types,
            start_time=start_time,
            end_time=end_time,
            snapshot_limit=snapshot_limit,
        )
        cursor = ProjectWatchCursor(
            request,
            lambda data: self._handle(data.project or self._in(project), data.id, data, has_tasks=False),
            after_seq=after_seq,
            heartbeats=heartbeats,
            target=self._rpc.target,
        )
        return self._follow_project(cursor)

    async def _follow_project(
        self, cursor: ProjectWatchCursor[AsyncInstance]
    ) -> AsyncIterator[AsyncProjectEvent]:
        while True:
            try:
                async with self._rpc.watch_instances(cursor.request()) as responses:
                    async for response in responses:
                        event = cursor.receive(response)
                        if event is not None:
                            yield event
                raise cursor.ended_early()
            except ApiError as error:
                delay = cursor.retry_after(error)
            await sleep(delay)

    async def wait_instances(
        self, instances: Iterable[AsyncInstance | str], *, mode: str = "all", timeout: float | None = None
    ) -> list[AsyncInstance]:
        """Waits until every one (``mode="all"``) or any one (``mode="any"``) of ``instances`` is
        terminated; returns their handles, refreshed, in the order given.

        ``instances`` are handles or ids / names. The server holds each WaitInstances call until the
        condition is met, so nothing polls. Returns at once, without a call, when the handles already
        show the condition met (terminated is final). Raises WaitTimeoutError when ``timeout`` seconds
        pass first; its ``instance_id`` lists the ids still running, comma-separated.
        """
        handles = [self._as_instance(item) for item in instances]
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

    # -- running tasks

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

    async def create_instance(
        self, tasks: Iterable[TaskSpec], **options: Unpack[SubmitOptionsDict]
    ) -> AsyncInstance:
        """Starts an instance of several tasks, run in parallel; returns without waiting."""
        return await self._created(create_request(self._project, tasks, options))

    async def list_task_types(self) -> list[TaskType]:
        """The task types the connected workers offer, by name, with how many workers offer each."""
        response = await self._rpc.list_task_types()
        return [TaskType.from_proto(item) for item in response.task_types]

    # -- SQL

    async def run_sql(
        self,
        sql: str,
        project: str | None = None,
        priority: int | None = None,
        running_cluster: str | None = None,
        hints: Mapping[str, str] | None = None,
        *,
        datasource: str | None = None,
        task_name: str | None = None,
        unique_identifier_id: str | None = None,
    ) -> AsyncInstance:
        """Starts ``sql`` in ``project`` (default: the client's) on a data source (None: the server's
        default); returns without waiting. PyODPS's arguments: ``running_cluster`` is accepted and
        changes nothing (a server has one pool of workers); ``unique_identifier_id`` makes a retry
        return the first instance instead of starting another.

        The task is named ``AnonymousSQLTask`` unless ``task_name`` is given; a select's result is CSV.
        """
        del running_cluster
        request = sql_request(
            self._in(project),
            sql,
            datasource=datasource,
            hints=hints,
            priority=priority,
            task_name=task_name,
            request_id=unique_identifier_id,
        )
        return await self._created(request)

    async def execute_sql(
        self,
        sql: str,
        project: str | None = None,
        priority: int | None = None,
        running_cluster: str | None = None,
        hints: Mapping[str, str] | None = None,
        *,
        datasource: str | None = None,
        task_name: str | None = None,
        unique_identifier_id: str | None = None,
        timeout: float | None = None,
    ) -> AsyncInstance:
        """As run_sql, then waits for success (InstanceFailedError with the database's message;
        WaitTimeoutError when ``timeout`` seconds pass first)."""
        del running_cluster
        request = sql_request(
            self._in(project),
            sql,
            datasource=datasource,
            hints=hints,
            priority=priority,
            task_name=task_name,
            request_id=unique_identifier_id,
        )
        return await self._executed(request, timeout)

    async def delete_table(
        self,
        name: str,
        project: str | None = None,
        if_exists: bool = False,
        schema: str | None = None,
        hints: Mapping[str, str] | None = None,
        async_: bool = False,
        *,
        datasource: str | None = None,
    ) -> AsyncInstance:
        """Drops table ``name`` (of ``schema``), as PyODPS does: one SQL task named
        ``SQLDropTableTask``; waits for its success unless ``async_``. Returns the instance."""
        request = sql_request(
            self._in(project),
            drop_table_sql(name, if_exists=if_exists, schema=schema),
            datasource=datasource,
            hints=hints,
            priority=None,
            task_name="SQLDropTableTask",
            request_id=None,
        )
        if async_:
            return await self._created(request)
        return await self._executed(request, None)

    # -- XFlow workflows

    async def run_xflow(
        self,
        xflow_name: str,
        xflow_project: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
    ) -> AsyncInstance:
        """Starts workflow ``xflow_name`` of ``xflow_project`` (default: this client's project) with
        ``parameters``; returns without waiting. ``hints`` are recorded as the instance's labels."""
        request = xflow_request(self._project, xflow_name, xflow_project, parameters, hints, priority)
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
        request = xflow_request(self._project, xflow_name, xflow_project, parameters, hints, priority)
        return await self._executed(request, timeout)

    async def get_xflow_sub_instances(self, instance: AsyncInstance | str) -> OrderedDict[str, AsyncInstance]:
        """The workflow's sub-instances so far, by name in creation order; nested workflows contribute
        their own sub-instances instead of themselves."""
        return await xflow.get_sub_instances(self, self._as_instance(instance))

    def iter_xflow_sub_instances(
        self, instance: AsyncInstance | str, check: bool = False
    ) -> AsyncIterator[tuple[str, AsyncInstance]]:
        """Yields ``(name, sub_instance)`` for every sub-instance, those already started first, then each
        as it appears (from the workflow's watch stream), until the workflow ends; with ``check`` it then
        raises InstanceFailedError unless the workflow succeeded."""
        return xflow.iter_sub_instances(self, self._as_instance(instance), check=check)

    # -- schedules

    async def create_schedule(
        self,
        id: str,
        *,
        tasks: Iterable[TaskSpec],
        cron: str | None = None,
        interval: float | None = None,
        time_zone: str | None = None,
        overlap: OverlapPolicy | str = OverlapPolicy.SKIP,
        catch_up_window: float | None = None,
        paused: bool = False,
        request_id: str | None = None,
        project: str | None = None,
        **options: Unpack[TemplateOptionsDict],
    ) -> AsyncSchedule:
        """Creates schedule ``id`` (1 to 63 of a-z 0-9 and ``-``, a letter first) in ``project`` (default:
        the client's): an instance of ``tasks`` starts at the times of ``cron`` (five fields, read in
        ``time_zone``, default UTC) or every ``interval`` seconds, with the instance ``options`` of
        ``create_instance`` (``priority``, ``labels``, ``retry`` …). Each instance runs as this client's
        owner and carries the labels ``taskstream.schedule`` and ``taskstream.fire_time``.

        ``overlap`` says what a firing does while an earlier instance still runs: ``"skip"`` (start
        nothing), ``"allow"`` or ``"cancel_previous"``. After the server was away, fire times up to
        ``catch_up_window`` seconds old (default one hour) still fire. ``paused`` creates it paused. A
        retry with the same ``request_id`` returns the first schedule instead of AlreadyExistsError.
        """
        request = create_schedule_request(
            self._in(project),
            id,
            tasks,
            cron=cron,
            interval=interval,
            time_zone=time_zone,
            overlap=overlap,
            catch_up_window=catch_up_window,
            paused=paused,
            request_id=request_id,
            options=options,
        )
        return AsyncSchedule(self, await self._rpc.create_schedule(request))

    async def get_schedule(self, id: str, project: str | None = None) -> AsyncSchedule:
        """Schedule ``id`` (a bare id, or ``projects/{p}/schedules/{id}``) as it is now; NotFoundError
        when there is none."""
        project, schedule_id = split_schedule_ref(id, self._in(project))
        return AsyncSchedule(self, await self._rpc.get_schedule(schedule_name(project, schedule_id)))

    def list_schedules(
        self, project: str | None = None, *, page_size: int = 100
    ) -> AsyncIterator[AsyncSchedule]:
        """The schedules of ``project`` (default: the client's) by id, a page at a time as the iterator
        advances."""
        request = schedule_service_pb2.ListSchedulesRequest(
            parent=f"projects/{self._in(project)}", page_size=page_size
        )
        return self._schedule_pages(request)

    async def _schedule_pages(
        self, request: schedule_service_pb2.ListSchedulesRequest
    ) -> AsyncIterator[AsyncSchedule]:
        while True:
            response = await self._rpc.list_schedules(request)
            for data in response.schedules:
                yield AsyncSchedule(self, data)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token

    # -- STK jobs

    def create_job(
        self,
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
    ) -> AsyncJob:
        """A new STK-style job: add objects with execute() to it, then submit() it. Its own tasks'
        results are unpickled unless ``unpickle=False`` (see ``Job``)."""
        return AsyncJob(
            self,
            name,
            cancel_on_task_failure=cancel_on_task_failure,
            priority=priority,
            max_interrupted_retries=max_interrupted_retries,
            task_timeout=task_timeout,
            labels=labels,
            unpickle=unpickle,
            cancel_on_client_disconnection=cancel_on_client_disconnection,
            client_disconnect_grace=client_disconnect_grace,
        )

    # -- plumbing

    def _in(self, project: str | None) -> str:
        if project is None:
            return self._project
        _check_project(project)
        return project

    def _as_instance(self, instance: AsyncInstance | str) -> AsyncInstance:
        return instance if isinstance(instance, AsyncInstance) else self.get_instance(instance)

    async def _created(self, request: instance_service_pb2.CreateInstanceRequest) -> AsyncInstance:
        data = await self._rpc.create_instance(request)
        return self._handle(data.project or self._project, data.id, data, has_tasks=True)

    async def _executed(
        self, request: instance_service_pb2.CreateInstanceRequest, timeout: float | None
    ) -> AsyncInstance:
        """Creates the instance and waits for its success. The create's own call does the first wait, so
        an instance that ends within it costs one round trip."""
        deadline = Deadline(timeout)
        data = (await self._rpc.create_and_wait(request, deadline.next_wait())).instance
        instance = self._handle(data.project or self._project, data.id, data, has_tasks=True)
        try:
            await instance.wait_for_success(timeout=deadline.remaining())
        except WaitTimeoutError:
            raise timeout_error([instance.id], timeout) from None  # the caller's timeout, not what was left
        return instance

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
    unpickle: bool = False,
) -> AsyncClient:
    """A client for the taskstream server at ``target`` (host:port), working in ``project``.

    ``token`` is sent as ``authorization: Bearer <token>`` (None: the ``TASKSTREAM_TOKEN`` environment
    variable, if set). ``tls`` (implied by any certificate) uses TLS, trusting ``root_certificates`` or
    the system's roots; ``client_certificate`` and ``client_key`` are for servers that require mutual
    TLS. Certificates and keys are PEM bytes or the paths of PEM files.

    ``unpickle=True`` unpickles results and task exceptions that are pickles, which runs code chosen
    by whoever produced them (a worker, or with authentication off anyone): only for servers and
    workers you trust. By default they read as ``PickledValue`` and ``RemoteTaskError``.

    Connecting is lazy: an unreachable server shows as UnavailableError on the first call.
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
        unpickle=unpickle,
    )


def _check_project(project: str) -> None:
    if not project or "/" in project:
        raise ValueError(f"not a project name: {project!r}")


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "anonymous"


def _no_such_instance(error: ApiError) -> bool:
    """Whether an error of GetInstance means the instance does not exist (exist_instance is False)."""
    if isinstance(error, NotFoundError):
        return True
    # An id the server rejects as a malformed name: no instance can have it.
    violations = error.field_violations if isinstance(error, InvalidArgumentError) else ()
    return bool(violations) and all(v.field == "name" for v in violations)


AsyncProjectEvent: TypeAlias = Union[  # noqa: UP007 (a runtime alias)
    ProjectSnapshot[AsyncInstance],
    InstanceCreated[AsyncInstance],
    InstanceStatusUpdated[AsyncInstance],
    InstanceDeleted,
    Heartbeat,
]
"""What ``AsyncClient.watch_instances()`` yields."""
