"""Plain-text and JSON forms of instances, tasks and results, as the commands print them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from taskstream import (
    Instance,
    InstanceStatus,
    InstanceTask,
    PickledValue,
    RemoteTaskError,
    StageProgress,
    TaskProgress,
    TaskStatus,
)

Json = dict[str, Any]
_JSON_VALUES = (type(None), bool, int, float, str, list, dict)


def local_time(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


def utc_time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def stages_text(stages: Iterable[StageProgress]) -> str:
    """PyODPS's formatted stages on one line, separated by spaces instead of tabs."""
    return " ".join(stage.formatted().rstrip("\t") for stage in stages)


def stage_workers(stage: StageProgress) -> str:
    """PyODPS's ``RUNNING/TERMINATED/TOTAL`` workers of a stage, with ``(+N backups)`` when it has some."""
    backups = f" (+{stage.backup_workers} backups)" if stage.backup_workers > 0 else ""
    return f"{stage.running_workers}/{stage.terminated_workers}/{stage.total_workers}{backups}"


def progress_json(progress: TaskProgress) -> Json:
    return {
        "percent": progress.percent,
        "message": progress.message,
        "stages": [
            {
                "name": s.name,
                "running_workers": s.running_workers,
                "terminated_workers": s.terminated_workers,
                "total_workers": s.total_workers,
                "backup_workers": s.backup_workers,
                "input_records": s.input_records,
                "output_records": s.output_records,
                "finished_percentage": s.finished_percentage,
            }
            for s in progress.stages
        ],
    }


def instance_json(instance: Instance, *, with_tasks: bool) -> Json:
    """The instance as JSON; ``with_tasks`` adds every task's status and progress (and more calls)."""
    status = instance.status
    data: Json = {
        "id": instance.id,
        "name": instance.name,
        "project": instance.project,
        "status": status.value,
        "owner": instance.owner,
        "priority": instance.priority,
        "labels": instance.labels,
        "create_time": utc_time(instance.create_time),
        "start_time": utc_time(instance.start_time),
        "end_time": utc_time(instance.end_time),
    }
    if with_tasks:
        data["successful"] = instance.is_successful()
        data["tasks"] = [
            {
                "name": name,
                "status": task.task_status.name,
                "waiting_reason": task.waiting_reason.name if task.waiting_reason else None,
                "progress": progress_json(instance.get_task_progress(name)),
            }
            for name, task in instance.get_task_statuses().items()
        ]
    return data


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def outcome_line(instance: Instance) -> str:
    """``ID Terminated, successful`` or, naming the tasks that did not succeed, ``…, not successful: …``."""
    status = instance.status
    if status is not InstanceStatus.TERMINATED:
        return f"{instance.id} {status.value}"
    if instance.is_successful():
        return f"{instance.id} {status.value}, successful"
    failed = [
        f"{name} {task.task_status.name}"
        for name, task in instance.get_task_statuses().items()
        if task.task_status is not TaskStatus.SUCCESS
    ]
    return f"{instance.id} {status.value}, not successful: {', '.join(failed)}"


def task_status_text(task: InstanceTask) -> str:
    """A task's status, with why it waits while it does: ``WAITING (DEPENDENCY)``."""
    if task.waiting_reason:
        return f"{task.task_status.name} ({task.waiting_reason.name})"
    return task.task_status.name


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Left-aligned columns separated by two spaces, as plain lines."""
    all_rows = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in all_rows
    ]


def instance_text(instance: Instance) -> list[str]:
    """The lines ``get`` prints: the instance's fields, then one line per task and per stage."""
    status = instance.status
    if status is InstanceStatus.TERMINATED:
        status_text = f"{status.value} ({'successful' if instance.is_successful() else 'not successful'})"
    else:
        status_text = status.value
    labels = ", ".join(f"{k}={v}" for k, v in sorted(instance.labels.items())) or "-"
    lines = [
        f"id:        {instance.id}",
        f"project:   {instance.project}",
        f"status:    {status_text}",
        f"owner:     {instance.owner}",
        f"priority:  {instance.priority}",
        f"labels:    {labels}",
        f"created:   {local_time(instance.create_time)}",
        f"started:   {local_time(instance.start_time)}",
        f"ended:     {local_time(instance.end_time)}",
        "tasks:",
    ]
    rows = []
    for name, task in instance.get_task_statuses().items():
        progress = instance.get_task_progress(name)
        rows.append([name, task_status_text(task), f"{progress.percent}%", progress.message])
        rows += [
            ["  " + stage.name, "", f"{stage.finished_percentage}%", stage_workers(stage)]
            for stage in progress.stages
        ]
    lines += ["  " + line for line in table(["TASK", "STATUS", "PROGRESS", "MESSAGE"], rows)]
    return lines


def result_bytes(value: Any) -> bytes:
    """A task result as ``result`` prints it: JSON values pretty, text and bytes as they are, a Python
    object by the repr the worker wrote (the command never unpickles)."""
    if isinstance(value, PickledValue):
        return (value.repr + "\n").encode()
    if isinstance(value, RemoteTaskError):
        return f"{value.type_name or 'Exception'}: {value.message}\n".encode()
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return (value if value.endswith("\n") else value + "\n").encode()
    if isinstance(value, _JSON_VALUES):
        try:
            return (json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()
        except (TypeError, ValueError):
            pass  # a Python object inside a container: fall back to its repr
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}\n".encode()
    return (repr(value) + "\n").encode()
