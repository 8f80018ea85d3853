"""Intake: what workers report, applied to the instances in memory.

A worker session's reports arrive in order, several per message; each is fenced (it counts only while
that worker holds that attempt, see ``_holds``) and applied by the state machine in the same turn; the
slots that freed take their next tasks in that turn too, so a task's end and its successor's assignment
share one commit. The writer is asked to commit at once when a status changed (someone may be waiting
for it) and within its window otherwise (progress, output, properties).

Sessions also connect, beat and disconnect here: a disconnected worker's tasks are interrupted and
retried (``transitions.worker_lost``), and ``LeaseReaper`` does the same for a worker that went silent
for longer than its lease while its stream stayed open (a network partition).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from taskstreamd.core.book import Book
from taskstreamd.core.dispatch import Dispatcher
from taskstreamd.core.durations import RunDurations
from taskstreamd.core.effects import Effects
from taskstreamd.core.sessions import WorkerRegistry, WorkerSession
from taskstreamd.domain import transitions
from taskstreamd.domain.events import (
    TaskOutputAppended,
    TaskPropertyUpdated,
    marks,
    status_changes,
    task_changes,
)
from taskstreamd.domain.model import Instance, Task
from taskstreamd.domain.worker_messages import (
    Drop,
    Finished,
    Heartbeat,
    OutputReported,
    ProgressReported,
    PropertyReported,
    Report,
    Started,
    TakenBack,
)

log = logging.getLogger(__name__)

# Why a report is refused: the attempt is not the task's current one on this worker any more.
STALE = "this attempt no longer counts (its lease expired or the task moved on)"


@dataclass(frozen=True)
class IntakeSettings:
    lease_seconds: float = 15.0
    max_properties_per_task: int = 1000
    max_property_bytes: int = 1024 * 1024


class Relay(Protocol):
    """Work across replicas as intake sees it (core.relay.Relay, which is built on intake): named here so
    that the two modules do not import each other."""

    def relay(self, session: WorkerSession, reports: Sequence[Report]) -> list[Report]: ...

    def heartbeat(self, session: WorkerSession) -> None: ...

    def disconnected(self, session: WorkerSession) -> None: ...

    def pull(self) -> None: ...


class Intake:
    def __init__(
        self,
        book: Book,
        workers: WorkerRegistry,
        dispatcher: Dispatcher,
        effects: Effects,
        durations: RunDurations,
        settings: IntakeSettings,
    ) -> None:
        self.book = book
        self.workers = workers
        self.dispatcher = dispatcher
        self.effects = effects
        self.durations = durations
        self.settings = settings
        self.relay: Relay | None = None  # with replicas: reports about other replicas' tasks go there
        self.rand: Callable[[], float] = random.random  # draws retry policies' jitter

    # -- sessions ----------------------------------------------------------------------------------------

    def connect(self, session: WorkerSession) -> None:
        session.heard(self.settings.lease_seconds)
        self.workers.add(session)
        log.info(
            "worker %s (%s) connected with %d slots",
            session.id,
            session.name,
            session.slots,
            extra={"worker_id": session.id},
        )
        self.dispatcher.kick()

    def disconnect(self, session: WorkerSession) -> None:
        self.workers.remove(session)
        if self.relay is not None and not session.remote:
            self.relay.disconnected(session)
        log.info("worker %s (%s) disconnected", session.id, session.name, extra={"worker_id": session.id})
        self.lose_tasks(session, f"worker {session.name} ({session.id}) disconnected")
        self.dispatcher.kick()

    def heartbeat(self, session: WorkerSession) -> None:
        was_live = session.live()
        session.heard(self.settings.lease_seconds)
        if self.relay is not None and not session.remote:
            self.relay.heartbeat(session)
        if not was_live:
            self.dispatcher.kick()  # a worker that went quiet is given tasks again

    def lose_tasks(self, session: WorkerSession, reason: str, *, tell: bool = False) -> int:
        """Interrupts every task ``session`` holds (retried up to the instance's limit); with ``tell``,
        the worker is told to drop them (its stream is still open). How many it held."""
        lost = 0
        for task_id, assignment_id in list(session.assigned.items()):
            session.finished(task_id, assignment_id)
            found = self.book.task(task_id)
            if found is None:
                continue
            instance, task = found
            if task.worker != session.id or task.assignment_id != assignment_id or task.is_terminal:
                continue
            lost += 1
            self._worker_lost(instance, task, reason)
            if tell:
                self.drop(session, task_id, assignment_id, reason)
        if lost:
            self.book.writer.soon()
        return lost

    def _worker_lost(self, instance: Instance, task: Task, reason: str) -> None:
        before, was = task.status, instance.status
        lost_worker = task.worker
        effects = transitions.worker_lost(instance, task, self.book.clock(), reason)
        if task.status == before:
            return
        self.book.changed(instance, task)
        self.book.record(instance, task_changes(before, task, instance, was))
        log.warning(
            "task %s of instance %s lost its worker %s (%s); now %s",
            task.name,
            instance.id,
            lost_worker,
            reason,
            task.status.name,
            extra={
                "instance_id": instance.id,
                "task": task.name,
                "task_id": task.id,
                "worker_id": lost_worker,
            },
        )
        self.effects.apply(effects)

    def drop(
        self, session: WorkerSession, task_id: int, assignment_id: str, reason: str, *, again: bool = False
    ) -> None:
        """Frees the slot of an attempt that no longer counts and tells the worker to forget it (once,
        unless ``again``: a refused end is always answered, so the worker knows it was not taken)."""
        if session.assigned.get(task_id) == assignment_id:
            session.finished(task_id, assignment_id)
            self.dispatcher.kick()
        if assignment_id in session.dropped and not again:
            return
        session.dropped.add(assignment_id)
        log.warning("worker %s (%s): dropping %s: %s", session.id, session.name, assignment_id, reason)
        session.send(Drop(assignment_id, reason))

    # -- reports -----------------------------------------------------------------------------------------

    async def receive(self, session: WorkerSession, reports: Sequence[Report]) -> None:
        """Applies a worker's reports, in order, then gives its freed slots their next tasks."""
        status_changed = freed = False
        relay = self.relay
        if relay is not None and not session.remote and session.remote_owner:
            before = len(session.remote_owner)
            reports = relay.relay(session, reports)
            freed = len(session.remote_owner) < before
        for report in reports:
            if isinstance(report, Finished):
                if self._finished(session, report):
                    status_changed = freed = True
            elif isinstance(report, ProgressReported):
                held = self._current(session, report.assignment_id)
                if held is not None:
                    self.book.record_progress(*held, report.progress)
            elif isinstance(report, OutputReported):
                held = self._current(session, report.assignment_id)
                if held is not None:
                    self._output(*held, report)
            elif isinstance(report, PropertyReported):
                held = self._current(session, report.assignment_id)
                if held is not None:
                    self._property(*held, report)
            elif isinstance(report, Started):
                status_changed |= self._started(session, report.assignment_id)
            elif isinstance(report, TakenBack):
                if self._taken_back(session, report):
                    status_changed = freed = True
            elif isinstance(report, Heartbeat):
                self.heartbeat(session)
            # Paused confirmations need no state: the instance was marked suspended when asked.
        if freed and self.workers.get(session.id) is session:
            self.dispatcher.dispatch()
            if relay is not None and not session.remote and session.idle_slots > 0:
                relay.pull()
        writer = self.book.writer
        if status_changed:
            writer.soon()
        elif len(writer.batch):
            writer.later()
        if writer.full:  # a flood of output: let the commit catch up before reading more
            await writer.soon()

    def _current(self, session: WorkerSession, assignment_id: str) -> tuple[Instance, Task] | None:
        """The task of a report that counts; None (and the worker told to drop it) otherwise."""
        found = self.book.task(_task_id(assignment_id))
        if found is not None and _holds(session, found[1], assignment_id):
            return found
        self.drop(session, _task_id(assignment_id), assignment_id, STALE)
        return None

    def _started(self, session: WorkerSession, assignment_id: str) -> bool:
        held = self._current(session, assignment_id)
        if held is None:
            return False
        instance, task = held
        before, was = task.status, instance.status
        transitions.start(instance, task, self.book.clock())
        self.book.changed(instance, task)
        self.book.record(instance, task_changes(before, task, instance, was))
        if task.id in session.running:
            session.started_at[task.id] = time.monotonic()
        return True

    def _finished(self, session: WorkerSession, report: Finished) -> bool:
        """Records an end; False when the attempt no longer counts (the end is refused)."""
        task_id = _task_id(report.assignment_id)
        found = self.book.task(task_id)
        if found is None or not _holds(session, found[1], report.assignment_id):
            self.drop(
                session, task_id, report.assignment_id, f"its TaskFinished was refused: {STALE}", again=True
            )
            return False
        instance, task = found
        book = self.book
        now = book.clock()
        if report.started and not task.started:  # a short task's start came with its end
            before, was = task.status, instance.status
            transitions.start(instance, task, now)
            book.record(instance, task_changes(before, task, instance, was))
        task.result = report.result
        task.cost = report.cost
        task.stdout_bytes, task.stderr_bytes = report.stdout_bytes, report.stderr_bytes
        cascade = transitions.cancels_others(instance, report.status)
        everything = marks(instance) if cascade else None
        before, was = task.status, instance.status
        rand = self.rand() if task.retry is not None else 0.0
        effects = transitions.finish(instance, task, report.status, report.error, now, rand)
        if everything is not None:
            for other in instance.tasks:
                book.changed(instance, other)
            book.record(instance, status_changes(everything, instance))
        else:
            book.changed(instance, task)
            book.record(instance, task_changes(before, task, instance, was))
        if task.start_time is not None and task.end_time is not None:
            self.durations.record(task.type, (task.end_time - task.start_time).total_seconds())
        session.finished(task_id, report.assignment_id)
        if log.isEnabledFor(logging.INFO) and task.status.name != "SUCCESS":
            log.info(
                "task %s of instance %s ended %s",
                task.name,
                instance.id,
                task.status.name,
                extra={
                    "instance_id": instance.id,
                    "task": task.name,
                    "task_id": task_id,
                    "status": task.status.name,
                    "worker_id": session.id,
                },
            )
        self.effects.apply(effects)
        return True

    def _taken_back(self, session: WorkerSession, report: TakenBack) -> bool:
        """The worker answered a TakeBack; True when it gave the task back (now queued again)."""
        task_id = _task_id(report.assignment_id)
        session.taking_back.discard(task_id)
        if not report.taken_back:
            return False
        session.finished(task_id, report.assignment_id)  # it no longer waits there
        found = self.book.task(task_id)
        if found is None or not _holds(session, found[1], report.assignment_id):
            return True
        instance, task = found
        before, was = task.status, instance.status
        effects = transitions.taken_back(instance, task, self.book.clock())
        self.book.changed(instance, task)
        self.book.record(instance, task_changes(before, task, instance, was))
        log.info("worker %s (%s) gave back task %s unstarted", session.id, session.name, report.assignment_id)
        self.effects.apply(effects)
        return True

    def _property(self, instance: Instance, task: Task, report: PropertyReported) -> None:
        # A worker report has no answer, so a property over the limits is dropped and logged.
        if len(report.value) > self.settings.max_property_bytes:
            log.warning("dropped property %r of task %s: %d bytes", report.key, task.id, len(report.value))
            return
        if (
            report.key not in task.properties
            and len(task.properties) >= self.settings.max_properties_per_task
        ):
            log.warning("dropped property %r of task %s: too many properties", report.key, task.id)
            return
        task.properties[report.key] = report.value
        self.book.batch.set_property(instance.id, task.id, report.key, report.value)
        self.book.record(instance, [TaskPropertyUpdated(task.name, report.key, report.value)])

    def _output(self, instance: Instance, task: Task, report: OutputReported) -> None:
        self.book.batch.add_output(instance.id, task.id, report.stream, report.offset, report.data)
        change = TaskOutputAppended(task.name, report.stream, report.offset, report.data, task.attempts)
        self.book.record(instance, [change])


def _holds(session: WorkerSession, task: Task, assignment_id: str) -> bool:
    """Whether reports of ``session`` about ``assignment_id`` still count: the fence of every report."""
    return task.assignment_id == assignment_id and task.worker == session.id and not task.is_terminal


def _task_id(assignment_id: str) -> int:
    head, _, _ = assignment_id.partition("-")
    return int(head) if head.isdigit() else -1


class LeaseReaper:
    """Takes the tasks of a worker that has not been heard from for longer than its lease."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="lease-reaper")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.intake.settings.lease_seconds / 4)  # a periodic look
            try:
                self.reap()
            except Exception:
                log.exception("expiring leases failed; retrying next round")

    def reap(self) -> int:
        """Interrupts the tasks of every silent worker; how many tasks."""
        lost = 0
        seconds = self.intake.settings.lease_seconds
        for session in self.intake.workers:
            if session.live() or not session.assigned:
                continue
            reason = (
                f"the lease of worker {session.name} ({session.id}) expired: no heartbeat for {seconds:g}s"
            )
            log.warning("%s", reason)
            lost += self.intake.lose_tasks(session, reason, tell=True)
        return lost
