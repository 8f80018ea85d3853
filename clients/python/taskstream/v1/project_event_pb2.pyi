import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from taskstream.v1 import event_pb2 as _event_pb2
from taskstream.v1 import instance_pb2 as _instance_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InstanceSummary(_message.Message):
    __slots__ = ("instance", "task_types", "task_count")
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    TASK_TYPES_FIELD_NUMBER: _ClassVar[int]
    TASK_COUNT_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    task_types: _containers.RepeatedScalarFieldContainer[str]
    task_count: int
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ..., task_types: _Optional[_Iterable[str]] = ..., task_count: _Optional[int] = ...) -> None: ...

class InstancesSnapshot(_message.Message):
    __slots__ = ("instances", "seq", "last", "truncated")
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[InstanceSummary]
    seq: int
    last: bool
    truncated: bool
    def __init__(self, instances: _Optional[_Iterable[_Union[InstanceSummary, _Mapping]]] = ..., seq: _Optional[int] = ..., last: _Optional[bool] = ..., truncated: _Optional[bool] = ...) -> None: ...

class ProjectInstanceEvent(_message.Message):
    __slots__ = ("seq", "time", "instance", "instance_seq", "instance_created", "instance_status_changed", "instance_deleted")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_SEQ_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_CREATED_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_STATUS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_DELETED_FIELD_NUMBER: _ClassVar[int]
    seq: int
    time: _timestamp_pb2.Timestamp
    instance: InstanceSummary
    instance_seq: int
    instance_created: InstanceCreated
    instance_status_changed: _event_pb2.InstanceStatusChanged
    instance_deleted: InstanceDeleted
    def __init__(self, seq: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., instance: _Optional[_Union[InstanceSummary, _Mapping]] = ..., instance_seq: _Optional[int] = ..., instance_created: _Optional[_Union[InstanceCreated, _Mapping]] = ..., instance_status_changed: _Optional[_Union[_event_pb2.InstanceStatusChanged, _Mapping]] = ..., instance_deleted: _Optional[_Union[InstanceDeleted, _Mapping]] = ...) -> None: ...

class InstanceCreated(_message.Message):
    __slots__ = ("parent_instance",)
    PARENT_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    parent_instance: str
    def __init__(self, parent_instance: _Optional[str] = ...) -> None: ...

class InstanceDeleted(_message.Message):
    __slots__ = ("delete_time",)
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    delete_time: _timestamp_pb2.Timestamp
    def __init__(self, delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
