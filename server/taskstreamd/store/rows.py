"""Instances and tasks as rows: what the writer stores of them and how a read builds them back.

Rows are plain dicts keyed by column name. Times are written as the dialect stores them (``Dialect``):
SQLite keeps text in the format SQLAlchemy's DateTime uses, so rows written here read back the same
through SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Column, Table

from taskstreamd.domain import transitions
from taskstreamd.domain.cost import TaskCost
from taskstreamd.domain.model import QUEUED, Cancellation, Instance, InstanceOptions, Task, TaskFailure
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.store import scheduling_rows
from taskstreamd.store.models import InstanceRow, TaskRow

INSTANCES = cast(Table, InstanceRow.__table__)
TASKS = cast(Table, TaskRow.__table__)

# Large columns a read of state never needs.
_DEFERRED = {"python_object", "python_environment", "result", "error_pickle", "lease_expires"}
TASK_STATE: list[Column[Any]] = [c for c in TASKS.c if c.key not in _DEFERRED]

STATUS_CODE = {InstanceStatus.RUNNING: 1, InstanceStatus.SUSPENDED: 2, InstanceStatus.TERMINATED: 3}
STATUS_FROM_CODE = {v: k for k, v in STATUS_CODE.items()}
TERMINATED_CODE = STATUS_CODE[InstanceStatus.TERMINATED]


def utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def utc_of(value: datetime | str) -> datetime:
    """A time as a driver hands it back (SQLite's raw driver: the text ``sqlite_time`` wrote), in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def sqlite_time(value: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy's DateTime stores it in SQLite."""
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo is not None else value
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}"
    )


def keep_time(value: datetime | None) -> datetime | None:
    return value


# -- writing ----------------------------------------------------------------------------------------------

INSTANCE_INSERT_COLUMNS = (
    "id",
    "project",
    "owner",
    "priority",
    "status",
    "successful",
    "create_time",
    "start_time",
    "end_time",
    "parent_instance",
    "request_id",
    "cancel_on_task_failure",
    "max_interrupted_retries",
    "task_timeout",
    "labels_json",
    "last_seq",
    "options_json",
    "start_at",
    "expire_time",
    "traceparent",
    "tracestate",
    "schedule",
)
INSTANCE_UPDATE_COLUMNS = ("status", "successful", "start_time", "end_time", "last_seq", "expire_time")
TASK_UPDATE_COLUMNS = (
    "status",
    "attempts",
    "interruptions",
    "worker",
    "assignment_id",
    "started",
    "start_time",
    "end_time",
    "grace_period",
    "interruption_reason",
    "error_type",
    "error_message",
    "error_traceback",
    "error_pickle",
    "cancel_reason",
    "cancel_message",
    "cancel_by",
    "cancel_time",
    "stdout_bytes",
    "stderr_bytes",
    "progress",
    "progress_seq",
    "result",
    "history_json",
    "retry_time",
    "cpu_seconds",
    "memory_peak_bytes",
)
TASK_INSERT_COLUMNS = (
    "id",
    "instance_id",
    "index",
    "name",
    "type",
    "parameters_json",
    "python_object",
    "python_environment",
    "timeout",
    "required_labels_json",
    "scheduling_json",
    *TASK_UPDATE_COLUMNS,
)


def instance_insert(instance: Instance, time: Any) -> tuple[Any, ...]:
    """The instance's row in INSTANCE_INSERT_COLUMNS order; ``time`` formats times for the dialect."""
    return (
        instance.id,
        instance.project,
        instance.owner,
        instance.priority,
        STATUS_CODE[instance.status],
        instance.successful,
        time(instance.create_time),
        time(instance.start_time),
        time(instance.end_time),
        instance.parent_instance,
        instance.request_id or None,
        instance.options.cancel_on_task_failure,
        instance.options.max_interrupted_retries,
        instance.options.task_timeout,
        json.dumps(instance.labels, sort_keys=True),
        instance.seq,
        scheduling_rows.options_json(instance.options),
        time(instance.start_at),
        time(instance.expire_time),
        instance.traceparent,
        instance.tracestate,
        instance.schedule or None,
    )


def instance_update(instance: Instance, time: Any) -> tuple[Any, ...]:
    """INSTANCE_UPDATE_COLUMNS then the id."""
    return (
        STATUS_CODE[instance.status],
        instance.successful,
        time(instance.start_time),
        time(instance.end_time),
        instance.seq,
        time(instance.expire_time),
        instance.id,
    )


def _task_state(task: Task, time: Any) -> tuple[Any, ...]:
    error, cancellation, cost = task.error, task.cancellation, task.cost
    return (
        int(task.status),
        task.attempts,
        task.interruptions,
        task.worker,
        task.assignment_id,
        task.started,
        time(task.start_time),
        time(task.end_time),
        task.grace_period,
        task.interruption_reason,
        error.type if error else None,
        error.message if error else None,
        error.traceback if error else None,
        (error.pickled_exception or None) if error else None,
        int(cancellation.reason) if cancellation else None,
        cancellation.message if cancellation else None,
        cancellation.requested_by if cancellation else None,
        time(cancellation.request_time) if cancellation else None,
        task.stdout_bytes,
        task.stderr_bytes,
        task.progress,
        task.progress_seq,
        task.result,
        scheduling_rows.history_json(task.history) if task.history else None,
        time(task.retry_time),
        cost.cpu_seconds if cost else None,
        cost.memory_peak_bytes if cost else None,
    )


def task_insert(instance_id: str, task: Task, time: Any) -> tuple[Any, ...]:
    """TASK_INSERT_COLUMNS order."""
    return (
        task.id,
        instance_id,
        task.index,
        task.name,
        task.type,
        task.parameters_json,
        task.python_object or None,
        task.python_environment or None,
        task.timeout,
        json.dumps(task.required_labels, sort_keys=True),
        scheduling_rows.task_json(task),
        *_task_state(task, time),
    )


def task_update(task: Task, time: Any) -> tuple[Any, ...]:
    """TASK_UPDATE_COLUMNS then the id."""
    return (*_task_state(task, time), task.id)


# -- reading ----------------------------------------------------------------------------------------------


def instance_from_mapping(m: Mapping[Any, Any]) -> Instance:
    options = InstanceOptions(
        cancel_on_task_failure=bool(m["cancel_on_task_failure"]),
        max_interrupted_retries=m["max_interrupted_retries"],
        task_timeout=m["task_timeout"],
    )
    if m.get("options_json"):
        scheduling_rows.read_options(options, m["options_json"])
    return Instance(
        id=m["id"],
        project=m["project"],
        owner=m["owner"],
        priority=m["priority"],
        create_time=utc(m["create_time"]) or datetime.now(UTC),
        status=STATUS_FROM_CODE[m["status"]],
        labels=json.loads(m["labels_json"]),
        options=options,
        start_time=utc(m["start_time"]),
        end_time=utc(m["end_time"]),
        parent_instance=m["parent_instance"],
        request_id=m["request_id"] or "",
        successful=bool(m["successful"]),
        seq=m["last_seq"],
        start_at=utc(m.get("start_at")),
        expire_time=utc(m.get("expire_time")),
        traceparent=m.get("traceparent") or "",
        tracestate=m.get("tracestate") or "",
        schedule=m.get("schedule") or "",
    )


def task_from_mapping(m: Mapping[Any, Any], properties: dict[str, bytes]) -> Task:
    """A task from its columns; the deferred ones are read only when present."""
    error = None
    if m["error_type"] is not None:
        pickled = m.get("error_pickle") or b""
        error = TaskFailure(m["error_type"], m["error_message"] or "", m["error_traceback"] or "", pickled)
    cancellation = None
    if m["cancel_reason"] is not None:
        cancellation = Cancellation(
            CancellationReason(m["cancel_reason"]),
            m["cancel_message"] or "",
            m["cancel_by"] or "",
            utc(m["cancel_time"]) or datetime.now(UTC),
        )
    task = Task(
        id=m["id"],
        index=m["index"],
        name=m["name"],
        type=m["type"],
        status=TaskStatus(m["status"]),
        parameters_json=m["parameters_json"],
        timeout=m["timeout"],
        attempts=m["attempts"],
        interruptions=m["interruptions"],
        worker=m["worker"],
        assignment_id=m["assignment_id"],
        started=bool(m["started"]),
        start_time=utc(m["start_time"]),
        end_time=utc(m["end_time"]),
        error=error,
        cancellation=cancellation,
        grace_period=m["grace_period"],
        progress=m["progress"],
        progress_seq=m["progress_seq"],
        properties=dict(properties),
        stdout_bytes=m["stdout_bytes"],
        stderr_bytes=m["stderr_bytes"],
        interruption_reason=m["interruption_reason"] or "",
        required_labels=json.loads(m["required_labels_json"] or "{}"),
        python_object=m.get("python_object") or b"",
        python_environment=m.get("python_environment") or b"",
        result=m.get("result"),
        retry_time=utc(m.get("retry_time")),
    )
    if m.get("cpu_seconds") is not None:
        task.cost = TaskCost(m["cpu_seconds"], m.get("memory_peak_bytes") or 0)
    if m.get("scheduling_json"):
        scheduling_rows.read_task(task, m["scheduling_json"])
    if m.get("history_json"):
        task.history = scheduling_rows.read_history(m["history_json"])
    return task


def set_waiting(instance: Instance) -> None:
    """Why each task of a stored instance that has not started waits (the reasons are not stored)."""
    if instance.status == InstanceStatus.TERMINATED:
        return
    now = datetime.now(UTC)
    for task in instance.tasks:
        if task.status in QUEUED or (task.status == TaskStatus.SUSPENDED and not task.worker):
            task.waiting = transitions.initial_waiting(instance, task, now)
