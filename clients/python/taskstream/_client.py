"""The Client (PyODPS's entry object) and connect(), over a sync gRPC channel to InstanceService."""

from __future__ import annotations

import datetime as dt
import getpass
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Unpack

import grpc

from taskstream._convert import (
    instance_name,
    project_name,
    split_instance_ref,
    to_duration,
    to_timestamp,
)
from taskstream._instance import Instance
from taskstream._job import Job
from taskstream._specs import SubmitOptions, SubmitOptionsDict, TaskSpec
from taskstream._status import CancellationReason, InstanceStatus
from taskstream.errors import InvalidArgumentError, NotFoundError, _from_rpc_error
from taskstream.v1 import instance_pb2, instance_service_pb2, instance_service_pb2_grpc, task_pb2

DEFAULT_TARGET = "127.0.0.1:50051"
USER_METADATA_KEY = "x-taskstream-user"
# Deadline of every unary call except WaitInstance, whose deadline is its wait plus _WAIT_MARGIN.
_CALL_TIMEOUT = 60.0
_WAIT_MARGIN = 30.0


class _Rpc:
    """Typed calls to InstanceService that send the caller's metadata and raise taskstream errors."""

    def __init__(self, channel: grpc.Channel, target: str, user: str) -> None:
        stub_class: Any = instance_service_pb2_grpc.InstanceServiceStub  # generated code is untyped
        self._stub = stub_class(channel)
        self._target = target
        self._metadata = ((USER_METADATA_KEY, user),)
        self.closed = False

    def _call(self, method: Callable[..., Any], request: Any, timeout: float = _CALL_TIMEOUT) -> Any:
        if self.closed:
            raise RuntimeError(f"the taskstream client for {self._target} is closed")
        try:
            return method(request, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise _from_rpc_error(error, self._target) from error

    def create_instance(self, request: instance_service_pb2.CreateInstanceRequest) -> instance_pb2.Instance:
        response: instance_service_pb2.CreateInstanceResponse = self._call(self._stub.CreateInstance, request)
        return response.instance

    def get_instance(self, name: str) -> instance_pb2.Instance:
        request = instance_service_pb2.GetInstanceRequest(name=name)
        response: instance_service_pb2.GetInstanceResponse = self._call(self._stub.GetInstance, request)
        return response.instance

    def list_instances(
        self, request: instance_service_pb2.ListInstancesRequest
    ) -> instance_service_pb2.ListInstancesResponse:
        response: instance_service_pb2.ListInstancesResponse = self._call(self._stub.ListInstances, request)
        return response

    def stop_instance(
        self,
        name: str,
        *,
        reason: CancellationReason | None,
        message: str | None,
        grace_period: float | None,
        request_id: str | None,
    ) -> instance_pb2.Instance:
        request = instance_service_pb2.StopInstanceRequest(
            name=name,
            reason=task_pb2.CancellationReason.Name(reason.to_proto() if reason is not None else 0),
            message=message or "",
            request_id=request_id or "",
        )
        if grace_period is not None:
            request.grace_period.CopyFrom(to_duration(grace_period))
        response: instance_service_pb2.StopInstanceResponse = self._call(self._stub.StopInstance, request)
        return response.instance

    def suspend_instance(self, name: str) -> instance_pb2.Instance:
        request = instance_service_pb2.SuspendInstanceRequest(name=name)
        response: instance_service_pb2.SuspendInstanceResponse = self._call(
            self._stub.SuspendInstance, request
        )
        return response.instance

    def resume_instance(self, name: str) -> instance_pb2.Instance:
        request = instance_service_pb2.ResumeInstanceRequest(name=name)
        response: instance_service_pb2.ResumeInstanceResponse = self._call(self._stub.ResumeInstance, request)
        return response.instance

    def wait_instance(self, name: str, wait: float) -> instance_service_pb2.WaitInstanceResponse:
        """One long poll: the server answers when the instance ends or after ``wait`` seconds."""
        request = instance_service_pb2.WaitInstanceRequest(name=name, timeout=to_duration(wait))
        response: instance_service_pb2.WaitInstanceResponse = self._call(
            self._stub.WaitInstance, request, timeout=wait + _WAIT_MARGIN
        )
        return response

    def get_task_result(self, instance: str, task: str) -> instance_service_pb2.GetTaskResultResponse:
        request = instance_service_pb2.GetTaskResultRequest(instance=instance, task=task)
        response: instance_service_pb2.GetTaskResultResponse = self._call(self._stub.GetTaskResult, request)
        return response


class Client:
    """A connection to a taskstream server, working in one project, with PyODPS's method names.

    Every call sends the ``x-taskstream-user`` metadata: ``owner``, or the local user name.
    Use it as a context manager, or call ``close()``.
    """

    def __init__(self, target: str = DEFAULT_TARGET, *, project: str = "default", owner: str | None = None):
        if not project or "/" in project:
            raise ValueError(f"not a project name: {project!r}")
        self._target = target
        self._project = project
        self._owner = owner or _local_user()
        self._channel = grpc.insecure_channel(target)
        self._rpc = _Rpc(self._channel, target, self._owner)
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
        except NotFoundError:
            return False
        except InvalidArgumentError as error:
            if error.field_violations and all(v.field == "name" for v in error.field_violations):
                return False  # no instance can have that name
            raise
        return True

    def stop_instance(
        self, id: str, reason: CancellationReason | None = None, message: str | None = None
    ) -> None:
        """Stops instance ``id``; FailedPreconditionError (InvalidStateSetting) when it is terminated."""
        self.get_instance(id).stop(reason=reason, message=message)

    def list_instances(
        self,
        status: InstanceStatus | str | Iterable[InstanceStatus | str] | None = None,
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
        if page_size <= 0:
            raise ValueError(f"page_size must be positive, not {page_size}")
        request = instance_service_pb2.ListInstancesRequest(
            parent=project_name(self._project),
            page_size=page_size,
            statuses=[_as_status(s).to_proto() for s in _as_statuses(status)],
            owner=owner or "",
            labels=dict(labels or {}),
        )
        if start_time is not None:
            request.create_time_start.CopyFrom(to_timestamp(start_time))
        if end_time is not None:
            request.create_time_end.CopyFrom(to_timestamp(end_time))
        return self._pages(request)

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
        **options: Unpack[SubmitOptionsDict],
    ) -> Instance:
        """As run_task, then waits for success (InstanceFailedError when the task does not succeed)."""
        instance = self.run_task(type, params, name, **options)
        instance.wait_for_success()
        return instance

    def create_instance(self, tasks: Iterable[TaskSpec], **options: Unpack[SubmitOptionsDict]) -> Instance:
        """Starts an instance of several tasks, run in parallel; returns without waiting."""
        specs = [task.to_proto() for task in tasks]
        if not specs:
            raise ValueError("an instance needs at least one task")
        request = SubmitOptions(**options).create_request(project_name(self._project), specs)
        return self._created(request)

    def _created(self, request: instance_service_pb2.CreateInstanceRequest) -> Instance:
        data = self._rpc.create_instance(request)
        return self._handle(data.project or self._project, data.id, data, has_tasks=True)

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


def connect(target: str = DEFAULT_TARGET, *, project: str = "default", owner: str | None = None) -> Client:
    """A Client for the taskstream server at ``target`` (host:port), working in ``project``.

    Connecting is lazy: an unreachable server shows as UnavailableError on the first call.
    """
    return Client(target, project=project, owner=owner)


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "anonymous"


def _as_statuses(
    status: InstanceStatus | str | Iterable[InstanceStatus | str] | None,
) -> list[InstanceStatus | str]:
    if status is None:
        return []
    if isinstance(status, InstanceStatus | str):
        return [status]
    return list(status)


def _as_status(status: InstanceStatus | str) -> InstanceStatus:
    if isinstance(status, InstanceStatus):
        return status
    for member in InstanceStatus:  # "Running", "RUNNING" and "running" all mean RUNNING
        if status.lower() in (member.value.lower(), member.name.lower()):
            return member
    raise ValueError(f"not an instance status: {status!r}")
