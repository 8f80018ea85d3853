import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATUS_UNSPECIFIED: _ClassVar[TaskStatus]
    TASK_STATUS_WAITING: _ClassVar[TaskStatus]
    TASK_STATUS_ASSIGNED: _ClassVar[TaskStatus]
    TASK_STATUS_RUNNING: _ClassVar[TaskStatus]
    TASK_STATUS_SUSPENDED: _ClassVar[TaskStatus]
    TASK_STATUS_CANCELLING: _ClassVar[TaskStatus]
    TASK_STATUS_INTERRUPTED: _ClassVar[TaskStatus]
    TASK_STATUS_SUCCESS: _ClassVar[TaskStatus]
    TASK_STATUS_FAILED: _ClassVar[TaskStatus]
    TASK_STATUS_ENVIRONMENT_ERROR: _ClassVar[TaskStatus]
    TASK_STATUS_CANCELLED: _ClassVar[TaskStatus]
    TASK_STATUS_TIMED_OUT: _ClassVar[TaskStatus]

class CancellationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CANCELLATION_REASON_UNSPECIFIED: _ClassVar[CancellationReason]
    CANCELLATION_REASON_DIRECT: _ClassVar[CancellationReason]
    CANCELLATION_REASON_CONSEQUENTIAL: _ClassVar[CancellationReason]
    CANCELLATION_REASON_TIMEOUT: _ClassVar[CancellationReason]
    CANCELLATION_REASON_SHUTDOWN: _ClassVar[CancellationReason]
    CANCELLATION_REASON_CLIENT_DISCONNECTED: _ClassVar[CancellationReason]

class WaitingReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WAITING_REASON_UNSPECIFIED: _ClassVar[WaitingReason]
    WAITING_REASON_QUEUED: _ClassVar[WaitingReason]
    WAITING_REASON_NO_WORKER_FOR_TYPE: _ClassVar[WaitingReason]
    WAITING_REASON_NO_MATCHING_LABELS: _ClassVar[WaitingReason]
    WAITING_REASON_DEPENDENCY: _ClassVar[WaitingReason]
    WAITING_REASON_SCHEDULED: _ClassVar[WaitingReason]
    WAITING_REASON_BACKOFF: _ClassVar[WaitingReason]
    WAITING_REASON_CONCURRENCY_LIMIT: _ClassVar[WaitingReason]

