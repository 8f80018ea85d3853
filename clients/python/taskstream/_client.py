"""The Client (PyODPS's entry object) and connect(), over a sync gRPC channel to InstanceService."""

from __future__ import annotations

import datetime as dt
import getpass
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Unpack

import grpc

from taskstream import _xflow
from taskstream._channel import Pem, connection
from taskstream._convert import instance_name, split_instance_ref
from taskstream._instance import Instance
from taskstream._job import Job
from taskstream._requests import StatusFilter, list_instances_request
from taskstream._rpc import _Rpc
from taskstream._specs import SubmitOptionsDict, TaskSpec, create_request
from taskstream._sql import sql_request
from taskstream._status import CancellationReason
from taskstream._waiting import Deadline, InstancesWait, timeout_error
from taskstream.errors import ApiError, InvalidArgumentError, NotFoundError, WaitTimeoutError
from taskstream.v1 import instance_pb2, instance_service_pb2

DEFAULT_TARGET = "127.0.0.1:50051"
# A task result may be as large as the server accepts from a worker (64 MiB), beyond gRPC's default 4 MiB.


class Client:
    """A connection to a taskstream server, working in one project, with PyODPS's method names.

    Every call sends the ``x-taskstream-user`` metadata: ``owner``, or the local user name.
    Use it as a context manager, or call ``close()``.
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
        self._channel = how.channel(target)
        self._rpc = _Rpc(self._channel, target, how.metadata)
        # One handle per instance while anyone holds it, as PyODPS caches get_instance per id.
        self._instances: weakref.WeakValueDictionary[str, Instance] = weakref.WeakValueDictionary()

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

    def close(self) -> None:
        """Closes the channel; handles made by this client can no longer call the server."""
        self._rpc.closed = True
        self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Client {self._target} project={self._project}>"

    # -- instances

    def get_instance(self, id: str) -> Instance:
        """The handle on instance ``id`` (a bare id or ``projects/{p}/instances/{id}``); calls nothing."""
        project, instance_id = split_instance_ref(id, self._project)
        return self._handle(project, instance_id)

    def exist_instance(self, id: str) -> bool:
        """Whether instance ``id`` exists; False also for an id the server finds malformed."""
        instance = self.get_instance(id)
        try:
            instance.reload()
        except (NotFoundError, InvalidArgumentError) as error:
            if _no_such_instance(error):
                return False
            raise
        return True

    def stop_instance(
        self, id: str, reason: CancellationReason | None = None, message: str | None = None
    ) -> None:
        """Stops instance ``id``; FailedPreconditionError (InvalidStateSetting) when it is terminated."""
        self.get_instance(id).stop(reason=reason, message=message)

    def get_logview_address(self, id: str, hours: int | None = None) -> str:
        """The URL of instance ``id``'s Logview page, granting read access for ``hours`` (default 720)."""
        return self.get_instance(id).get_logview_address(hours=hours)

    def list_instances(
        self,
        status: StatusFilter = None,
        owner: str | None = None,
        start_time: dt.datetime | float | None = None,
        end_time: dt.datetime | float | None = None,
        labels: Mapping[str, str] | None = None,
        page_size: int = 100,
    ) -> Iterator[Instance]:
        """The project's instances, newest first, fetched a page at a time as the iterator advances.

        ``status`` keeps instances in that status (or any of several); ``owner`` those created by that
        user; ``start_time`` / ``end_time`` those created at or after / before a time (a datetime,
        naive meaning local time, or POSIX seconds); ``labels`` those carrying every given label.
        """
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

    def wait_instances(
        self, instances: Iterable[Instance | str], *, mode: str = "all", timeout: float | None = None
    ) -> list[Instance]:
        """Waits until every one (``mode="all"``) or any one (``mode="any"``) of ``instances`` is
        terminated; returns their handles, refreshed, in the order given.

        ``instances`` are handles or ids / names. The server holds each WaitInstances call until the
        condition is met, so nothing polls. Returns at once, without a call, when the handles already
        show the condition met (terminated is final). Raises WaitTimeoutError when ``timeout`` seconds
        pass first; its ``instance_id`` lists the ids still running, comma-separated.
        """
        handles = [item if isinstance(item, Instance) else self.get_instance(item) for item in instances]
        waiting = InstancesWait(handles, mode, timeout)
        if waiting.is_over():
            return handles
        while True:
            try:
                response = self._rpc.wait_instances(waiting.names, mode, waiting.deadline.next_wait())
            except ApiError as error:
                if error.code is not grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise
                # the server did not answer within the wait plus its margin: ask again
            else:
                if waiting.absorb(response):
                    return handles
            waiting.check_deadline()

    def _pages(self, request: instance_service_pb2.ListInstancesRequest) -> Iterator[Instance]:
        while True:
            response = self._rpc.list_instances(request)
            for data in response.instances:
                yield self._handle(data.project or self._project, data.id, data, has_tasks=False)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token

    def run_task(
        self,
        type: str,
        params: Mapping[str, Any] | None = None,
        name: str | None = None,
        **options: Unpack[SubmitOptionsDict],
    ) -> Instance:
        """Starts an instance of one task of ``type`` called with ``params``; returns without waiting."""
        return self.create_instance([TaskSpec(type, params, name)], **options)

    def execute_task(
        self,
        type: str,
        params: Mapping[str, Any] | None = None,
        name: str | None = None,
        *,
        timeout: float | None = None,
        **options: Unpack[SubmitOptionsDict],
    ) -> Instance:
        """As run_task, then waits for success (InstanceFailedError when the task does not succeed;
        WaitTimeoutError when ``timeout`` seconds pass first)."""
        request = create_request(self._project, [TaskSpec(type, params, name)], options)
        return self._executed(request, timeout)

    def run_sql(
        self,
        sql: str,
        datasource: str | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
        *,
        task_name: str | None = None,
    ) -> Instance:
        """Starts ``sql`` on a data source (None: the server's default); returns without waiting.

        The task is named ``AnonymousSQLTask`` unless ``task_name`` is given; a select's result is CSV.
        """
        request = sql_request(
            self._project, sql, datasource=datasource, hints=hints, priority=priority, task_name=task_name
        )
        return self._created(request)

    def execute_sql(
        self,
        sql: str,
        datasource: str | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
        *,
        task_name: str | None = None,
        timeout: float | None = None,
    ) -> Instance:
        """As run_sql, then waits for success (InstanceFailedError with the database's message;
        WaitTimeoutError when ``timeout`` seconds pass first)."""
        request = sql_request(
            self._project, sql, datasource=datasource, hints=hints, priority=priority, task_name=task_name
        )
        return self._executed(request, timeout)

    # -- XFlow workflows

    def run_xflow(
        self,
        xflow_name: str,
        xflow_project: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
    ) -> Instance:
        """Starts workflow ``xflow_name`` of ``xflow_project`` (default: this client's project) with
        ``parameters``; returns without waiting. ``hints`` are recorded as the instance's labels."""
        request = _xflow.xflow_request(self._project, xflow_name, xflow_project, parameters, hints, priority)
        return self._created(request)

    def execute_xflow(
        self,
        xflow_name: str,
        xflow_project: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        hints: Mapping[str, str] | None = None,
        priority: int | None = None,
        *,
        timeout: float | None = None,
    ) -> Instance:
        """As run_xflow, then waits for success (InstanceFailedError when the workflow fails;
        WaitTimeoutError when ``timeout`` seconds pass first)."""
        request = _xflow.xflow_request(self._project, xflow_name, xflow_project, parameters, hints, priority)
        return self._executed(request, timeout)

    def get_xflow_sub_instances(self, instance: Instance | str) -> OrderedDict[str, Instance]:
        """The workflow's sub-instances so far, by name in creation order; nested workflows contribute
        their own sub-instances instead of themselves."""
        return _xflow.get_sub_instances(self, self._as_instance(instance))

    def iter_xflow_sub_instances(
        self, instance: Instance | str, check: bool = False
    ) -> Iterator[tuple[str, Instance]]:
        """Yields ``(name, sub_instance)`` for every sub-instance, those already started first, then each
        as it appears (from the workflow's watch stream), until the workflow ends; with ``check`` it then
        raises InstanceFailedError unless the workflow succeeded."""
        return _xflow.iter_sub_instances(self, self._as_instance(instance), check=check)

    def _as_instance(self, instance: Instance | str) -> Instance:
        return instance if isinstance(instance, Instance) else self.get_instance(instance)

    def create_instance(self, tasks: Iterable[TaskSpec], **options: Unpack[SubmitOptionsDict]) -> Instance:
        """Starts an instance of several tasks, run in parallel; returns without waiting."""
        return self._created(create_request(self._project, tasks, options))

    def _created(self, request: instance_service_pb2.CreateInstanceRequest) -> Instance:
        data = self._rpc.create_instance(request)
        return self._handle(data.project or self._project, data.id, data, has_tasks=True)

    def _executed(
        self, request: instance_service_pb2.CreateInstanceRequest, timeout: float | None
    ) -> Instance:
        """Creates the instance and waits for its success. The create's own call does the first wait, so
        an instance that ends within it costs one round trip."""
        deadline = Deadline(timeout)
        data = self._rpc.create_and_wait(request, deadline.next_wait()).instance
        instance = self._handle(data.project or self._project, data.id, data, has_tasks=True)
        try:
            instance.wait_for_success(timeout=deadline.remaining())
        except WaitTimeoutError:
            raise timeout_error([instance.id], timeout) from None  # the caller's timeout, not what was left
        return instance

    # -- STK jobs

    def create_job(
        self,
        name: str | None = None,
        *,
        cancel_on_task_failure: bool = False,
        priority: int | None = None,
        max_interrupted_retries: int | None = None,
        task_timeout: float | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Job:
        """A new STK-style job: add objects with execute() to it, then submit() it."""
        return Job(
            self,
            name,
            cancel_on_task_failure=cancel_on_task_failure,
            priority=priority,
            max_interrupted_retries=max_interrupted_retries,
            task_timeout=task_timeout,
            labels=labels,
        )

    # -- plumbing

    def _handle(
        self,
        project: str,
        instance_id: str,
        data: instance_pb2.Instance | None = None,
        *,
        has_tasks: bool = False,
    ) -> Instance:
        key = instance_name(project, instance_id)
        instance = self._instances.get(key)
        if instance is None:
            instance = Instance(self, project, instance_id, data, has_tasks=has_tasks)
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
) -> Client:
    """A Client for the taskstream server at ``target`` (host:port), working in ``project``.

    ``token`` is sent as ``authorization: Bearer <token>`` (None: the ``TASKSTREAM_TOKEN`` environment
    variable, if set). ``tls`` (implied by any certificate) uses TLS, trusting ``root_certificates`` or
    the system's roots; ``client_certificate`` and ``client_key`` are for servers that require mutual
    TLS. Certificates and keys are PEM bytes or the paths of PEM files.

    Connecting is lazy: an unreachable server shows as UnavailableError on the first call.
    """
    return Client(
        target,
        project=project,
        owner=owner,
        token=token,
        tls=tls,
        root_certificates=root_certificates,
        client_certificate=client_certificate,
        client_key=client_key,
    )


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
