import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from taskstream.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConnectRequest(_message.Message):
    __slots__ = ("register", "started", "progress", "output", "property", "finished", "paused", "heartbeat", "taken_back", "batch")
    REGISTER_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    PROPERTY_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    TAKEN_BACK_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    register: RegisterWorker
    started: TaskStarted
    progress: TaskProgressReport
    output: TaskOutputChunk
    property: TaskPropertySet
    finished: TaskFinished
    paused: TaskPaused
    heartbeat: WorkerHeartbeat
    taken_back: TaskTakenBack
    batch: ConnectRequestBatch
    def __init__(self, register: _Optional[_Union[RegisterWorker, _Mapping]] = ..., started: _Optional[_Union[TaskStarted, _Mapping]] = ..., progress: _Optional[_Union[TaskProgressReport, _Mapping]] = ..., output: _Optional[_Union[TaskOutputChunk, _Mapping]] = ..., property: _Optional[_Union[TaskPropertySet, _Mapping]] = ..., finished: _Optional[_Union[TaskFinished, _Mapping]] = ..., paused: _Optional[_Union[TaskPaused, _Mapping]] = ..., heartbeat: _Optional[_Union[WorkerHeartbeat, _Mapping]] = ..., taken_back: _Optional[_Union[TaskTakenBack, _Mapping]] = ..., batch: _Optional[_Union[ConnectRequestBatch, _Mapping]] = ...) -> None: ...

class RegisterWorker(_message.Message):
    __slots__ = ("worker_name", "slots", "task_types", "accepts_python_objects", "labels", "gives_back_unstarted_tasks", "accepts_batches")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    WORKER_NAME_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    TASK_TYPES_FIELD_NUMBER: _ClassVar[int]
    ACCEPTS_PYTHON_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    GIVES_BACK_UNSTARTED_TASKS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTS_BATCHES_FIELD_NUMBER: _ClassVar[int]
    worker_name: str
    slots: int
    task_types: _containers.RepeatedCompositeFieldContainer[WorkerTaskType]
    accepts_python_objects: bool
    labels: _containers.ScalarMap[str, str]
    gives_back_unstarted_tasks: bool
    accepts_batches: bool
    def __init__(self, worker_name: _Optional[str] = ..., slots: _Optional[int] = ..., task_types: _Optional[_Iterable[_Union[WorkerTaskType, _Mapping]]] = ..., accepts_python_objects: _Optional[bool] = ..., labels: _Optional[_Mapping[str, str]] = ..., gives_back_unstarted_tasks: _Optional[bool] = ..., accepts_batches: _Optional[bool] = ...) -> None: ...

