import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from taskstream.v1 import event_pb2 as _event_pb2
from taskstream.v1 import instance_pb2 as _instance_pb2
from taskstream.v1 import project_event_pb2 as _project_event_pb2
from taskstream.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WaitMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WAIT_MODE_UNSPECIFIED: _ClassVar[WaitMode]
    WAIT_MODE_ALL: _ClassVar[WaitMode]
    WAIT_MODE_ANY: _ClassVar[WaitMode]

class WatchEndReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WATCH_END_REASON_UNSPECIFIED: _ClassVar[WatchEndReason]
    WATCH_END_REASON_SERVER_DRAINING: _ClassVar[WatchEndReason]
    WATCH_END_REASON_INSTANCE_DELETED: _ClassVar[WatchEndReason]

class ColumnType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COLUMN_TYPE_UNSPECIFIED: _ClassVar[ColumnType]
    COLUMN_TYPE_STRING: _ClassVar[ColumnType]
    COLUMN_TYPE_INTEGER: _ClassVar[ColumnType]
    COLUMN_TYPE_DOUBLE: _ClassVar[ColumnType]
    COLUMN_TYPE_BOOLEAN: _ClassVar[ColumnType]
WAIT_MODE_UNSPECIFIED: WaitMode
WAIT_MODE_ALL: WaitMode
WAIT_MODE_ANY: WaitMode
WATCH_END_REASON_UNSPECIFIED: WatchEndReason
WATCH_END_REASON_SERVER_DRAINING: WatchEndReason
WATCH_END_REASON_INSTANCE_DELETED: WatchEndReason
COLUMN_TYPE_UNSPECIFIED: ColumnType
COLUMN_TYPE_STRING: ColumnType
COLUMN_TYPE_INTEGER: ColumnType
COLUMN_TYPE_DOUBLE: ColumnType
COLUMN_TYPE_BOOLEAN: ColumnType

class CreateInstanceRequest(_message.Message):
    __slots__ = ("parent", "tasks", "priority", "labels", "options", "request_id", "parent_instance", "hold", "sub_instance_name", "parent_task", "start_time", "wait_timeout")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    SUB_INSTANCE_NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_TASK_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    WAIT_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.TaskSpec]
    priority: int
    labels: _containers.ScalarMap[str, str]
    options: _instance_pb2.InstanceOptions
    request_id: str
    parent_instance: str
    hold: bool
    sub_instance_name: str
    parent_task: str
    start_time: _timestamp_pb2.Timestamp
    wait_timeout: _duration_pb2.Duration
    def __init__(self, parent: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[_task_pb2.TaskSpec, _Mapping]]] = ..., priority: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., options: _Optional[_Union[_instance_pb2.InstanceOptions, _Mapping]] = ..., request_id: _Optional[str] = ..., parent_instance: _Optional[str] = ..., hold: _Optional[bool] = ..., sub_instance_name: _Optional[str] = ..., parent_task: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., wait_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateInstanceResponse(_message.Message):
    __slots__ = ("instance", "terminated")
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    terminated: bool
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ..., terminated: _Optional[bool] = ...) -> None: ...

class GetInstanceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetInstanceResponse(_message.Message):
    __slots__ = ("instance",)
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ...) -> None: ...

class ListInstancesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "statuses", "owner", "create_time_start", "create_time_end", "labels", "successful", "exclude_sub_instances")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_START_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_END_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_SUB_INSTANCES_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    statuses: _containers.RepeatedScalarFieldContainer[_instance_pb2.InstanceStatus]
    owner: str
    create_time_start: _timestamp_pb2.Timestamp
    create_time_end: _timestamp_pb2.Timestamp
    labels: _containers.ScalarMap[str, str]
    successful: bool
    exclude_sub_instances: bool
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_instance_pb2.InstanceStatus, str]]] = ..., owner: _Optional[str] = ..., create_time_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., successful: _Optional[bool] = ..., exclude_sub_instances: _Optional[bool] = ...) -> None: ...