class OutputStream(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTPUT_STREAM_UNSPECIFIED: _ClassVar[OutputStream]
    OUTPUT_STREAM_STDOUT: _ClassVar[OutputStream]
    OUTPUT_STREAM_STDERR: _ClassVar[OutputStream]
TASK_STATUS_UNSPECIFIED: TaskStatus
TASK_STATUS_WAITING: TaskStatus
TASK_STATUS_ASSIGNED: TaskStatus
TASK_STATUS_RUNNING: TaskStatus
TASK_STATUS_SUSPENDED: TaskStatus
TASK_STATUS_CANCELLING: TaskStatus
TASK_STATUS_INTERRUPTED: TaskStatus
TASK_STATUS_SUCCESS: TaskStatus
TASK_STATUS_FAILED: TaskStatus
TASK_STATUS_ENVIRONMENT_ERROR: TaskStatus
TASK_STATUS_CANCELLED: TaskStatus
TASK_STATUS_TIMED_OUT: TaskStatus
CANCELLATION_REASON_UNSPECIFIED: CancellationReason
CANCELLATION_REASON_DIRECT: CancellationReason
CANCELLATION_REASON_CONSEQUENTIAL: CancellationReason
CANCELLATION_REASON_TIMEOUT: CancellationReason
CANCELLATION_REASON_SHUTDOWN: CancellationReason
CANCELLATION_REASON_CLIENT_DISCONNECTED: CancellationReason
WAITING_REASON_UNSPECIFIED: WaitingReason
WAITING_REASON_QUEUED: WaitingReason
WAITING_REASON_NO_WORKER_FOR_TYPE: WaitingReason
WAITING_REASON_NO_MATCHING_LABELS: WaitingReason
WAITING_REASON_DEPENDENCY: WaitingReason
WAITING_REASON_SCHEDULED: WaitingReason
WAITING_REASON_BACKOFF: WaitingReason
WAITING_REASON_CONCURRENCY_LIMIT: WaitingReason
OUTPUT_STREAM_UNSPECIFIED: OutputStream
OUTPUT_STREAM_STDOUT: OutputStream
OUTPUT_STREAM_STDERR: OutputStream

class TaskSpec(_message.Message):
    __slots__ = ("name", "type", "parameters_json", "python_object", "python_environment", "timeout", "required_labels", "retry_policy", "dependencies", "concurrency_key", "concurrency_limit")
    class RequiredLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_JSON_FIELD_NUMBER: _ClassVar[int]
    PYTHON_OBJECT_FIELD_NUMBER: _ClassVar[int]
    PYTHON_ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_LABELS_FIELD_NUMBER: _ClassVar[int]
    RETRY_POLICY_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    parameters_json: str
    python_object: bytes
    python_environment: bytes
    timeout: _duration_pb2.Duration
    required_labels: _containers.ScalarMap[str, str]
    retry_policy: RetryPolicy
    dependencies: _containers.RepeatedCompositeFieldContainer[TaskDependency]
    concurrency_key: str
    concurrency_limit: int
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., parameters_json: _Optional[str] = ..., python_object: _Optional[bytes] = ..., python_environment: _Optional[bytes] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., required_labels: _Optional[_Mapping[str, str]] = ..., retry_policy: _Optional[_Union[RetryPolicy, _Mapping]] = ..., dependencies: _Optional[_Iterable[_Union[TaskDependency, _Mapping]]] = ..., concurrency_key: _Optional[str] = ..., concurrency_limit: _Optional[int] = ...) -> None: ...

class RetryPolicy(_message.Message):
    __slots__ = ("max_attempts", "initial_backoff", "backoff_multiplier", "max_backoff", "jitter", "non_retryable_error_types")
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    INITIAL_BACKOFF_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    MAX_BACKOFF_FIELD_NUMBER: _ClassVar[int]
    JITTER_FIELD_NUMBER: _ClassVar[int]
    NON_RETRYABLE_ERROR_TYPES_FIELD_NUMBER: _ClassVar[int]
    max_attempts: int
    initial_backoff: _duration_pb2.Duration
    backoff_multiplier: float
    max_backoff: _duration_pb2.Duration
    jitter: float
    non_retryable_error_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, max_attempts: _Optional[int] = ..., initial_backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., backoff_multiplier: _Optional[float] = ..., max_backoff: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., jitter: _Optional[float] = ..., non_retryable_error_types: _Optional[_Iterable[str]] = ...) -> None: ...

class TaskDependency(_message.Message):
    __slots__ = ("task", "allow_failure")
    TASK_FIELD_NUMBER: _ClassVar[int]
    ALLOW_FAILURE_FIELD_NUMBER: _ClassVar[int]
    task: str
    allow_failure: bool
    def __init__(self, task: _Optional[str] = ..., allow_failure: _Optional[bool] = ...) -> None: ...

class TaskAttempt(_message.Message):
    __slots__ = ("attempt", "status", "worker", "start_time", "end_time", "error", "result", "stdout_info", "stderr_info", "cost")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    STDOUT_INFO_FIELD_NUMBER: _ClassVar[int]
    STDERR_INFO_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    status: TaskStatus
    worker: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    error: TaskError
    result: Result
    stdout_info: OutputInfo
    stderr_info: OutputInfo
    cost: TaskCost
    def __init__(self, attempt: _Optional[int] = ..., status: _Optional[_Union[TaskStatus, str]] = ..., worker: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[_Union[TaskError, _Mapping]] = ..., result: _Optional[_Union[Result, _Mapping]] = ..., stdout_info: _Optional[_Union[OutputInfo, _Mapping]] = ..., stderr_info: _Optional[_Union[OutputInfo, _Mapping]] = ..., cost: _Optional[_Union[TaskCost, _Mapping]] = ...) -> None: ...

