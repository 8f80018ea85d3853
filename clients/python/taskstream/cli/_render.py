"""How ``watch`` shows an instance on a terminal: live progress bars, drawn with rich (the ``cli``
extra), fitted to the terminal's width (80 columns are enough). Elsewhere, or without rich, it prints one
line per event (``_lines.py``)."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from taskstream import Instance, InstanceStatus, TaskStatus
from taskstream.cli._format import one_line, shown_percent, stage_workers
from taskstream.cli._view import WatchView

_NAME_WIDTH = 18  # longer task and stage names end in an ellipsis
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


def bar_width(columns: int) -> int:
    """The progress bars' width on a terminal ``columns`` wide: what the other columns leave, 10 to 30."""
    return max(10, min(30, columns - 60))


def live_view(view: WatchView, columns: int = 80) -> RenderableType:
    """The instance's header line, then one progress bar per task and, below it, per stage."""
    width = bar_width(columns)
    table = Table(box=None, pad_edge=False, show_edge=False, width=columns)
    table.add_column("TASK", no_wrap=True, overflow="ellipsis", max_width=_NAME_WIDTH)
    table.add_column("STATUS", no_wrap=True)
    table.add_column("PROGRESS", no_wrap=True, width=width)
    table.add_column("", no_wrap=True, justify="right", width=4)
    table.add_column("DETAIL", no_wrap=True, overflow="ellipsis", ratio=1)
    staged = False
    for task in view.tasks.values():
        percent = shown_percent(task.status, task.progress)
        table.add_row(
            Text(one_line(task.name), style="bold"),
            Text(task.status.name, style=_STATUS_STYLES.get(task.status, "")),
            ProgressBar(total=100, completed=percent, width=width),
            f"{percent}%",
            Text(task.detail, style="red" if task.error and not task.cancellation else ""),
        )
        for stage in task.progress.stages:
            staged = True
            table.add_row(
                Text(f"  {one_line(stage.name)}"),
                "",
                ProgressBar(total=100, completed=stage.finished_percentage, width=width),
                f"{stage.finished_percentage}%",
                stage_workers(stage),
            )
    for name, instance_id in view.sub_instances.items():
        table.add_row(Text(f"  sub {one_line(name)}"), "", "", "", instance_id)
    parts: list[RenderableType] = [_header(view), table]
    if staged:
        parts.append(Text("stage workers: running/terminated/total", style="dim"))
    return Group(*parts)


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


def follow_live(instance: Instance, view: WatchView, console: Console) -> None:
    """Follows the instance to its end, redrawing the view on every event."""
    with Live(live_view(view, console.width), console=console, refresh_per_second=10) as live:
        for event in instance.watch():
            view.apply(event)
            live.update(live_view(view, console.width))
