"""How ``watch`` shows an instance: live progress bars on a terminal (rich), one plain line per event
elsewhere."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

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
    TaskStatus,
    TaskStatusChanged,
)
from taskstream.cli._format import stage_workers, stages_text
from taskstream.cli._view import WatchView

_BAR_WIDTH = 30
_STATUS_STYLES = {
    TaskStatus.SUCCESS: "green",
    TaskStatus.FAILED: "red",
    TaskStatus.ENVIRONMENT_ERROR: "red",
    TaskStatus.TIMED_OUT: "red",
    TaskStatus.CANCELLED: "yellow",
    TaskStatus.CANCELLING: "yellow",
    TaskStatus.INTERRUPTED: "yellow",
    TaskStatus.RUNNING: "cyan",
}


def live_view(view: WatchView) -> RenderableType:
    """The instance's header line, then one progress bar per task and, below it, per stage."""
    table = Table(box=None, pad_edge=False, show_edge=False)
    for header in ("TASK", "STATUS", "PROGRESS", "", "DETAIL"):
        table.add_column(header, no_wrap=True)
    for task in view.tasks.values():
        percent = task.progress.percent
        table.add_row(
            Text(task.name, style="bold"),
            Text(task.status.name, style=_STATUS_STYLES.get(task.status, "")),
            ProgressBar(total=100, completed=percent, width=_BAR_WIDTH),
            f"{percent:>3}%",
            task.progress.message,
        )
        for stage in task.progress.stages:
            table.add_row(
                f"  {stage.name}",
                "",
                ProgressBar(total=100, completed=stage.finished_percentage, width=_BAR_WIDTH),
                f"{stage.finished_percentage:>3}%",
                f"{stage_workers(stage)} running/terminated/total",
            )
    for name, instance_id in view.sub_instances.items():
        table.add_row(f"  sub-instance {name}", "", "", "", instance_id)
    return Group(_header(view), table)


def _header(view: WatchView) -> Text:
    header = Text(f"Instance {view.instance_id}  ")
    if view.status is InstanceStatus.TERMINATED:
        header.append(
            f"{view.status.value}, {'successful' if view.successful else 'not successful'}",
            style="bold green" if view.successful else "bold red",
        )
    else:
        header.append(view.status.value, style="bold")
    header.append(f"  (seq {view.seq})", style="dim")
    return header


def event_line(view: WatchView, event: InstanceEvent) -> str:
    """One line telling what ``event`` changed, for a stdout that is not a terminal."""
    prefix = f"#{event.seq}"
    if isinstance(event, InstanceSnapshot):
        tasks = ", ".join(
            f"{t.name} {t.status.name} {t.progress.percent}% {t.progress.message}".rstrip()
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
        return f"{prefix} task {event.task_name}: {event.previous_status.name} -> {event.status.name}"
    if isinstance(event, TaskProgressUpdated):
        progress = event.progress
        message = f" {progress.message}" if progress.message else ""
        stages = f" | {stages_text(progress.stages)}" if progress.stages else ""
        return f"{prefix} task {event.task_name}: {progress.percent}%{message}{stages}"
    if isinstance(event, TaskPropertyUpdated):
        return f"{prefix} task {event.task_name}: property {event.key} = {event.value!r}"
    if isinstance(event, TaskOutputAppended):
        return f"{prefix} task {event.task_name}: {len(event.data)} bytes of {event.stream} at {event.offset}"
    if isinstance(event, SubInstanceCreated):
        return f"{prefix} task {event.task_name}: sub-instance {event.name} {event.instance.id}"
    if isinstance(event, Heartbeat):
        return f"{prefix} heartbeat"
    return f"{prefix} {type(event).__name__}"