class WorkerTaskType(_message.Message):
    __slots__ = ("name", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class TaskStarted(_message.Message):
    __slots__ = ("assignment_id",)
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    def __init__(self, assignment_id: _Optional[str] = ...) -> None: ...

class TaskProgressReport(_message.Message):
    __slots__ = ("assignment_id", "progress")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    progress: _task_pb2.Progress
    def __init__(self, assignment_id: _Optional[str] = ..., progress: _Optional[_Union[_task_pb2.Progress, _Mapping]] = ...) -> None: ...

class TaskOutputChunk(_message.Message):
    __slots__ = ("assignment_id", "stream", "offset", "data")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    stream: _task_pb2.OutputStream
    offset: int
    data: bytes
    def __init__(self, assignment_id: _Optional[str] = ..., stream: _Optional[_Union[_task_pb2.OutputStream, str]] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class TaskPropertySet(_message.Message):
    __slots__ = ("assignment_id", "key", "value")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    key: str
    value: _task_pb2.PropertyValue
    def __init__(self, assignment_id: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[_Union[_task_pb2.PropertyValue, _Mapping]] = ...) -> None: ...

class TaskFinished(_message.Message):
    __slots__ = ("assignment_id", "status", "result", "error", "stdout_bytes", "stderr_bytes", "started", "cost")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STDOUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    STDERR_BYTES_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    status: _task_pb2.TaskStatus
    result: _task_pb2.Result
    error: _task_pb2.TaskError
    stdout_bytes: int
    stderr_bytes: int
    started: bool
    cost: _task_pb2.TaskCost
    def __init__(self, assignment_id: _Optional[str] = ..., status: _Optional[_Union[_task_pb2.TaskStatus, str]] = ..., result: _Optional[_Union[_task_pb2.Result, _Mapping]] = ..., error: _Optional[_Union[_task_pb2.TaskError, _Mapping]] = ..., stdout_bytes: _Optional[int] = ..., stderr_bytes: _Optional[int] = ..., started: _Optional[bool] = ..., cost: _Optional[_Union[_task_pb2.TaskCost, _Mapping]] = ...) -> None: ...

class TaskPaused(_message.Message):
    __slots__ = ("assignment_id", "paused")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    paused: bool
    def __init__(self, assignment_id: _Optional[str] = ..., paused: _Optional[bool] = ...) -> None: ...

class WorkerHeartbeat(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ConnectResponse(_message.Message):
    __slots__ = ("registered", "assignment", "cancel", "suspend", "resume", "drop", "take_back", "batch")
    REGISTERED_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_FIELD_NUMBER: _ClassVar[int]
    RESUME_FIELD_NUMBER: _ClassVar[int]
    DROP_FIELD_NUMBER: _ClassVar[int]
    TAKE_BACK_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    registered: WorkerRegistered
    assignment: TaskAssignment
    cancel: CancelTask
    suspend: SuspendTask
    resume: ResumeTask
    drop: DropTask
    take_back: TakeBackTask
    batch: ConnectResponseBatch
    def __init__(self, registered: _Optional[_Union[WorkerRegistered, _Mapping]] = ..., assignment: _Optional[_Union[TaskAssignment, _Mapping]] = ..., cancel: _Optional[_Union[CancelTask, _Mapping]] = ..., suspend: _Optional[_Union[SuspendTask, _Mapping]] = ..., resume: _Optional[_Union[ResumeTask, _Mapping]] = ..., drop: _Optional[_Union[DropTask, _Mapping]] = ..., take_back: _Optional[_Union[TakeBackTask, _Mapping]] = ..., batch: _Optional[_Union[ConnectResponseBatch, _Mapping]] = ...) -> None: ...

class WorkerRegistered(_message.Message):
    __slots__ = ("worker_id", "max_output_bytes", "heartbeat_interval", "lease_duration", "accepts_batches")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    LEASE_DURATION_FIELD_NUMBER: _ClassVar[int]
    ACCEPTS_BATCHES_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    max_output_bytes: int
    heartbeat_interval: _duration_pb2.Duration
    lease_duration: _duration_pb2.Duration
    accepts_batches: bool
    def __init__(self, worker_id: _Optional[str] = ..., max_output_bytes: _Optional[int] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., lease_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., accepts_batches: _Optional[bool] = ...) -> None: ...

class TaskAssignment(_message.Message):
    __slots__ = ("assignment_id", "instance", "task", "type", "parameters_json", "python_object", "python_environment", "timeout", "attempt", "task_token", "dependency_results", "traceparent", "tracestate")
    class DependencyResultsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _task_pb2.Result
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_task_pb2.Result, _Mapping]] = ...) -> None: ...
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_JSON_FIELD_NUMBER: _ClassVar[int]
    PYTHON_OBJECT_FIELD_NUMBER: _ClassVar[int]
    PYTHON_ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    TASK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCY_RESULTS_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    TRACESTATE_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    instance: str
    task: str
    type: str
    parameters_json: str
    python_object: bytes
    python_environment: bytes
    timeout: _duration_pb2.Duration
    attempt: int
    task_token: str
    dependency_results: _containers.MessageMap[str, _task_pb2.Result]
    traceparent: str
    tracestate: str
    def __init__(self, assignment_id: _Optional[str] = ..., instance: _Optional[str] = ..., task: _Optional[str] = ..., type: _Optional[str] = ..., parameters_json: _Optional[str] = ..., python_object: _Optional[bytes] = ..., python_environment: _Optional[bytes] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., attempt: _Optional[int] = ..., task_token: _Optional[str] = ..., dependency_results: _Optional[_Mapping[str, _task_pb2.Result]] = ..., traceparent: _Optional[str] = ..., tracestate: _Optional[str] = ...) -> None: ...

class CancelTask(_message.Message):
    __slots__ = ("assignment_id", "cancellation", "grace_period")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    cancellation: _task_pb2.Cancellation
    grace_period: _duration_pb2.Duration
    def __init__(self, assignment_id: _Optional[str] = ..., cancellation: _Optional[_Union[_task_pb2.Cancellation, _Mapping]] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SuspendTask(_message.Message):
    __slots__ = ("assignment_id",)
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    def __init__(self, assignment_id: _Optional[str] = ...) -> None: ...

class ResumeTask(_message.Message):
    __slots__ = ("assignment_id",)
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    def __init__(self, assignment_id: _Optional[str] = ...) -> None: ...

class DropTask(_message.Message):
    __slots__ = ("assignment_id", "reason")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    reason: str
    def __init__(self, assignment_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class TakeBackTask(_message.Message):
    __slots__ = ("assignment_id",)
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    def __init__(self, assignment_id: _Optional[str] = ...) -> None: ...

class TaskTakenBack(_message.Message):
    __slots__ = ("assignment_id", "taken_back")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TAKEN_BACK_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    taken_back: bool
    def __init__(self, assignment_id: _Optional[str] = ..., taken_back: _Optional[bool] = ...) -> None: ...

class ConnectRequestBatch(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[ConnectRequest]
    def __init__(self, messages: _Optional[_Iterable[_Union[ConnectRequest, _Mapping]]] = ...) -> None: ...

class ConnectResponseBatch(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[ConnectResponse]
    def __init__(self, messages: _Optional[_Iterable[_Union[ConnectResponse, _Mapping]]] = ...) -> None: ...
