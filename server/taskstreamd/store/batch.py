"""What one commit writes: the changes the core made since the last commit, gathered on the event loop.

The core changes its in-memory instances and tells the open ``Batch`` what it changed: a new instance,
a dirty instance or task, recorded events, properties, output. Nothing is turned into rows until the
batch is frozen (``freeze``), on the event-loop thread just before the writer takes it: a task changed
ten times between two commits is written once, with its state at that moment, and the rows are a
consistent picture because nothing else runs on the loop meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from taskstreamd.domain.events import RecordedEvent
from taskstreamd.domain.model import Instance, Task
from taskstreamd.domain.project_events import ProjectEvent
from taskstreamd.domain.schedule_model import Schedule
from taskstreamd.store import rows, schedule_rows

ARCHIVED_ATTEMPTS = 10  # earlier attempts of a task whose output is kept (ReadTaskOutputRequest.attempt)


@dataclass(frozen=True)
class RequestClaim:
    """A create or stop carrying a request_id: the first one to commit its claim wins."""

    project: str
    method: str
    request_id: str
    fingerprint: str
    instance_id: str
    answer: bytes | None
    time: datetime
    creates: bool  # the claim's instance is new in this batch: it is not written if the claim loses


@dataclass
class Frozen:
    """A batch as rows, ready for the writer's thread (see Statements for each list's columns)."""

    number: int
    claims: list[RequestClaim] = field(default_factory=list)
    instances: list[tuple[Any, ...]] = field(default_factory=list)
    tasks: list[tuple[Any, ...]] = field(default_factory=list)
    labels: list[tuple[str, str, str]] = field(default_factory=list)
    instance_updates: list[tuple[Any, ...]] = field(default_factory=list)
    task_updates: list[tuple[Any, ...]] = field(default_factory=list)
    task_update_owners: list[str] = field(default_factory=list)  # instance id of each task update
    events: list[tuple[str, int, int, bytes]] = field(default_factory=list)
    event_deletes: list[tuple[str, int]] = field(default_factory=list)
    properties: list[tuple[int, str, bytes]] = field(default_factory=list)
    info: list[tuple[int, str, bytes]] = field(default_factory=list)  # task info: (task_id, key, value)
    # In order: ("archive", (task_id, attempt)) and ("put", (task_id, stream, offset, data)).
    output: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    answers: list[tuple[bytes, str, str, str]] = field(default_factory=list)
    property_owners: list[str] = field(default_factory=list)
    info_owners: list[str] = field(default_factory=list)
    output_owners: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # told the other replicas when (if) it commits
    # (project, instance_id, instance_seq, kind, time, data), numbered per project by the commit.
    project_events: list[tuple[str, str, int, int, Any, bytes]] = field(default_factory=list)
    # The notice that a project's log grew to a seq, for the other replicas (None without replicas).
    project_notice: Callable[[str, int], str] | None = None
    # Schedules: deleted (project, id) first, then created, then changed (see store.schedule_rows).
    schedule_deletes: list[tuple[str, str]] = field(default_factory=list)
    schedule_inserts: list[tuple[Any, ...]] = field(default_factory=list)
    schedule_updates: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.schedule_deletes
            or self.schedule_inserts
            or self.schedule_updates
            or self.claims
            or self.instances
            or self.instance_updates
            or self.task_updates
            or self.events
            or self.event_deletes
            or self.properties
            or self.info
            or self.output
            or self.answers
            or self.project_events
        )


class Batch:
    """The open batch: what changed since the last freeze."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.new: dict[str, Instance] = {}
        self.dirty_instances: dict[str, Instance] = {}
        self.dirty_tasks: dict[int, tuple[Instance, Task]] = {}
        self.events: dict[tuple[str, int], RecordedEvent] = {}
        self.event_deletes: list[tuple[str, int]] = []
        self.superseded: set[tuple[str, int]] = set()  # events dropped before they were written
        self.properties: dict[tuple[int, str], tuple[str, bytes]] = {}
        self.info: dict[tuple[int, str], tuple[str, bytes]] = {}
        self.output: list[tuple[str, str, tuple[Any, ...]]] = []
        self.claims: list[RequestClaim] = []
        self.answers: list[tuple[bytes, str, str, str]] = []
        self.project_events: list[ProjectEvent] = []
        self.new_schedules: dict[tuple[str, str], Schedule] = {}
        self.dirty_schedules: dict[tuple[str, str], Schedule] = {}
        self.deleted_schedules: list[tuple[str, str]] = []
        self.size = 0  # bytes of payload held, for back-pressure
        self.urgent = False  # someone waits for this batch: commit it as soon as the writer is free

    def __len__(self) -> int:
        return (
            len(self.new)
            + len(self.dirty_instances)
            + len(self.dirty_tasks)
            + len(self.events)
            + len(self.event_deletes)
            + len(self.properties)
            + len(self.info)
            + len(self.output)
            + len(self.claims)
            + len(self.answers)
            + len(self.project_events)
            + len(self.new_schedules)
            + len(self.dirty_schedules)
            + len(self.deleted_schedules)
        )

    def add_instance(self, instance: Instance) -> None:
        self.new[instance.id] = instance

    def instance_changed(self, instance: Instance) -> None:
        if instance.id not in self.new:
            self.dirty_instances[instance.id] = instance

    def task_changed(self, instance: Instance, task: Task) -> None:
        if instance.id not in self.new:
            self.dirty_tasks[task.id] = (instance, task)
            self.dirty_instances[instance.id] = instance  # its last_seq moves with its events

    def add_event(self, event: RecordedEvent) -> None:
        self.events[(event.instance_id, event.seq)] = event
        self.size += len(event.data)

    def add_project_event(self, event: ProjectEvent) -> None:
        """An entry of a project's log; the commit gives it the project's next number."""
        self.project_events.append(event)
        self.size += len(event.data)

    def drop_event(self, instance_id: str, seq: int) -> None:
        """A recorded event is superseded (a task's older progress): never written, or deleted."""
        if self.events.pop((instance_id, seq), None) is None:
            self.event_deletes.append((instance_id, seq))
        else:
            self.superseded.add((instance_id, seq))

    def set_property(self, instance_id: str, task_id: int, key: str, value: bytes) -> None:
        self.properties[(task_id, key)] = (instance_id, value)
        self.size += len(value)

    def set_info(self, instance_id: str, task_id: int, key: str, value: bytes) -> None:
        """One key of a task's info (a caller's PutTaskInfo), its value as UTF-8."""
        self.info[(task_id, key)] = (instance_id, value)
        self.size += len(value)

    def add_output(self, instance_id: str, task_id: int, stream: int, offset: int, data: bytes) -> None:
        self.output.append(("put", instance_id, (task_id, stream, offset, data)))
        self.size += len(data)

    def archive_output(self, instance_id: str, task_id: int, attempt: int) -> None:
        """The task's output so far was attempt ``attempt``'s: it moves aside, and the next starts afresh."""
        self.output.append(("archive", instance_id, (task_id, attempt)))

    def claim(self, claim: RequestClaim) -> None:
        self.claims.append(claim)

    def schedule_added(self, schedule: Schedule) -> None:
        self.new_schedules[(schedule.project, schedule.id)] = schedule

    def schedule_changed(self, schedule: Schedule) -> None:
        key = (schedule.project, schedule.id)
        if key not in self.new_schedules:
            self.dirty_schedules[key] = schedule

    def schedule_deleted(self, schedule: Schedule) -> None:
        """Its row goes (a schedule created in this batch is not written at all)."""
        key = (schedule.project, schedule.id)
        self.new_schedules.pop(key, None)
        self.dirty_schedules.pop(key, None)
        self.deleted_schedules.append(key)

    def store_answer(self, project: str, method: str, request_id: str, answer: bytes) -> None:
        self.answers.append((answer, project, method, request_id))

    def freeze(self, time: Callable[[datetime | None], Any]) -> Frozen:
        """The rows of everything in the batch, as the objects are now (``time`` formats times)."""
        frozen = Frozen(self.number, claims=self.claims, answers=self.answers)
        for instance in self.new.values():
            frozen.instances.append(rows.instance_insert(instance, time))
            frozen.tasks.extend(rows.task_insert(instance.id, task, time) for task in instance.tasks)
            frozen.labels.extend((instance.id, k, v) for k, v in instance.labels.items())
        for instance in self.dirty_instances.values():
            frozen.instance_updates.append(rows.instance_update(instance, time))
        for instance, task in self.dirty_tasks.values():
            frozen.task_updates.append(rows.task_update(task, time))
            frozen.task_update_owners.append(instance.id)
        frozen.events = [(e.instance_id, e.seq, e.kind, e.data) for e in self.events.values()]
        frozen.event_deletes = self.event_deletes
        for (task_id, key), (owner, value) in self.properties.items():
            frozen.properties.append((task_id, key, value))
            frozen.property_owners.append(owner)
        for (task_id, key), (owner, value) in self.info.items():
            frozen.info.append((task_id, key, value))
            frozen.info_owners.append(owner)
        for kind, owner, params in self.output:
            frozen.output.append((kind, params))
            frozen.output_owners.append(owner)
        frozen.project_events = [
            (e.project, e.instance_id, e.instance_seq, e.kind, time(e.time), e.data)
            for e in self.project_events
        ]
        frozen.schedule_deletes = list(self.deleted_schedules)
        frozen.schedule_inserts = [schedule_rows.insert(s, time) for s in self.new_schedules.values()]
        frozen.schedule_updates = [schedule_rows.update(s, time) for s in self.dirty_schedules.values()]
        return frozen


