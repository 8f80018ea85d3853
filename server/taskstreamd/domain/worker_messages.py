"""What a worker session says and is told, as plain data: the wire layer converts the WorkerService
messages to these and back, so the core never touches protobuf.

Reports (worker -> server) name the attempt they are about by its assignment id; commands (server ->
worker) likewise. Opaque payloads (a serialized Result, Progress or PropertyValue) pass through as bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from taskstreamd.domain.cost import TaskCost
from taskstreamd.domain.model import Cancellation, TaskFailure
from taskstreamd.domain.vocabulary import TaskStatus


@dataclass(frozen=True, slots=True)
class Registration:
    name: str
    slots: int
    task_types: dict[str, str]  # name -> description
    accepts_python_objects: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    gives_back: bool = False  # it answers TakeBack about tasks waiting in it for a slot
    accepts_batches: bool = False  # several commands may travel in one message


# -- reports --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Started:
    assignment_id: str


@dataclass(frozen=True, slots=True)
class ProgressReported:
    assignment_id: str
    progress: bytes


@dataclass(frozen=True, slots=True)
class OutputReported:
    assignment_id: str
    stream: int  # 1 stdout, 2 stderr
    offset: int
    data: bytes


@dataclass(frozen=True, slots=True)
class PropertyReported:
    assignment_id: str
    key: str
    value: bytes


@dataclass(frozen=True, slots=True)
class Finished:
    assignment_id: str
    status: TaskStatus
    result: bytes | None = None
    error: TaskFailure | None = None
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    started: bool = False  # the start was not reported separately: it comes with the end
    cost: TaskCost | None = None  # what it cost its process, when measured


@dataclass(frozen=True, slots=True)
class Paused:
    assignment_id: str
    paused: bool


@dataclass(frozen=True, slots=True)
class TakenBack:
    assignment_id: str
    taken_back: bool


@dataclass(frozen=True, slots=True)
class Heartbeat:
    pass


Report = (
    Started | ProgressReported | OutputReported | PropertyReported | Finished | Paused | TakenBack | Heartbeat
)


# -- commands -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    assignment_id: str
    attempt: int
    project: str
    instance_id: str
    task_name: str
    type: str
    parameters_json: str
    python_object: bytes = b""
    python_environment: bytes = b""
    timeout: float | None = None
    task_token: str = ""  # lets a workflow's task act as its instance's owner (with auth on)
    dependency_results: dict[str, bytes] = field(default_factory=dict)  # name -> a serialized Result
    traceparent: str = ""  # the W3C trace context of the call that created the instance
    tracestate: str = ""


@dataclass(frozen=True, slots=True)
class Cancel:
    assignment_id: str
    cancellation: Cancellation
    grace_period: float


@dataclass(frozen=True, slots=True)
class Suspend:
    assignment_id: str


@dataclass(frozen=True, slots=True)
class Resume:
    assignment_id: str


@dataclass(frozen=True, slots=True)
class Drop:
    assignment_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class TakeBack:
    assignment_id: str


Command = Assignment | Cancel | Suspend | Resume | Drop | TakeBack
