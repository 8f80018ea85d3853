import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from taskstream.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InstanceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSTANCE_STATUS_UNSPECIFIED: _ClassVar[InstanceStatus]
    INSTANCE_STATUS_RUNNING: _ClassVar[InstanceStatus]
    INSTANCE_STATUS_SUSPENDED: _ClassVar[InstanceStatus]
    INSTANCE_STATUS_TERMINATED: _ClassVar[InstanceStatus]
INSTANCE_STATUS_UNSPECIFIED: InstanceStatus
INSTANCE_STATUS_RUNNING: InstanceStatus
INSTANCE_STATUS_SUSPENDED: InstanceStatus
INSTANCE_STATUS_TERMINATED: InstanceStatus

class InstanceOptions(_message.Message):
    __slots__ = ("cancel_on_task_failure", "max_interrupted_retries", "task_timeout", "retry_policy", "retention", "cancel_on_client_disconnection", "client_disconnect_grace")
    CANCEL_ON_TASK_FAILURE_FIELD_NUMBER: _ClassVar[int]
    MAX_INTERRUPTED_RETRIES_FIELD_NUMBER: _ClassVar[int]
    TASK_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    RETRY_POLICY_FIELD_NUMBER: _ClassVar[int]
    RETENTION_FIELD_NUMBER: _ClassVar[int]
    CANCEL_ON_CLIENT_DISCONNECTION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_DISCONNECT_GRACE_FIELD_NUMBER: _ClassVar[int]
    cancel_on_task_failure: bool
    max_interrupted_retries: int
    task_timeout: _duration_pb2.Duration
    retry_policy: _task_pb2.RetryPolicy
    retention: _duration_pb2.Duration
    cancel_on_client_disconnection: bool
    client_disconnect_grace: _duration_pb2.Duration
    def __init__(self, cancel_on_task_failure: _Optional[bool] = ..., max_interrupted_retries: _Optional[int] = ..., task_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., retry_policy: _Optional[_Union[_task_pb2.RetryPolicy, _Mapping]] = ..., retention: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cancel_on_client_disconnection: _Optional[bool] = ..., client_disconnect_grace: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Instance(_message.Message):
    __slots__ = ("name", "id", "project", "owner", "status", "priority", "labels", "create_time", "start_time", "end_time", "tasks", "parent_instance", "options", "successful", "request_id", "seq", "scheduled_start_time", "expire_time", "schedule")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    PARENT_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    project: str
    owner: str
    status: InstanceStatus
    priority: int
    labels: _containers.ScalarMap[str, str]
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.Task]
    parent_instance: str
    options: InstanceOptions
    successful: bool
    request_id: str
    seq: int
    scheduled_start_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    schedule: str
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., project: _Optional[str] = ..., owner: _Optional[str] = ..., status: _Optional[_Union[InstanceStatus, str]] = ..., priority: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tasks: _Optional[_Iterable[_Union[_task_pb2.Task, _Mapping]]] = ..., parent_instance: _Optional[str] = ..., options: _Optional[_Union[InstanceOptions, _Mapping]] = ..., successful: _Optional[bool] = ..., request_id: _Optional[str] = ..., seq: _Optional[int] = ..., scheduled_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schedule: _Optional[str] = ...) -> None: ...

class TaskType(_message.Message):
    __slots__ = ("name", "description", "worker_count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    WORKER_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    worker_count: int
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., worker_count: _Optional[int] = ...) -> None: ...
