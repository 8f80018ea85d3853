"""Plain-text and JSON forms of instances, tasks and results, as the commands print them."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from taskstream import (
    CancellationReason,
    Instance,
    InstanceStatus,
    PickledValue,
    RemoteTaskError,
    StageProgress,
    TaskProgress,
    TaskStatus,
    WaitingReason,
)
from taskstream._convert import task_status
from taskstream.v1 import instance_pb2, task_pb2

Json = dict[str, Any]
_JSON_VALUES = (type(None), bool, int, float, str, list, dict)
# Control characters other than tab and newline (C0, DEL, C1): text from tasks and workers could move the
# cursor, retitle the terminal or hide what it follows, so they are shown escaped instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TRACEBACK_LINES = 6  # the last lines of a failed task's traceback shown with its error
FAILURES_SHOWN = 10  # failed tasks described in full; the others are counted


def printable(text: str) -> str:
    """``text`` with its control characters (but tabs and newlines) written as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def one_line(text: str) -> str:
    """``text`` printable and on one line."""
    return " ".join(printable(text).split())


def instance_data(instance: Instance) -> instance_pb2.Instance:
    """The instance with its tasks as the handle holds it (fetched again while it runs): statuses,
    progress, errors and cancellations of every task from one answer, not a call per task."""
    return instance._current(with_tasks=True)


def shown_percent(status: TaskStatus, progress: TaskProgress) -> int:
    """The percent a task is done, as the commands show it: a task that succeeded is done, whatever it
    reported (many report nothing)."""
    return 100 if status is TaskStatus.SUCCESS else progress.percent


def outcome_word(instance: Instance) -> str:
    """``ls``'s status: Running or Suspended, else whether the terminated instance succeeded."""
    data = instance_data(instance)
    status = InstanceStatus.from_proto(data.status)
    if status is not InstanceStatus.TERMINATED:
        return str(status.value)
    return "Succeeded" if data.successful else "Failed"


def cancellation_text(cancellation: task_pb2.Cancellation) -> str:
    """``direct by alice: wrong input``: the reason, who asked and their message."""
    reason = CancellationReason.from_proto(cancellation.reason).name.lower()
    by = f" by {one_line(cancellation.requested_by)}" if cancellation.requested_by else ""
    message = f": {one_line(cancellation.message)}" if cancellation.message else ""
    return f"{reason}{by}{message}"


def error_text(error: task_pb2.TaskError) -> str:
    """``Type: message`` on one line."""
    message = one_line(error.message)
    return f"{one_line(error.type) or 'Error'}: {message}" if message else one_line(error.type) or "Error"


def task_failure(task: task_pb2.Task) -> list[str]:
    """What went wrong with a task that did not succeed: a line naming it, its status and its error or
    cancellation, then the last lines of its traceback, indented."""
    status = task_status(task.status)
    why = []
    if task.HasField("cancellation"):
        why.append(f"cancelled ({cancellation_text(task.cancellation)})")
    if task.HasField("error"):
        why.append(error_text(task.error))
    if task.interruption_reason and status is not TaskStatus.CANCELLED:
        why.append(f"last interrupted: {one_line(task.interruption_reason)}")
    lines = [f"task {one_line(task.name)} {status.name}" + (f": {'; '.join(why)}" if why else "")]
    if task.HasField("error") and task.error.traceback.strip():
        traceback = printable(task.error.traceback.rstrip()).splitlines()
        if len(traceback) > TRACEBACK_LINES:
            lines.append("  ...")
        lines += ["  " + line for line in traceback[-TRACEBACK_LINES:]]
    return lines


def failure_lines(instance: Instance) -> list[str]:
    """Every task of a terminated instance that did not succeed, described (the first few in full)."""
    failed = [t for t in instance_data(instance).tasks if task_status(t.status) is not TaskStatus.SUCCESS]
    lines = [line for task in failed[:FAILURES_SHOWN] for line in task_failure(task)]
    if len(failed) > FAILURES_SHOWN:
        lines.append(f"... and {len(failed) - FAILURES_SHOWN} more tasks that did not succeed")
    return lines


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
    """The instance as JSON; ``with_tasks`` adds every task's status, progress, error and cancellation."""
    raw = instance_data(instance)
    data: Json = {
        "id": instance.id,
        "name": instance.name,
        "project": instance.project,
        "status": InstanceStatus.from_proto(raw.status).value,
        "successful": raw.successful,
        "owner": instance.owner,
        "priority": instance.priority,
        "labels": instance.labels,
        "parent_instance": raw.parent_instance or None,
        "create_time": utc_time(instance.create_time),
        "start_time": utc_time(instance.start_time),
        "end_time": utc_time(instance.end_time),
    }
    if with_tasks:
        data["tasks"] = [task_json(task) for task in raw.tasks]
    return data