def without(frozen: Frozen, lost: set[str]) -> Frozen:
    """The batch without the rows of instances whose create lost its request claim to another server's."""
    keep = Frozen(
        frozen.number,
        answers=frozen.answers,
        notices=frozen.notices,
        project_notice=frozen.project_notice,
        schedule_deletes=frozen.schedule_deletes,
        schedule_inserts=frozen.schedule_inserts,
        schedule_updates=frozen.schedule_updates,
    )
    keep.claims = [c for c in frozen.claims if c.instance_id not in lost or not c.creates]
    keep.instances = [r for r in frozen.instances if r[0] not in lost]
    keep.tasks = [r for r in frozen.tasks if r[1] not in lost]
    keep.labels = [r for r in frozen.labels if r[0] not in lost]
    keep.instance_updates = [r for r in frozen.instance_updates if r[-1] not in lost]
    pairs = [(r, o) for r, o in zip(frozen.task_updates, frozen.task_update_owners, strict=True)]
    keep.task_updates = [r for r, o in pairs if o not in lost]
    keep.task_update_owners = [o for _, o in pairs if o not in lost]
    keep.events = [r for r in frozen.events if r[0] not in lost]
    keep.event_deletes = [r for r in frozen.event_deletes if r[0] not in lost]
    props = zip(frozen.properties, frozen.property_owners, strict=True)
    keep.properties = [p for p, o in props if o not in lost]
    keep.info = [i for i, o in zip(frozen.info, frozen.info_owners, strict=True) if o not in lost]
    outs = zip(frozen.output, frozen.output_owners, strict=True)
    keep.output = [p for p, o in outs if o not in lost]
    keep.project_events = [r for r in frozen.project_events if r[1] not in lost]
    return keep


def kept_project_events(batch: Batch, lost: set[str]) -> list[ProjectEvent]:
    """The batch's project log entries that its commit wrote, in the order it numbered them."""
    return [e for e in batch.project_events if e.instance_id not in lost]
