"""The book of active instances: every instance this server owns and that has not ended lives here, in
memory, and only here is it changed.

A change to an instance is made on its objects (by the state machine), then told to the book: which
instance and task changed (``changed``) and which changes to number in its log (``record``). The book
hands both to the writer's open batch, so each change is written once, by the next commit. An answer
about an instance is built from memory at once and sent after the commit that holds what it shows
(``settle``): nothing leaves the server before it is durable, and nothing is read back to answer.

Once the commit that terminated an instance is in, the instance leaves the book (``on_commit``). The
most recently ended ones stay at hand (``ended``), as committed and final, so that the waiter a
termination wakes, and the reads right after it, need no read of the store; older ones are read from it.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from taskstreamd.domain.events import (
    KIND_OF,
    Change,
    EventCodec,
    EventKind,
    InstanceStatusChanged,
    RecordedEvent,
    TaskProgressUpdated,
)
from taskstreamd.domain.model import Instance, Task
from taskstreamd.domain.project_events import ProjectChange, ProjectEvent, facts_of
from taskstreamd.domain.stages import stage_times
from taskstreamd.domain.vocabulary import InstanceStatus
from taskstreamd.store.batch import Batch, kept_project_events
from taskstreamd.store.writer import Outcome, Writer

Clock = Callable[[], datetime]

# Ended instances kept at hand: at most this many, and at most this many tasks among them.
ENDED_INSTANCES = 4096
ENDED_TASKS = 100_000


def utc_now() -> datetime:
    return datetime.now(UTC)


class Book:
    def __init__(self, writer: Writer, codec: EventCodec, clock: Clock = utc_now) -> None:
        self.writer = writer
        self.codec = codec
        self.clock = clock
        self._instances: dict[str, Instance] = {}
        self._tasks: dict[int, tuple[Instance, Task]] = {}
        self._last_change: dict[str, int] = {}  # instance id -> number of the batch of its last change
        self._ended: set[str] = set()  # terminated, leaving the book once that is committed
        self._recent: OrderedDict[str, Instance] = OrderedDict()  # ended and committed, newest last
        self._recent_tasks = 0
        # Called after each commit with its events, in commit order (the fan-out, waits, metrics).
        self.published: list[Callable[[list[RecordedEvent]], None]] = []
        # Called after each commit with the project log entries it numbered, in order.
        self.project_published: list[Callable[[list[ProjectEvent]], None]] = []
        writer.listeners.append(self.on_commit)

    def __len__(self) -> int:
        return len(self._instances)

    def __iter__(self) -> Iterator[Instance]:
        return iter(list(self._instances.values()))

    def get(self, instance_id: str) -> Instance | None:
        return self._instances.get(instance_id)

    def task(self, task_id: int) -> tuple[Instance, Task] | None:
        return self._tasks.get(task_id)

    def ended(self, instance_id: str) -> Instance | None:
        """An instance that ended lately, as committed (it changes no more)."""
        return self._recent.get(instance_id)

    def drop_ended(self, instance_ids: list[str]) -> None:
        """Deleted instances are not at hand any more."""
        for instance_id in instance_ids:
            gone = self._recent.pop(instance_id, None)
            if gone is not None:
                self._recent_tasks -= len(gone.tasks)

    # -- changes -----------------------------------------------------------------------------------------

    @property
    def batch(self) -> Batch:
        return self.writer.batch

    def add(self, instance: Instance, *, new: bool) -> None:
        """An instance joins the book: ``new`` ones are inserted by the next commit; loaded ones (a
        restart, a shard taken over) are in the store already."""
        self._instances[instance.id] = instance
        for task in instance.tasks:
            self._tasks[task.id] = (instance, task)
        if new:
            self.batch.add_instance(instance)
            self._record_project(instance, ProjectChange.CREATED, instance.seq, None, self.clock())
            self._touch(instance)

    def changed(self, instance: Instance, task: Task | None = None) -> None:
        """The instance's row (and ``task``'s) changed: the next commit writes them."""
        batch = self.batch
        if task is None:
            batch.instance_changed(instance)
        else:
            batch.task_changed(instance, task)
        self._touch(instance)

    def record(self, instance: Instance, changes: list[Change]) -> list[RecordedEvent]:
        """Numbers ``changes`` in the instance's log and hands them to the next commit."""
        if not changes:
            return []
        time = self.clock()
        batch = self.batch
        encode = self.codec.encode
        recorded = []
        for change in changes:
            instance.seq += 1
            kind = KIND_OF[type(change)]
            terminal = (
                isinstance(change, InstanceStatusChanged) and change.status == InstanceStatus.TERMINATED
            )
            event = RecordedEvent(
                instance.id, instance.seq, int(kind), encode(instance, change, instance.seq, time)
            )
            event.terminal = terminal
            batch.add_event(event)
            recorded.append(event)
            if isinstance(change, InstanceStatusChanged):
                self._record_project(instance, ProjectChange.STATUS, instance.seq, change.previous, time)
            if terminal:
                self._ended.add(instance.id)
        batch.instance_changed(instance)  # its last_seq
        self._touch(instance)
        return recorded

    def _record_project(
        self,
        instance: Instance,
        kind: ProjectChange,
        instance_seq: int,
        previous: InstanceStatus | None,
        time: datetime,
    ) -> None:
        """An instance-level change, also recorded in its project's log (numbered by the commit)."""
        data = self.codec.encode_project(instance, kind, previous, time)
        event = ProjectEvent(instance.project, instance.id, instance_seq, int(kind), data, time)
        event.facts = facts_of(instance, previous)
        self.batch.add_project_event(event)

    def record_progress(self, instance: Instance, task: Task, progress: bytes) -> None:
        """A task's latest progress, whose event replaces its previous progress event in the log: a
        watcher that resumes from an older cursor gets the latest, not every step. Its stages are
        stamped with when they started and ended (kept from the previous report, in this attempt)."""
        codec = self.codec
        marks = codec.stage_marks(progress)
        if marks:
            before = codec.stage_marks(task.progress) if task.progress else []
            times = stage_times(before, marks, self.clock(), task.start_time)
            progress = codec.stamp_stages(progress, times)
        previous = task.progress_seq
        task.progress = progress
        (event,) = self.record(instance, [TaskProgressUpdated(task.name, progress)])
        event.task_id = task.id
        task.progress_seq = event.seq
        if previous:
            self.batch.drop_event(instance.id, previous)
        self.batch.task_changed(instance, task)

    def put_info(self, instance: Instance, task: Task, key: str, value: str) -> None:
        """A caller set one key of the task's info: kept on the task, written by the next commit."""
        task.info[key] = value
        self.batch.set_info(instance.id, task.id, key, value.encode())
        self._touch(instance)

    def _touch(self, instance: Instance) -> None:
        self._last_change[instance.id] = self.writer.batch.number

    # -- commits -----------------------------------------------------------------------------------------

    def settled(self, instance: Instance) -> asyncio.Future[Outcome] | None:
        """The commit that holds the instance's last change (asked for at once); None when it is in."""
        number = self._last_change.get(instance.id, 0)
        return self.writer.wait(number)

    async def settle(self, instance: Instance) -> None:
        pending = self.settled(instance)
        if pending is not None:
            await pending

    def on_commit(self, batch: Batch, outcome: Outcome) -> None:
        events = [e for e in batch.events.values() if e.instance_id not in outcome.lost]
        if batch.superseded:
            _mark_holes(events, batch.superseded)
        for instance_id in outcome.lost:
            self.forget(instance_id)
        if events:
            for publish in self.published:
                publish(events)
        if batch.project_events:
            entries = kept_project_events(batch, outcome.lost)
            for entry, seq in zip(entries, outcome.project_seqs, strict=True):
                entry.seq = seq
            if entries:
                for publish_entries in self.project_published:
                    publish_entries(entries)
        if self._ended:
            committed = self.writer.committed_number
            for instance_id in [i for i in self._ended if self._last_change.get(i, 0) <= committed]:
                instance = self._instances.get(instance_id)
                self.forget(instance_id)
                if instance is not None:
                    self._keep_ended(instance)

    def forget(self, instance_id: str) -> None:
        """The instance leaves memory (it ended and that is committed, or its create lost a race)."""
        self._ended.discard(instance_id)
        self._last_change.pop(instance_id, None)
        instance = self._instances.pop(instance_id, None)
        if instance is not None:
            for task in instance.tasks:
                self._tasks.pop(task.id, None)

    def _keep_ended(self, instance: Instance) -> None:
        self._recent[instance.id] = instance
        self._recent_tasks += len(instance.tasks)
        while len(self._recent) > ENDED_INSTANCES or (
            self._recent_tasks > ENDED_TASKS and len(self._recent) > 1
        ):
            _, old = self._recent.popitem(last=False)
            self._recent_tasks -= len(old.tasks)


def _mark_holes(events: list[RecordedEvent], superseded: set[tuple[str, int]]) -> None:
    """Tells each event that follows progress superseded in its own commit (never written, never
    published) which event it follows, so that the fan-out's ring sees the log as unbroken."""
    for event in events:
        previous = event.seq - 1
        while (event.instance_id, previous) in superseded:
            previous -= 1
        if previous != event.seq - 1:
            event.follows = previous


def is_progress(event: RecordedEvent) -> bool:
    return event.kind == EventKind.PROGRESS