def task_json(task: task_pb2.Task) -> Json:
    reason = WaitingReason(task.waiting_reason) if task.waiting_reason else None
    data: Json = {
        "name": task.name,
        "type": task.type,
        "status": task_status(task.status).name,
        "waiting_reason": reason.name if reason else None,
        "waiting_on": list(task.waiting_on),
        "progress": progress_json(TaskProgress.from_proto(task.progress)),
        "error": None,
        "cancellation": None,
    }
    if task.HasField("error"):
        data["error"] = {
            "type": task.error.type,
            "message": task.error.message,
            "traceback": task.error.traceback,
        }
    if task.HasField("cancellation"):
        data["cancellation"] = {
            "reason": CancellationReason.from_proto(task.cancellation.reason).name,
            "message": task.cancellation.message,
            "requested_by": task.cancellation.requested_by,
        }
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
        f"{one_line(task.name)} {task_status(task.status).name}"
        for task in instance_data(instance).tasks
        if task_status(task.status) is not TaskStatus.SUCCESS
    ]
    shown = ", ".join(failed[:FAILURES_SHOWN]) + (
        f" and {len(failed) - FAILURES_SHOWN} more" if len(failed) > FAILURES_SHOWN else ""
    )
    return f"{instance.id} {status.value}, not successful: {shown}"


def task_status_text(task: task_pb2.Task, queue_position: int | None = None) -> str:
    """A task's status, with why it waits while it does: ``WAITING (QUEUED)``, with the tasks queued
    ahead of it when known: ``WAITING (QUEUED behind 3)``, and the tasks a dependent waits on:
    ``WAITING (DEPENDENCY: extract, load)``."""
    name = task_status(task.status).name
    if not task.waiting_reason:
        return name
    reason = WaitingReason(task.waiting_reason).name
    if task.waiting_on:
        reason += ": " + ", ".join(one_line(n) for n in task.waiting_on)
    if queue_position:
        reason += f" behind {queue_position - 1}"
    return f"{name} ({reason})"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Left-aligned columns separated by two spaces, as plain lines."""
    all_rows = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in all_rows
    ]


def instance_text(instance: Instance, queue_positions: Mapping[str, int] | None = None) -> list[str]:
    """The lines ``get`` prints: the instance's fields, then one line per task and per stage;
    ``queue_positions`` maps a queued task's name to its place in the run queue (1: next)."""
    status = instance.status
    if status is InstanceStatus.TERMINATED:
        status_text = f"{status.value} ({'successful' if instance.is_successful() else 'not successful'})"
    else:
        status_text = status.value
    labels = one_line(", ".join(f"{k}={v}" for k, v in sorted(instance.labels.items()))) or "-"
    lines = [
        f"id:        {instance.id}",
        f"project:   {instance.project}",
        f"status:    {status_text}",
        f"owner:     {one_line(instance.owner)}",
        f"priority:  {instance.priority}",
        f"labels:    {labels}",
        f"created:   {local_time(instance.create_time)}",
        f"started:   {local_time(instance.start_time)}",
        f"ended:     {local_time(instance.end_time)}",
    ]
    parent = instance_data(instance).parent_instance
    if parent:
        lines.append(f"parent:    {parent}")
    lines.append("tasks:")
    rows = []
    data = instance_data(instance)
    for task in data.tasks:
        state = task_status(task.status)
        progress = TaskProgress.from_proto(task.progress)
        detail = one_line(progress.message)
        if task.HasField("cancellation"):  # why it was stopped, rather than how it ended after that
            detail = f"cancelled ({cancellation_text(task.cancellation)})"
        elif task.HasField("error"):
            detail = error_text(task.error)
        rows.append(
            [
                one_line(task.name),
                task_status_text(task, (queue_positions or {}).get(task.name)),
                f"{shown_percent(state, progress)}%",
                detail,
            ]
        )
        rows += [
            ["  " + one_line(stage.name), "", f"{stage.finished_percentage}%", stage_workers(stage)]
            for stage in progress.stages
        ]
    lines += ["  " + line for line in table(["TASK", "STATUS", "PROGRESS", "DETAIL"], rows)]
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
