"""What ``watch`` shows: an instance's status, tasks and progress, kept current by its events."""

from __future__ import annotations

import dataclasses

from taskstream import (
    CancellationReason,
    Instance,
    InstanceEvent,
    InstanceSnapshot,
    InstanceStatus,
    InstanceStatusChanged,
    SubInstanceCreated,
    TaskProgress,
    TaskProgressUpdated,
    TaskStatus,
    TaskStatusChanged,
)
from taskstream._convert import task_status
from taskstream.cli._format import cancellation_text, error_text, instance_data, one_line


@dataclasses.dataclass
class TaskView:
    name: str
    status: TaskStatus
    progress: TaskProgress = dataclasses.field(default_factory=TaskProgress)
    cancellation: str = ""  # "direct: wrong input", once the task is cancelled
    error: str = ""  # "ValueError: bad input", once it failed (from the terminal snapshot)

    @property
    def detail(self) -> str:
        """What the task's line says after its progress: its error, its cancellation or its message."""
        if self.cancellation:  # why it was stopped, rather than how it ended after that
            return f"cancelled ({self.cancellation})"
        if self.error:
            return self.error
        return one_line(self.progress.message)


@dataclasses.dataclass
class WatchView:
    """The watched instance as its events left it; ``apply`` each event in the order they came."""

    instance_id: str
    status: InstanceStatus = InstanceStatus.RUNNING
    successful: bool = False
    seq: int = 0
    tasks: dict[str, TaskView] = dataclasses.field(default_factory=dict)
    sub_instances: dict[str, str] = dataclasses.field(default_factory=dict)  # name -> instance id
    final: Instance | None = None  # the terminal snapshot's instance, once it came

    @property
    def terminated(self) -> bool:
        return self.final is not None

    def apply(self, event: InstanceEvent) -> None:
        self.seq = max(self.seq, event.seq)
        if isinstance(event, InstanceSnapshot):
            self._reset(event.instance)
        elif isinstance(event, InstanceStatusChanged):
            self.status, self.successful = event.status, event.successful
        elif isinstance(event, TaskStatusChanged):
            task = self._task(event.task_name)
            task.status = event.status
            if event.cancellation_reason is not CancellationReason.NONE:
                message = f": {one_line(event.cancellation_message)}" if event.cancellation_message else ""
                task.cancellation = f"{event.cancellation_reason.name.lower()}{message}"
        elif isinstance(event, TaskProgressUpdated):
            self._task(event.task_name).progress = event.progress
        elif isinstance(event, SubInstanceCreated):
            self.sub_instances[event.name] = event.instance.id
        # properties, output and heartbeats change nothing shown here

    def _reset(self, instance: Instance) -> None:
        # One answer for every task: a running instance's handle fetches itself again (once) here, a
        # terminated one reads the snapshot it holds.
        data = instance_data(instance)
        self.status = InstanceStatus.from_proto(data.status)
        self.successful = self.status is InstanceStatus.TERMINATED and data.successful
        self.tasks = {
            task.name: TaskView(
                task.name,
                task_status(task.status),
                TaskProgress.from_proto(task.progress),
                cancellation_text(task.cancellation) if task.HasField("cancellation") else "",
                error_text(task.error) if task.HasField("error") else "",
            )
            for task in data.tasks
        }
        if self.status is InstanceStatus.TERMINATED:
            self.final = instance

    def _task(self, name: str) -> TaskView:
        task = self.tasks.get(name)
        if task is None:  # a task this view has not seen in a snapshot
            task = self.tasks[name] = TaskView(name, TaskStatus.WAITING)
        return task