class ListInstancesResponse(_message.Message):
    __slots__ = ("instances", "next_page_token")
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[_instance_pb2.Instance]
    next_page_token: str
    def __init__(self, instances: _Optional[_Iterable[_Union[_instance_pb2.Instance, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StopInstanceRequest(_message.Message):
    __slots__ = ("name", "reason", "message", "request_id", "grace_period")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: _task_pb2.CancellationReason
    message: str
    request_id: str
    grace_period: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[_Union[_task_pb2.CancellationReason, str]] = ..., message: _Optional[str] = ..., request_id: _Optional[str] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class StopInstanceResponse(_message.Message):
    __slots__ = ("instance",)
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ...) -> None: ...

class SuspendInstanceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SuspendInstanceResponse(_message.Message):
    __slots__ = ("instance",)
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ...) -> None: ...

class ResumeInstanceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ResumeInstanceResponse(_message.Message):
    __slots__ = ("instance",)
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ...) -> None: ...

class WaitInstanceRequest(_message.Message):
    __slots__ = ("name", "timeout")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    name: str
    timeout: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WaitInstanceResponse(_message.Message):
    __slots__ = ("instance", "terminated")
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    terminated: bool
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ..., terminated: _Optional[bool] = ...) -> None: ...

class WaitInstancesRequest(_message.Message):
    __slots__ = ("names", "mode", "timeout")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    mode: WaitMode
    timeout: _duration_pb2.Duration
    def __init__(self, names: _Optional[_Iterable[str]] = ..., mode: _Optional[_Union[WaitMode, str]] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WaitInstancesResponse(_message.Message):
    __slots__ = ("instances", "done")
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[_instance_pb2.Instance]
    done: bool
    def __init__(self, instances: _Optional[_Iterable[_Union[_instance_pb2.Instance, _Mapping]]] = ..., done: _Optional[bool] = ...) -> None: ...

class WatchInstanceRequest(_message.Message):
    __slots__ = ("name", "after_seq", "include_output", "heartbeat_interval", "accept_batches")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_BATCHES_FIELD_NUMBER: _ClassVar[int]
    name: str
    after_seq: int
    include_output: bool
    heartbeat_interval: _duration_pb2.Duration
    accept_batches: bool
    def __init__(self, name: _Optional[str] = ..., after_seq: _Optional[int] = ..., include_output: _Optional[bool] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., accept_batches: _Optional[bool] = ...) -> None: ...

class WatchInstanceResponse(_message.Message):
    __slots__ = ("snapshot", "event", "heartbeat", "end", "events")
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    snapshot: _instance_pb2.Instance
    event: _event_pb2.InstanceEvent
    heartbeat: Heartbeat
    end: WatchEnd
    events: EventBatch
    def __init__(self, snapshot: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ..., event: _Optional[_Union[_event_pb2.InstanceEvent, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., end: _Optional[_Union[WatchEnd, _Mapping]] = ..., events: _Optional[_Union[EventBatch, _Mapping]] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.InstanceEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.InstanceEvent, _Mapping]]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("seq", "time")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    seq: int
    time: _timestamp_pb2.Timestamp
    def __init__(self, seq: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchEnd(_message.Message):
    __slots__ = ("reason", "resume_after_seq", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: WatchEndReason
    resume_after_seq: int
    message: str
    def __init__(self, reason: _Optional[_Union[WatchEndReason, str]] = ..., resume_after_seq: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class ReadTaskOutputRequest(_message.Message):
    __slots__ = ("instance", "task", "stream", "offset", "follow", "attempt")
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    instance: str
    task: str
    stream: _task_pb2.OutputStream
    offset: int
    follow: bool
    attempt: int
    def __init__(self, instance: _Optional[str] = ..., task: _Optional[str] = ..., stream: _Optional[_Union[_task_pb2.OutputStream, str]] = ..., offset: _Optional[int] = ..., follow: _Optional[bool] = ..., attempt: _Optional[int] = ...) -> None: ...

class ReadTaskOutputResponse(_message.Message):
    __slots__ = ("offset", "data", "cut_bytes")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    offset: int
    data: bytes
    cut_bytes: int
    def __init__(self, offset: _Optional[int] = ..., data: _Optional[bytes] = ..., cut_bytes: _Optional[int] = ...) -> None: ...

class GetTaskResultRequest(_message.Message):
    __slots__ = ("instance", "task")
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    instance: str
    task: str
    def __init__(self, instance: _Optional[str] = ..., task: _Optional[str] = ...) -> None: ...

class GetTaskResultResponse(_message.Message):
    __slots__ = ("task", "result", "stdout", "stderr")
    TASK_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    STDOUT_FIELD_NUMBER: _ClassVar[int]
    STDERR_FIELD_NUMBER: _ClassVar[int]
    task: _task_pb2.Task
    result: _task_pb2.Result
    stdout: bytes
    stderr: bytes
    def __init__(self, task: _Optional[_Union[_task_pb2.Task, _Mapping]] = ..., result: _Optional[_Union[_task_pb2.Result, _Mapping]] = ..., stdout: _Optional[bytes] = ..., stderr: _Optional[bytes] = ...) -> None: ...

class ListTaskTypesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTaskTypesResponse(_message.Message):
    __slots__ = ("task_types",)
    TASK_TYPES_FIELD_NUMBER: _ClassVar[int]
    task_types: _containers.RepeatedCompositeFieldContainer[_instance_pb2.TaskType]
    def __init__(self, task_types: _Optional[_Iterable[_Union[_instance_pb2.TaskType, _Mapping]]] = ...) -> None: ...

class GetLogviewAddressRequest(_message.Message):
    __slots__ = ("name", "hours")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    name: str
    hours: int
    def __init__(self, name: _Optional[str] = ..., hours: _Optional[int] = ...) -> None: ...

class GetLogviewAddressResponse(_message.Message):
    __slots__ = ("url", "expire_time")
    URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    url: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, url: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSubInstancesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SubInstance(_message.Message):
    __slots__ = ("name", "task", "instance", "workflow")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    name: str
    task: str
    instance: _instance_pb2.Instance
    workflow: bool
    def __init__(self, name: _Optional[str] = ..., task: _Optional[str] = ..., instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ..., workflow: _Optional[bool] = ...) -> None: ...

class ListSubInstancesResponse(_message.Message):
    __slots__ = ("sub_instances", "next_page_token", "seq")
    SUB_INSTANCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    sub_instances: _containers.RepeatedCompositeFieldContainer[SubInstance]
    next_page_token: str
    seq: int
    def __init__(self, sub_instances: _Optional[_Iterable[_Union[SubInstance, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class ListTaskResultRowsRequest(_message.Message):
    __slots__ = ("instance", "task", "page_size", "page_token")
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    instance: str
    task: str
    page_size: int
    page_token: str
    def __init__(self, instance: _Optional[str] = ..., task: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ResultColumn(_message.Message):
    __slots__ = ("name", "type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: ColumnType
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[ColumnType, str]] = ...) -> None: ...

class ResultCell(_message.Message):
    __slots__ = ("string_value", "int_value", "double_value", "bool_value")
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    string_value: str
    int_value: int
    double_value: float
    bool_value: bool
    def __init__(self, string_value: _Optional[str] = ..., int_value: _Optional[int] = ..., double_value: _Optional[float] = ..., bool_value: _Optional[bool] = ...) -> None: ...

class ResultRow(_message.Message):
    __slots__ = ("cells",)
    CELLS_FIELD_NUMBER: _ClassVar[int]
    cells: _containers.RepeatedCompositeFieldContainer[ResultCell]
    def __init__(self, cells: _Optional[_Iterable[_Union[ResultCell, _Mapping]]] = ...) -> None: ...

class ListTaskResultRowsResponse(_message.Message):
    __slots__ = ("columns", "rows", "next_page_token")
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.RepeatedCompositeFieldContainer[ResultColumn]
    rows: _containers.RepeatedCompositeFieldContainer[ResultRow]
    next_page_token: str
    def __init__(self, columns: _Optional[_Iterable[_Union[ResultColumn, _Mapping]]] = ..., rows: _Optional[_Iterable[_Union[ResultRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelTaskRequest(_message.Message):
    __slots__ = ("name", "reason", "message", "grace_period")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: _task_pb2.CancellationReason
    message: str
    grace_period: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[_Union[_task_pb2.CancellationReason, str]] = ..., message: _Optional[str] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CancelTaskResponse(_message.Message):
    __slots__ = ("instance",)
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ...) -> None: ...

class DeleteInstanceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteInstanceResponse(_message.Message):
    __slots__ = ("delete_time",)
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    delete_time: _timestamp_pb2.Timestamp
    def __init__(self, delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchInstancesRequest(_message.Message):
    __slots__ = ("parent", "after_seq", "statuses", "owner", "labels", "task_types", "create_time_start", "create_time_end", "snapshot_limit", "heartbeat_interval")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PARENT_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    TASK_TYPES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_START_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_END_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    parent: str
    after_seq: int
    statuses: _containers.RepeatedScalarFieldContainer[_instance_pb2.InstanceStatus]
    owner: str
    labels: _containers.ScalarMap[str, str]
    task_types: _containers.RepeatedScalarFieldContainer[str]
    create_time_start: _timestamp_pb2.Timestamp
    create_time_end: _timestamp_pb2.Timestamp
    snapshot_limit: int
    heartbeat_interval: _duration_pb2.Duration
    def __init__(self, parent: _Optional[str] = ..., after_seq: _Optional[int] = ..., statuses: _Optional[_Iterable[_Union[_instance_pb2.InstanceStatus, str]]] = ..., owner: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., task_types: _Optional[_Iterable[str]] = ..., create_time_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., snapshot_limit: _Optional[int] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WatchInstancesResponse(_message.Message):
    __slots__ = ("snapshot", "event", "heartbeat", "end")
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    snapshot: _project_event_pb2.InstancesSnapshot
    event: _project_event_pb2.ProjectInstanceEvent
    heartbeat: Heartbeat
    end: WatchEnd
    def __init__(self, snapshot: _Optional[_Union[_project_event_pb2.InstancesSnapshot, _Mapping]] = ..., event: _Optional[_Union[_project_event_pb2.ProjectInstanceEvent, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., end: _Optional[_Union[WatchEnd, _Mapping]] = ...) -> None: ...

class PutTaskInfoRequest(_message.Message):
    __slots__ = ("name", "key", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    key: str
    value: str
    def __init__(self, name: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class PutTaskInfoResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetTaskInfoRequest(_message.Message):
    __slots__ = ("name", "keys")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    name: str
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., keys: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTaskInfoResponse(_message.Message):
    __slots__ = ("info",)
    class InfoEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: _containers.ScalarMap[str, str]
    def __init__(self, info: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetQueueingInfoRequest(_message.Message):
    __slots__ = ("name", "page_size", "page_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    page_size: int
    page_token: str
    def __init__(self, name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class TaskQueueingInfo(_message.Message):
    __slots__ = ("task", "type", "status", "waiting_reason", "queue_position")
    TASK_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WAITING_REASON_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    task: str
    type: str
    status: _task_pb2.TaskStatus
    waiting_reason: _task_pb2.WaitingReason
    queue_position: int
    def __init__(self, task: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[_Union[_task_pb2.TaskStatus, str]] = ..., waiting_reason: _Optional[_Union[_task_pb2.WaitingReason, str]] = ..., queue_position: _Optional[int] = ...) -> None: ...

class GetQueueingInfoResponse(_message.Message):
    __slots__ = ("status", "priority", "owner", "create_time", "start_time", "tasks", "queue_length", "next_page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: _instance_pb2.InstanceStatus
    priority: int
    owner: str
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    tasks: _containers.RepeatedCompositeFieldContainer[TaskQueueingInfo]
    queue_length: int
    next_page_token: str
    def __init__(self, status: _Optional[_Union[_instance_pb2.InstanceStatus, str]] = ..., priority: _Optional[int] = ..., owner: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tasks: _Optional[_Iterable[_Union[TaskQueueingInfo, _Mapping]]] = ..., queue_length: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...
