"""A small in-memory InstanceService served over real gRPC on 127.0.0.1:0, for the client's unit tests.

Other test_client_* modules import ``serve`` and the builders from here; the tests at the bottom check
the fake itself and the client's call metadata.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
from google.protobuf.message import Message

from taskstream._sync.client import Client, connect
from taskstream.v1 import instance_pb2, instance_service_pb2, instance_service_pb2_grpc, task_pb2
from tests.unit.client_fake_streams import StreamingFake, abort

PROJECT = "default"
USER = "alice"


class FakeInstanceService(StreamingFake, instance_service_pb2_grpc.InstanceServiceServicer):
    """Keeps instances in memory; records every request and the user each call carried.

    The streaming RPCs and WaitInstances come from ``StreamingFake`` (client_fake_streams.py).

    ``errors[method] = (code, message, details)`` makes the next call of that method fail once.
    ``on_wait(instance)`` runs at the start of every WaitInstance call and may change the instance.
    WaitInstance waits (on a condition, not a sleep loop) up to the requested timeout but at most
    ``max_hold`` seconds, then answers with the current state as a real server's timed-out wait does.
    With ``waits_in_create``, a CreateInstance with a wait_timeout waits the same way before answering
    (``on_wait`` included); without it the fake answers at once, as a server predating wait_timeout.
    """

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.instances: dict[str, instance_pb2.Instance] = {}
        self.outputs: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[tuple[str, Message]] = []
        self.users: list[str | None] = []
        self.errors: dict[str, tuple[grpc.StatusCode, str, list[Message]]] = {}
        self.wait_timeouts: list[float] = []
        self.on_wait: Callable[[instance_pb2.Instance], None] | None = None
        self.max_hold = 5.0
        self.waits_in_create = False
        self.rows: dict[tuple[str, str], tuple[list[Any], list[list[Any]]]] = {}
        self.task_types: list[instance_pb2.TaskType] = []
        self._ids = itertools.count(1)
        self._init_streams()

    # -- building state

    def add(
        self,
        tasks: list[task_pb2.Task] | None = None,
        *,
        status: int = instance_pb2.INSTANCE_STATUS_RUNNING,
        instance_id: str | None = None,
        project: str = PROJECT,
        **fields: Any,
    ) -> instance_pb2.Instance:
        instance_id = instance_id or f"20261121103000{next(self._ids):03d}abcdefgh"
        data = instance_pb2.Instance(
            name=f"projects/{project}/instances/{instance_id}",
            id=instance_id,
            project=project,
            owner=USER,
            status=status,
            tasks=tasks if tasks is not None else [task("AnonymousSQLTask")],
            **fields,
        )
        data.create_time.FromSeconds(1_700_000_000)
        if status == instance_pb2.INSTANCE_STATUS_TERMINATED:
            data.successful = all(t.status == task_pb2.TASK_STATUS_SUCCESS for t in data.tasks)
        with self.changed:
            self.instances[data.name] = data
        return data

    def set_output(self, instance: instance_pb2.Instance, task_name: str, **output: Any) -> None:
        """Sets what GetTaskResult returns besides the task: result, stdout, stderr."""
        self.outputs[(instance.name, task_name)] = output

    def set_rows(
        self,
        instance: instance_pb2.Instance,
        task_name: str,
        columns: list[tuple[str, int]],
        rows: list[list[Any]],
    ) -> None:
        """Sets the typed rows ListTaskResultRows pages through (cells: str, int, float, bool or None)."""
        described = [instance_service_pb2.ResultColumn(name=name, type=kind) for name, kind in columns]
        self.rows[(instance.name, task_name)] = (described, rows)

    def finish(self, instance: instance_pb2.Instance, *statuses: int) -> None:
        """Terminates the instance, giving its tasks these statuses (all SUCCESS when none given)."""
        with self.changed:
            for index, item in enumerate(instance.tasks):
                item.status = statuses[index] if statuses else task_pb2.TASK_STATUS_SUCCESS
            instance.status = instance_pb2.INSTANCE_STATUS_TERMINATED
            instance.successful = all(t.status == task_pb2.TASK_STATUS_SUCCESS for t in instance.tasks)
            instance.end_time.FromSeconds(1_700_000_100)
            self.changed.notify_all()

    def requests(self, method: str) -> list[Any]:
        return [request for name, request in self.calls if name == method]

    # -- the service

    def _enter(self, method: str, request: Message, context: grpc.ServicerContext) -> None:
        self.calls.append((method, request))
        self.users.append(dict(context.invocation_metadata()).get("x-taskstream-user"))
        if method in self.errors:
            code, message, details = self.errors.pop(method)
            abort(context, code, message, details)

    def _find(self, name: str, context: grpc.ServicerContext) -> instance_pb2.Instance:
        data = self.instances.get(name)
        if data is None:
            abort(context, grpc.StatusCode.NOT_FOUND, f"instance {name!r} not found")
        assert data is not None
        return data

    def CreateInstance(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateInstance", request, context)
        tasks = [
            task(
                spec.name or spec.type,
                type=spec.type or "python_object",
                parameters_json=spec.parameters_json,
            )
            for spec in request.tasks
        ]
        data = self.add(tasks, project=request.parent.split("/")[1], labels=dict(request.labels))
        data.priority = request.priority if request.HasField("priority") else 9
        if not (self.waits_in_create and request.HasField("wait_timeout")):
            return instance_service_pb2.CreateInstanceResponse(instance=data)
        terminated = self._wait(data, request.wait_timeout.ToTimedelta().total_seconds())
        return instance_service_pb2.CreateInstanceResponse(instance=data, terminated=terminated)

    def GetInstance(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetInstance", request, context)
        return instance_service_pb2.GetInstanceResponse(instance=self._find(request.name, context))

    def ListInstances(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListInstances", request, context)
        newest_first = list(reversed(self.instances.values()))
        start = int(request.page_token or 0)
        page = newest_first[start : start + request.page_size]
        listed = []
        for data in page:
            item = instance_pb2.Instance()
            item.CopyFrom(data)
            del item.tasks[:]  # lists carry no task details
            listed.append(item)
        more = start + request.page_size < len(newest_first)
        token = str(start + request.page_size) if more else ""
        return instance_service_pb2.ListInstancesResponse(instances=listed, next_page_token=token)

    def StopInstance(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("StopInstance", request, context)
        data = self._find(request.name, context)
        if data.status == instance_pb2.INSTANCE_STATUS_TERMINATED:
            info = _error_info("INSTANCE_TERMINATED")
            abort(context, grpc.StatusCode.FAILED_PRECONDITION, "instance is already terminated", [info])
        with self.changed:
            for item in data.tasks:
                item.status = task_pb2.TASK_STATUS_CANCELLED
                item.cancellation.reason = request.reason or task_pb2.CANCELLATION_REASON_DIRECT
                item.cancellation.message = request.message
            data.status = instance_pb2.INSTANCE_STATUS_TERMINATED
            self.changed.notify_all()
        return instance_service_pb2.StopInstanceResponse(instance=data)

    def SuspendInstance(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("SuspendInstance", request, context)
        data = self._find(request.name, context)
        data.status = instance_pb2.INSTANCE_STATUS_SUSPENDED
        return instance_service_pb2.SuspendInstanceResponse(instance=data)

    def ResumeInstance(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ResumeInstance", request, context)
        data = self._find(request.name, context)
        data.status = instance_pb2.INSTANCE_STATUS_RUNNING
        return instance_service_pb2.ResumeInstanceResponse(instance=data)

    def WaitInstance(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("WaitInstance", request, context)
        data = self._find(request.name, context)
        terminated = self._wait(data, request.timeout.ToTimedelta().total_seconds())
        return instance_service_pb2.WaitInstanceResponse(instance=data, terminated=terminated)

    def _wait(self, data: instance_pb2.Instance, timeout: float) -> bool:
        """Waits as a real server does, up to ``timeout`` (at most ``max_hold``); whether it terminated."""
        self.wait_timeouts.append(timeout)
        if self.on_wait is not None:
            self.on_wait(data)

        def terminated() -> bool:
            return data.status == instance_pb2.INSTANCE_STATUS_TERMINATED

        with self.changed:
            return self.changed.wait_for(terminated, timeout=min(timeout, self.max_hold))

    def GetTaskResult(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetTaskResult", request, context)
        data = self._find(request.instance, context)
        for item in data.tasks:
            if item.name == request.task:
                output = self.outputs.get((data.name, item.name), {})
                return instance_service_pb2.GetTaskResultResponse(task=item, **output)
        abort(context, grpc.StatusCode.NOT_FOUND, f"task {request.task!r} not found")

    def ListTaskResultRows(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListTaskResultRows", request, context)
        data = self._find(request.instance, context)
        name = request.task or (data.tasks[0].name if len(data.tasks) == 1 else "")
        if (data.name, name) not in self.rows:
            abort(context, grpc.StatusCode.FAILED_PRECONDITION, f"task {name!r} has no tabular result")
        columns, rows = self.rows[(data.name, name)]
        start = int(request.page_token or 0)
        page = rows[start : start + request.page_size]
        more = start + request.page_size < len(rows)
        return instance_service_pb2.ListTaskResultRowsResponse(
            columns=columns,
            rows=[instance_service_pb2.ResultRow(cells=[_cell(value) for value in row]) for row in page],
            next_page_token=str(start + request.page_size) if more else "",
        )

    def ListTaskTypes(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ListTaskTypes", request, context)
        return instance_service_pb2.ListTaskTypesResponse(task_types=self.task_types)


def _cell(value: Any) -> instance_service_pb2.ResultCell:
    if value is None:
        return instance_service_pb2.ResultCell()
    kind = {bool: "bool_value", int: "int_value", float: "double_value", str: "string_value"}
    return instance_service_pb2.ResultCell(**{kind[type(value)]: value})


def _error_info(reason: str) -> Message:
    from google.rpc import error_details_pb2

    return error_details_pb2.ErrorInfo(reason=reason, domain="taskstream", metadata={"k": "v"})


def task(name: str, status: int = task_pb2.TASK_STATUS_WAITING, **fields: Any) -> task_pb2.Task:
    fields.setdefault("type", "echo")
    return task_pb2.Task(name=name, status=status, **fields)


@contextlib.contextmanager
def serve() -> Iterator[tuple[FakeInstanceService, Client]]:
    """A started fake server and a real Client connected to it as USER."""
    fake = FakeInstanceService()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    instance_service_pb2_grpc.add_InstanceServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    client = connect(f"127.0.0.1:{port}", project=PROJECT, owner=USER)
    try:
        yield fake, client
    finally:
        client.close()
        server.stop(grace=None)


def test_every_call_sends_the_owner_as_user_metadata() -> None:
    with serve() as (fake, client):
        data = fake.add()
        client.get_instance(data.id).reload()
        assert client.exist_instance(data.id)
        assert fake.users == [USER, USER]


def test_owner_defaults_to_the_local_user(monkeypatch: Any) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "bob")
    with connect("127.0.0.1:1") as client:
        assert client.owner == "bob"
        assert client.project == "default"
