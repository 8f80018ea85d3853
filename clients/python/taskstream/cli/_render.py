"""How ``watch`` shows an instance on a terminal: live progress bars, drawn with rich (the ``cli``
extra). Elsewhere, or without rich, it prints one line per event (``_lines.py``)."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from taskstream import Instance, InstanceStatus, TaskStatus
from taskstream.cli._format import stage_workers
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


def follow_live(instance: Instance, view: WatchView, console: Console) -> None:
    """Follows the instance to its end, redrawing the view on every event."""
    with Live(live_view(view), console=console, refresh_per_second=10) as live:
        for event in instance.watch():
            view.apply(event)
            live.update(live_view(view))