class TaskCost(_message.Message):
    __slots__ = ("cpu_seconds", "memory_peak_bytes")
    CPU_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_PEAK_BYTES_FIELD_NUMBER: _ClassVar[int]
    cpu_seconds: float
    memory_peak_bytes: int
    def __init__(self, cpu_seconds: _Optional[float] = ..., memory_peak_bytes: _Optional[int] = ...) -> None: ...

class StageProgress(_message.Message):
    __slots__ = ("name", "backup_workers", "terminated_workers", "running_workers", "total_workers", "input_records", "output_records", "finished_percentage", "start_time", "end_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BACKUP_WORKERS_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_WORKERS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_WORKERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WORKERS_FIELD_NUMBER: _ClassVar[int]
    INPUT_RECORDS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_RECORDS_FIELD_NUMBER: _ClassVar[int]
    FINISHED_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    backup_workers: int
    terminated_workers: int
    running_workers: int
    total_workers: int
    input_records: int
    output_records: int
    finished_percentage: int
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., backup_workers: _Optional[int] = ..., terminated_workers: _Optional[int] = ..., running_workers: _Optional[int] = ..., total_workers: _Optional[int] = ..., input_records: _Optional[int] = ..., output_records: _Optional[int] = ..., finished_percentage: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("percent", "message", "stages", "update_time")
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    percent: int
    message: str
    stages: _containers.RepeatedCompositeFieldContainer[StageProgress]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, percent: _Optional[int] = ..., message: _Optional[str] = ..., stages: _Optional[_Iterable[_Union[StageProgress, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BinaryValue(_message.Message):
    __slots__ = ("data", "content_type")
    DATA_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    content_type: str
    def __init__(self, data: _Optional[bytes] = ..., content_type: _Optional[str] = ...) -> None: ...

class PythonValue(_message.Message):
    __slots__ = ("pickle", "repr", "type_name")
    PICKLE_FIELD_NUMBER: _ClassVar[int]
    REPR_FIELD_NUMBER: _ClassVar[int]
    TYPE_NAME_FIELD_NUMBER: _ClassVar[int]
    pickle: bytes
    repr: str
    type_name: str
    def __init__(self, pickle: _Optional[bytes] = ..., repr: _Optional[str] = ..., type_name: _Optional[str] = ...) -> None: ...

class Result(_message.Message):
    __slots__ = ("json", "text", "binary", "python")
    JSON_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BINARY_FIELD_NUMBER: _ClassVar[int]
    PYTHON_FIELD_NUMBER: _ClassVar[int]
    json: str
    text: str
    binary: BinaryValue
    python: PythonValue
    def __init__(self, json: _Optional[str] = ..., text: _Optional[str] = ..., binary: _Optional[_Union[BinaryValue, _Mapping]] = ..., python: _Optional[_Union[PythonValue, _Mapping]] = ...) -> None: ...

class TaskError(_message.Message):
    __slots__ = ("type", "message", "traceback", "pickled_exception")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TRACEBACK_FIELD_NUMBER: _ClassVar[int]
    PICKLED_EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    type: str
    message: str
    traceback: str
    pickled_exception: bytes
    def __init__(self, type: _Optional[str] = ..., message: _Optional[str] = ..., traceback: _Optional[str] = ..., pickled_exception: _Optional[bytes] = ...) -> None: ...

class PropertyValue(_message.Message):
    __slots__ = ("string_value", "int_value", "double_value", "bytes_value")
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BYTES_VALUE_FIELD_NUMBER: _ClassVar[int]
    string_value: str
    int_value: int
    double_value: float
    bytes_value: bytes
    def __init__(self, string_value: _Optional[str] = ..., int_value: _Optional[int] = ..., double_value: _Optional[float] = ..., bytes_value: _Optional[bytes] = ...) -> None: ...

class Cancellation(_message.Message):
    __slots__ = ("reason", "message", "requested_by", "request_time")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_TIME_FIELD_NUMBER: _ClassVar[int]
    reason: CancellationReason
    message: str
    requested_by: str
    request_time: _timestamp_pb2.Timestamp
    def __init__(self, reason: _Optional[_Union[CancellationReason, str]] = ..., message: _Optional[str] = ..., requested_by: _Optional[str] = ..., request_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OutputInfo(_message.Message):
    __slots__ = ("total_bytes", "cut_bytes")
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    CUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    total_bytes: int
    cut_bytes: int
    def __init__(self, total_bytes: _Optional[int] = ..., cut_bytes: _Optional[int] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("name", "type", "status", "parameters_json", "attempts", "interruptions", "create_time", "start_time", "end_time", "progress", "properties", "error", "cancellation", "timeout", "worker", "stdout_info", "stderr_info", "interruption_reason", "required_labels", "waiting_reason", "attempt_history", "next_attempt_time", "dependencies", "retry_policy", "concurrency_key", "concurrency_limit", "waiting_on", "cost")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PropertyValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PropertyValue, _Mapping]] = ...) -> None: ...
    class RequiredLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_JSON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTIONS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    STDOUT_INFO_FIELD_NUMBER: _ClassVar[int]
    STDERR_INFO_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTION_REASON_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_LABELS_FIELD_NUMBER: _ClassVar[int]
    WAITING_REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_HISTORY_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    RETRY_POLICY_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    WAITING_ON_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    status: TaskStatus
    parameters_json: str
    attempts: int
    interruptions: int
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    progress: Progress
    properties: _containers.MessageMap[str, PropertyValue]
    error: TaskError
    cancellation: Cancellation
    timeout: _duration_pb2.Duration
    worker: str
    stdout_info: OutputInfo
    stderr_info: OutputInfo
    interruption_reason: str
    required_labels: _containers.ScalarMap[str, str]
    waiting_reason: WaitingReason
    attempt_history: _containers.RepeatedCompositeFieldContainer[TaskAttempt]
    next_attempt_time: _timestamp_pb2.Timestamp
    dependencies: _containers.RepeatedCompositeFieldContainer[TaskDependency]
    retry_policy: RetryPolicy
    concurrency_key: str
    concurrency_limit: int
    waiting_on: _containers.RepeatedScalarFieldContainer[str]
    cost: TaskCost
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[_Union[TaskStatus, str]] = ..., parameters_json: _Optional[str] = ..., attempts: _Optional[int] = ..., interruptions: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., properties: _Optional[_Mapping[str, PropertyValue]] = ..., error: _Optional[_Union[TaskError, _Mapping]] = ..., cancellation: _Optional[_Union[Cancellation, _Mapping]] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., worker: _Optional[str] = ..., stdout_info: _Optional[_Union[OutputInfo, _Mapping]] = ..., stderr_info: _Optional[_Union[OutputInfo, _Mapping]] = ..., interruption_reason: _Optional[str] = ..., required_labels: _Optional[_Mapping[str, str]] = ..., waiting_reason: _Optional[_Union[WaitingReason, str]] = ..., attempt_history: _Optional[_Iterable[_Union[TaskAttempt, _Mapping]]] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dependencies: _Optional[_Iterable[_Union[TaskDependency, _Mapping]]] = ..., retry_policy: _Optional[_Union[RetryPolicy, _Mapping]] = ..., concurrency_key: _Optional[str] = ..., concurrency_limit: _Optional[int] = ..., waiting_on: _Optional[_Iterable[str]] = ..., cost: _Optional[_Union[TaskCost, _Mapping]] = ...) -> None: ...
