"""One plain line per event, as ``watch`` prints them when its output is not a terminal (or when the
``cli`` extra, rich, is not installed)."""

from __future__ import annotations

from taskstream import (
    Heartbeat,
    InstanceEvent,
    InstanceSnapshot,
    InstanceStatus,
    InstanceStatusChanged,
    SubInstanceCreated,
    TaskOutputAppended,
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskStatusChanged,
)
from taskstream.cli._format import one_line, shown_percent, stages_text
from taskstream.cli._view import WatchView


def event_line(view: WatchView, event: InstanceEvent) -> str:
    """One line telling what ``event`` changed, for a stdout that is not a terminal."""
    prefix = f"#{event.seq}"
    if isinstance(event, InstanceSnapshot):
        tasks = ", ".join(
            f"{one_line(t.name)} {t.status.name} {shown_percent(t.status, t.progress)}% {t.detail}".rstrip()
            for t in view.tasks.values()
        )
        return f"{prefix} snapshot: {view.status.value}; tasks: {tasks or 'none'}"
    if isinstance(event, InstanceStatusChanged):
        outcome = (
            (", successful" if event.successful else ", not successful")
            if event.status is InstanceStatus.TERMINATED
            else ""
        )
        return f"{prefix} instance: {event.previous_status.value} -> {event.status.value}{outcome}"
    if isinstance(event, TaskStatusChanged):
        change = (
            f"{prefix} task {one_line(event.task_name)}: {event.previous_status.name} -> {event.status.name}"
        )
        cancelled = view.tasks[event.task_name].cancellation if event.task_name in view.tasks else ""
        return f"{change} (cancelled: {cancelled})" if cancelled else change
    if isinstance(event, TaskProgressUpdated):
        progress = event.progress
        message = f" {one_line(progress.message)}" if progress.message else ""
        stages = f" | {one_line(stages_text(progress.stages))}" if progress.stages else ""
        return f"{prefix} task {one_line(event.task_name)}: {progress.percent}%{message}{stages}"
    if isinstance(event, TaskPropertyUpdated):
        return f"{prefix} task {one_line(event.task_name)}: property {one_line(event.key)} = {one_line(repr(event.value))}"
    if isinstance(event, TaskOutputAppended):
        return f"{prefix} task {one_line(event.task_name)}: {len(event.data)} bytes of {event.stream} at {event.offset}"
    if isinstance(event, SubInstanceCreated):
        return f"{prefix} task {one_line(event.task_name)}: sub-instance {one_line(event.name)} {event.instance.id}"
    if isinstance(event, Heartbeat):
        return f"{prefix} heartbeat"
    return f"{prefix} {type(event).__name__}"
