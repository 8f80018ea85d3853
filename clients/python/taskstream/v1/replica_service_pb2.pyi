import datetime

from google.protobuf import duration_pb2 as _duration_pb2
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

class AcquirePermitsRequest(_message.Message):
    __slots__ = ("replica", "key", "limit", "held", "wanted", "wait")
    REPLICA_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    WANTED_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    replica: str
    key: str
    limit: int
    held: int
    wanted: int
    wait: _duration_pb2.Duration
    def __init__(self, replica: _Optional[str] = ..., key: _Optional[str] = ..., limit: _Optional[int] = ..., held: _Optional[int] = ..., wanted: _Optional[int] = ..., wait: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AcquirePermitsResponse(_message.Message):
    __slots__ = ("held",)
    HELD_FIELD_NUMBER: _ClassVar[int]
    held: int
    def __init__(self, held: _Optional[int] = ...) -> None: ...

class PermitHolding(_message.Message):
    __slots__ = ("key", "held")
    KEY_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    key: str
    held: int
    def __init__(self, key: _Optional[str] = ..., held: _Optional[int] = ...) -> None: ...

class ReportPermitsRequest(_message.Message):
    __slots__ = ("replica", "shards", "holdings")
    REPLICA_FIELD_NUMBER: _ClassVar[int]
    SHARDS_FIELD_NUMBER: _ClassVar[int]
    HOLDINGS_FIELD_NUMBER: _ClassVar[int]
    replica: str
    shards: _containers.RepeatedScalarFieldContainer[int]
    holdings: _containers.RepeatedCompositeFieldContainer[PermitHolding]
    def __init__(self, replica: _Optional[str] = ..., shards: _Optional[_Iterable[int]] = ..., holdings: _Optional[_Iterable[_Union[PermitHolding, _Mapping]]] = ...) -> None: ...

class ReportPermitsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
