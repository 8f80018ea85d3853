"""What ``watch`` shows: an instance's status, tasks and progress, kept current by its events."""

from __future__ import annotations

import dataclasses

from taskstream import (
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


@dataclasses.dataclass
class TaskView:
    name: str
    status: TaskStatus
    progress: TaskProgress = dataclasses.field(default_factory=TaskProgress)


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
            self._task(event.task_name).status = event.status
        elif isinstance(event, TaskProgressUpdated):
            self._task(event.task_name).progress = event.progress
        elif isinstance(event, SubInstanceCreated):
            self.sub_instances[event.name] = event.instance.id
        # properties, output and heartbeats change nothing shown here

    def _reset(self, instance: Instance) -> None:
        # A running instance's handle fetches itself again on each read (one GetInstance per task for
        # the progress); a terminated one reads the snapshot it holds.
        self.status = instance.status
        self.successful = self.status is InstanceStatus.TERMINATED and instance.is_successful()
        statuses = instance.get_task_statuses()
        self.tasks = {
            name: TaskView(name, task.task_status, instance.get_task_progress(name))
            for name, task in statuses.items()
        }
        if self.status is InstanceStatus.TERMINATED:
            self.final = instance

    def _task(self, name: str) -> TaskView:
        task = self.tasks.get(name)
        if task is None:  # a task this view has not seen in a snapshot
            task = self.tasks[name] = TaskView(name, TaskStatus.WAITING)
        return task
