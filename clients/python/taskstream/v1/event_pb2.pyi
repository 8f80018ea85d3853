import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from taskstream.v1 import instance_pb2 as _instance_pb2
from taskstream.v1 import task_pb2 as _task_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InstanceEvent(_message.Message):
    __slots__ = ("seq", "time", "instance_status_changed", "task_status_changed", "task_progress_updated", "task_property_updated", "task_output_appended", "sub_instance_created", "task_waiting_reason_changed")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_STATUS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    TASK_STATUS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    TASK_PROGRESS_UPDATED_FIELD_NUMBER: _ClassVar[int]
    TASK_PROPERTY_UPDATED_FIELD_NUMBER: _ClassVar[int]
    TASK_OUTPUT_APPENDED_FIELD_NUMBER: _ClassVar[int]
    SUB_INSTANCE_CREATED_FIELD_NUMBER: _ClassVar[int]
    TASK_WAITING_REASON_CHANGED_FIELD_NUMBER: _ClassVar[int]
    seq: int
    time: _timestamp_pb2.Timestamp
    instance_status_changed: InstanceStatusChanged
    task_status_changed: TaskStatusChanged
    task_progress_updated: TaskProgressUpdated
    task_property_updated: TaskPropertyUpdated
    task_output_appended: TaskOutputAppended
    sub_instance_created: SubInstanceCreated
    task_waiting_reason_changed: TaskWaitingReasonChanged
    def __init__(self, seq: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., instance_status_changed: _Optional[_Union[InstanceStatusChanged, _Mapping]] = ..., task_status_changed: _Optional[_Union[TaskStatusChanged, _Mapping]] = ..., task_progress_updated: _Optional[_Union[TaskProgressUpdated, _Mapping]] = ..., task_property_updated: _Optional[_Union[TaskPropertyUpdated, _Mapping]] = ..., task_output_appended: _Optional[_Union[TaskOutputAppended, _Mapping]] = ..., sub_instance_created: _Optional[_Union[SubInstanceCreated, _Mapping]] = ..., task_waiting_reason_changed: _Optional[_Union[TaskWaitingReasonChanged, _Mapping]] = ...) -> None: ...

class InstanceStatusChanged(_message.Message):
    __slots__ = ("previous_status", "status", "successful", "start_time", "end_time")
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    previous_status: _instance_pb2.InstanceStatus
    status: _instance_pb2.InstanceStatus
    successful: bool
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, previous_status: _Optional[_Union[_instance_pb2.InstanceStatus, str]] = ..., status: _Optional[_Union[_instance_pb2.InstanceStatus, str]] = ..., successful: _Optional[bool] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TaskStatusChanged(_message.Message):
    __slots__ = ("previous_status", "task")
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    previous_status: _task_pb2.TaskStatus
    task: _task_pb2.Task
    def __init__(self, previous_status: _Optional[_Union[_task_pb2.TaskStatus, str]] = ..., task: _Optional[_Union[_task_pb2.Task, _Mapping]] = ...) -> None: ...

class TaskProgressUpdated(_message.Message):
    __slots__ = ("task", "progress")
    TASK_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    task: str
    progress: _task_pb2.Progress
    def __init__(self, task: _Optional[str] = ..., progress: _Optional[_Union[_task_pb2.Progress, _Mapping]] = ...) -> None: ...

class TaskPropertyUpdated(_message.Message):
    __slots__ = ("task", "key", "value")
    TASK_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    task: str
    key: str
    value: _task_pb2.PropertyValue
    def __init__(self, task: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[_Union[_task_pb2.PropertyValue, _Mapping]] = ...) -> None: ...

class TaskOutputAppended(_message.Message):
    __slots__ = ("task", "stream", "offset", "data", "attempt")
    TASK_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    task: str
    stream: _task_pb2.OutputStream
    offset: int
    data: bytes
    attempt: int
    def __init__(self, task: _Optional[str] = ..., stream: _Optional[_Union[_task_pb2.OutputStream, str]] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ..., attempt: _Optional[int] = ...) -> None: ...

class SubInstanceCreated(_message.Message):
    __slots__ = ("instance", "name", "task")
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    instance: str
    name: str
    task: str
    def __init__(self, instance: _Optional[str] = ..., name: _Optional[str] = ..., task: _Optional[str] = ...) -> None: ...

class TaskWaitingReasonChanged(_message.Message):
    __slots__ = ("task", "waiting_reason")
    TASK_FIELD_NUMBER: _ClassVar[int]
    WAITING_REASON_FIELD_NUMBER: _ClassVar[int]
    task: str
    waiting_reason: _task_pb2.WaitingReason
    def __init__(self, task: _Optional[str] = ..., waiting_reason: _Optional[_Union[_task_pb2.WaitingReason, str]] = ...) -> None: ...
