from taskstream.v1 import worker_service_pb2 as _worker_service_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClaimTasksRequest(_message.Message):
    __slots__ = ("worker_id", "worker", "max_tasks", "projects", "all_projects")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    MAX_TASKS_FIELD_NUMBER: _ClassVar[int]
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    ALL_PROJECTS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    worker: _worker_service_pb2.RegisterWorker
    max_tasks: int
    projects: _containers.RepeatedScalarFieldContainer[str]
    all_projects: bool
    def __init__(self, worker_id: _Optional[str] = ..., worker: _Optional[_Union[_worker_service_pb2.RegisterWorker, _Mapping]] = ..., max_tasks: _Optional[int] = ..., projects: _Optional[_Iterable[str]] = ..., all_projects: _Optional[bool] = ...) -> None: ...

class ClaimTasksResponse(_message.Message):
    __slots__ = ("assignments",)
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[_worker_service_pb2.TaskAssignment]
    def __init__(self, assignments: _Optional[_Iterable[_Union[_worker_service_pb2.TaskAssignment, _Mapping]]] = ...) -> None: ...

class RelayReportsRequest(_message.Message):
    __slots__ = ("worker_id", "reports", "disconnected")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    DISCONNECTED_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    reports: _containers.RepeatedCompositeFieldContainer[_worker_service_pb2.ConnectRequest]
    disconnected: bool
    def __init__(self, worker_id: _Optional[str] = ..., reports: _Optional[_Iterable[_Union[_worker_service_pb2.ConnectRequest, _Mapping]]] = ..., disconnected: _Optional[bool] = ...) -> None: ...

class RelayReportsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SendCommandsRequest(_message.Message):
    __slots__ = ("worker_id", "commands")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    COMMANDS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    commands: _containers.RepeatedCompositeFieldContainer[_worker_service_pb2.ConnectResponse]
    def __init__(self, worker_id: _Optional[str] = ..., commands: _Optional[_Iterable[_Union[_worker_service_pb2.ConnectResponse, _Mapping]]] = ...) -> None: ...

class SendCommandsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
