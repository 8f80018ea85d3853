"""PyODPS's views of an instance's tasks, built from the task data the server already returns.

- ``InstanceTask`` is PyODPS's ``Instance.Task``: what ``get_task_statuses()`` maps each task name to,
  with ``name``, ``type``, ``status`` (PyODPS's six ``Instance.Task.TaskStatus`` values), ``start_time``,
  ``end_time``, and taskstream's own finer ``task_status``.
- ``TaskSummary`` (``get_task_summary``): a dict of counts and times plus ``summary_text`` and
  ``json_summary``, as PyODPS's.
- ``task_detail`` (``get_task_detail``): the task as a dict, with the worker that ran it, from which
  ``worker_entries`` gives ``get_task_workers`` its rows.
- ``TaskCost`` (``get_task_cost``): what the task's latest attempt cost, as its worker measured it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections import OrderedDict
from typing import Any, ClassVar

from taskstream import status as vocabulary
from taskstream._convert import optional_datetime, task_status
from taskstream._progress import TaskProgress as _TaskProgress
from taskstream.v1 import task_pb2
from taskstream.values import decode_property

# The log types get_worker_log serves: the two streams the server keeps per task.
LOG_TYPES = ("stdout", "stderr")


class PyODPSTaskStatus(enum.Enum):
    """PyODPS's task statuses (``Instance.Task.TaskStatus``); ``.value`` is PyODPS's text."""

    WAITING = "WAITING"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    SUSPENDED = "SUSPENDED"
    CANCELLED = "CANCELLED"

    @classmethod
    def of(cls, status: vocabulary.TaskStatus) -> PyODPSTaskStatus:
        """The PyODPS status a taskstream status reads as (several map to one)."""
        return _PYODPS_STATUS.get(status, cls.WAITING)


_S = vocabulary.TaskStatus
_PYODPS_STATUS = {
    _S.NOT_SUBMITTED: PyODPSTaskStatus.WAITING,
    _S.WAITING: PyODPSTaskStatus.WAITING,
    _S.ASSIGNED: PyODPSTaskStatus.WAITING,
    _S.INTERRUPTED: PyODPSTaskStatus.WAITING,  # its worker was lost: it waits to be retried
    _S.RUNNING: PyODPSTaskStatus.RUNNING,
    _S.CANCELLING: PyODPSTaskStatus.RUNNING,  # still running until it stops
    _S.SUSPENDED: PyODPSTaskStatus.SUSPENDED,
    _S.SUCCESS: PyODPSTaskStatus.SUCCESS,
    _S.FAILED: PyODPSTaskStatus.FAILED,
    _S.ENVIRONMENT_ERROR: PyODPSTaskStatus.FAILED,
    _S.TIMED_OUT: PyODPSTaskStatus.FAILED,  # it has an error, as a failed task does
    _S.CANCELLED: PyODPSTaskStatus.CANCELLED,
}


@dataclasses.dataclass(frozen=True)
class InstanceTask:
    """A task as ``get_task_statuses()`` reports it (PyODPS's ``Instance.Task``): a snapshot, read
    when that call fetched the instance. ``status`` is one of PyODPS's six statuses; ``task_status`` is
    taskstream's own (``ASSIGNED``, ``TIMED_OUT`` …), which ``status`` folds into those six."""

    TaskStatus: ClassVar[type[PyODPSTaskStatus]] = PyODPSTaskStatus
    TaskProgress: ClassVar[type[_TaskProgress]] = _TaskProgress

    name: str
    type: str
    status: PyODPSTaskStatus
    task_status: vocabulary.TaskStatus
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    # Why it waits while WAITING or INTERRUPTED (WaitingReason.NONE otherwise).
    waiting_reason: vocabulary.WaitingReason = vocabulary.WaitingReason.NONE
    # While it waits with reason DEPENDENCY: the tasks it depends on that have not ended yet.
    waiting_on: tuple[str, ...] = ()

    @classmethod
    def from_proto(cls, task: task_pb2.Task) -> InstanceTask:
        full = task_status(task.status)
        return cls(
            name=task.name,
            type=task.type,
            status=PyODPSTaskStatus.of(full),
            task_status=full,
            start_time=optional_datetime(task, "start_time"),
            end_time=optional_datetime(task, "end_time"),
            waiting_reason=vocabulary.WaitingReason.from_proto(task.waiting_reason),
            waiting_on=tuple(task.waiting_on),
        )


@dataclasses.dataclass(frozen=True)
class TaskCost:
    """What a task's latest attempt cost, as its worker measured it in the task's process
    (``get_task_cost``; PyODPS's ``Instance.TaskCost``).

    ``cpu_seconds``: user and system CPU seconds of the task's process and of the child processes the
    task waited for. ``memory_peak_bytes``: the process's peak resident memory while the task ran (the
    interpreter's own included), None where the worker's platform cannot tell one task's peak from the
    process's. PyODPS's names read the same figures, in these units (MaxCompute's own differ):
    ``cpu_cost`` is ``cpu_seconds``, ``memory_cost`` is ``memory_peak_bytes``; ``input_size`` is
    always None (taskstream does not measure input)."""

    cpu_seconds: float
    memory_peak_bytes: int | None
    input_size: None = None

    @property
    def cpu_cost(self) -> float:
        return self.cpu_seconds

    @property
    def memory_cost(self) -> int | None:
        return self.memory_peak_bytes

    @classmethod
    def from_proto(cls, cost: task_pb2.TaskCost) -> TaskCost:
        return cls(cost.cpu_seconds, cost.memory_peak_bytes or None)


def task_cost(task: task_pb2.Task) -> TaskCost | None:
    """The task's cost; None until an attempt ended with one measured."""
    return TaskCost.from_proto(task.cost) if task.HasField("cost") else None


class TaskSummary(dict[str, Any]):
    """PyODPS's task summary: a dict, plus ``summary_text`` (lines for a person) and ``json_summary``
    (the dict as JSON text)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.summary_text: str | None = None
        self.json_summary: str | None = None


def task_summary(task: task_pb2.Task) -> TaskSummary:
    """The summary of one task: its outcome, attempts, duration and each stage's records."""
    full = task_status(task.status)
    start, end = optional_datetime(task, "start_time"), optional_datetime(task, "end_time")
    seconds = (end - start).total_seconds() if start is not None and end is not None else None
    stages = OrderedDict(
        (
            stage.name,
            {
                "inputRecords": stage.input_records,
                "outputRecords": stage.output_records,
                "totalWorkers": stage.total_workers,
                "finishedPercentage": stage.finished_percentage,
            },
        )
        for stage in task.progress.stages
    )
    summary = TaskSummary(
        name=task.name,
        type=task.type,
        status=full.name,
        attempts=task.attempts,
        interruptions=task.interruptions,
        durationSeconds=seconds,
        stages=stages,
    )
    attempts = f"{task.attempts} attempt{'' if task.attempts == 1 else 's'}"
    took = f", {seconds:.3f} s" if seconds is not None else ""
    lines = [f"{task.name} ({task.type}): {full.name} after {attempts}{took}"]
    lines += [
        f"{name}: {stage['totalWorkers']} workers, {stage['inputRecords']} records in, "
        f"{stage['outputRecords']} out, {stage['finishedPercentage']}%"
        for name, stage in stages.items()
    ]
    summary.summary_text = "\n".join(lines) + "\n"
    summary.json_summary = json.dumps(summary)
    return summary


def task_detail(task: task_pb2.Task) -> OrderedDict[str, Any]:
    """Everything the server keeps of one task but its result and output bytes, as a dict."""
    full = task_status(task.status)
    detail: OrderedDict[str, Any] = OrderedDict(
        name=task.name,
        type=task.type,
        status=full.name,
        parameters=json.loads(task.parameters_json) if task.parameters_json else {},
        attempts=task.attempts,
        interruptions=task.interruptions,
        interruptionReason=task.interruption_reason,
        createTime=_iso(task, "create_time"),
        startTime=_iso(task, "start_time"),
        endTime=_iso(task, "end_time"),
        stages=[
            OrderedDict(
                name=stage.name,
                runningWorkers=stage.running_workers,
                terminatedWorkers=stage.terminated_workers,
                totalWorkers=stage.total_workers,
                backupWorkers=stage.backup_workers,
                inputRecords=stage.input_records,
                outputRecords=stage.output_records,
                finishedPercentage=stage.finished_percentage,
            )
            for stage in task.progress.stages
        ],
        progress=OrderedDict(percent=task.progress.percent, message=task.progress.message),
        properties={key: decode_property(value) for key, value in sorted(task.properties.items())},
        error=OrderedDict(type=task.error.type, message=task.error.message)
        if task.HasField("error")
        else None,
        cancellation=OrderedDict(
            reason=vocabulary.CancellationReason.from_proto(task.cancellation.reason).name,
            message=task.cancellation.message,
            requestedBy=task.cancellation.requested_by,
        )
        if task.HasField("cancellation")
        else None,
        stdout=OrderedDict(bytes=task.stdout_info.total_bytes, cutBytes=task.stdout_info.cut_bytes),
        stderr=OrderedDict(bytes=task.stderr_info.total_bytes, cutBytes=task.stderr_info.cut_bytes),
    )
    # The server keeps the worker that runs or last ran the task, and its latest attempt's output.
    detail["workers"] = (
        [
            OrderedDict(
                id=task.worker,
                logId=task.name,
                type=task.type,
                startTime=_epoch(task, "start_time"),
                endTime=_epoch(task, "end_time"),
                status=full.name,
                input_records=sum(stage.input_records for stage in task.progress.stages),
                output_records=sum(stage.output_records for stage in task.progress.stages),
            )
        ]
        if task.worker
        else []
    )
    return detail


def worker_entries(detail: Any) -> list[dict[str, Any]]:
    """The worker rows of a ``task_detail`` (or a list of them): PyODPS's get_task_workers input."""
    details = detail if isinstance(detail, list) else [detail]
    return [dict(entry) for item in details for entry in item.get("workers", [])]


def log_stream(log_type: str) -> str:
    """The output stream a PyODPS log type names; ValueError for a type the server does not keep."""
    kind = log_type.lower()
    if kind not in LOG_TYPES:
        raise ValueError(f"log_type should choose a value in {' '.join(LOG_TYPES)}, not {log_type!r}")
    return kind


def _iso(task: task_pb2.Task, field: str) -> str | None:
    value = optional_datetime(task, field)
    return value.isoformat() if value is not None else None


def _epoch(task: task_pb2.Task, field: str) -> int | None:
    value = optional_datetime(task, field)
    return int(value.timestamp()) if value is not None else None
