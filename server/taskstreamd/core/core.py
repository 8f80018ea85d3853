"""The core assembled: the parts with one job each, wired once, started and closed together.

    callers ──> Instances ──┐                 ┌──> Dispatcher ──> worker outboxes
    workers ──> Intake ─────┼──> Book ──> Writer (one thread, group commits) ──> database
                            └──> Effects ─────┘
    commits ──> Book.on_commit ──> EventHub (watchers), TerminationWaits (waiters), observers (metrics)

Each background loop (TakeBackLoop, LeaseReaper) is an object with start and close. Everything runs on
the event loop but the store's statements, which run on the writer's and the readers' threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from taskstreamd.core.book import Book
from taskstreamd.core.dispatch import Dispatcher, MintToken, TakeBackLoop
from taskstreamd.core.durations import RunDurations
from taskstreamd.core.effects import Effects
from taskstreamd.core.fanout import EventHub
from taskstreamd.core.instances import CallerSettings, Instances
from taskstreamd.core.intake import Intake, IntakeSettings, LeaseReaper
from taskstreamd.core.sessions import WorkerRegistry, WorkerSession
from taskstreamd.core.task_ids import TaskIds
from taskstreamd.core.waits import TerminationWaits
from taskstreamd.domain import transitions
from taskstreamd.domain.events import EventCodec, RecordedEvent, task_changes
from taskstreamd.domain.model import ACTIVE, Instance
from taskstreamd.domain.vocabulary import InstanceStatus, TaskStatus
from taskstreamd.domain.worker_messages import Registration
from taskstreamd.store.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoreSettings:
    allow_code: bool = False
    default_grace_period: float = 5.0
    datasources: frozenset[str] = frozenset()
    prefetch: int = 0  # assignments a worker is sent beyond its slots
    short_prefetch: int = 16  # and beyond those, of short task types (core.durations)
    lease_seconds: float = 15.0
    heartbeat_seconds: float = 0.0  # 0: a third of the lease
    max_properties_per_task: int = 1000
    max_property_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        if self.lease_seconds <= 0:
            raise ValueError(f"the lease must last more than 0 seconds, not {self.lease_seconds}")
        if not 0 <= self.heartbeat_seconds < self.lease_seconds:
            raise ValueError("the heartbeat interval must be shorter than the lease")

    @property
    def heartbeat_interval(self) -> float:
        return self.heartbeat_seconds or self.lease_seconds / 3


class Core:
    def __init__(self, store: Store, codec: EventCodec, settings: CoreSettings) -> None:
        self.store = store
        self.settings = settings
        self.book = Book(store.writer, codec)
        self.workers = WorkerRegistry()
        self.durations = RunDurations()
        self.dispatcher = Dispatcher(self.book, self.workers, self.durations)
        self.effects = Effects(self.book, self.workers, self.dispatcher)
        self.waits = TerminationWaits()
        self.hub = EventHub()
        self.instances = Instances(
            self.book,
            store.reader,
            self.dispatcher,
            self.effects,
            self.waits,
            TaskIds(store.reserve_task_ids),
            CallerSettings(settings.allow_code, settings.default_grace_period, settings.datasources),
        )
        self.instances.shared = store.shared
        self.intake = Intake(
            self.book,
            self.workers,
            self.dispatcher,
            self.effects,
            self.durations,
            IntakeSettings(
                settings.lease_seconds, settings.max_properties_per_task, settings.max_property_bytes
            ),
        )
        self.take_back = TakeBackLoop(self.workers, self.dispatcher)
        self.reaper = LeaseReaper(self.intake)
        # Called with each commit's events after watchers and waiters heard of them (metrics count them).
        self.observers: list[Callable[[list[RecordedEvent]], None]] = []
        self._commits = asyncio.Event()
        self.book.published.append(self._published)
        store.writer.health_listeners.append(self._store_health)
        self.health_changed: list[Callable[[bool], None]] = []

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Takes over the active instances the store holds, then starts the loops."""
        self.store.start()
        await self.recover()
        self.take_back.start()
        self.reaper.start()

    async def close(self) -> None:
        await self.take_back.close()
        await self.reaper.close()
        for session in self.workers:
            session.close()
        await self.store.close()

    async def recover(self) -> None:
        """Loads every active instance. Tasks that a worker held when the last server stopped are
        interrupted (the worker's session is gone) and retried; queued tasks are queued again."""
        reason = "the server restarted while a worker held the task"
        loaded = await self.store.reader.active_instances()
        for instance in loaded:
            self.book.add(instance, new=False)
            for task in instance.tasks:
                holds = task.status in ACTIVE or (task.status == TaskStatus.SUSPENDED and bool(task.worker))
                if not holds:
                    continue
                before, was = task.status, instance.status
                transitions.worker_lost(instance, task, self.book.clock(), reason)
                self.book.changed(instance, task)
                self.book.record(instance, task_changes(before, task, instance, was))
            if instance.status == InstanceStatus.RUNNING:
                self.dispatcher.enqueue_all(instance)
        if loaded:
            log.info("took over %d active instances from the store", len(loaded))
            await self.store.writer.soon()
        self.dispatcher.kick()

    # -- state -------------------------------------------------------------------------------------------

    @property
    def draining(self) -> bool:
        return self.instances.draining

    def drain(self) -> None:
        """Graceful shutdown begins: no new work is accepted or dispatched; running tasks may finish."""
        self.instances.draining = True
        self.dispatcher.paused = True
        self.hub.close()

    def _store_health(self, healthy: bool) -> None:
        # While the store takes no commits nothing new is sent to workers; what runs goes on.
        self.dispatcher.paused = self.draining or not healthy
        if healthy:
            self.dispatcher.kick()
        for listen in self.health_changed:
            listen(healthy)

    def _published(self, events: list[RecordedEvent]) -> None:
        self.hub.publish(events)
        for event in events:
            if event.terminal:
                self.waits.terminated(event.instance_id)
                self.instances.answers.ended(event.instance_id)
        self._commits.set()
        for observe in self.observers:
            observe(events)

    def held_tasks(self) -> int:
        return sum(1 for i in self.book for t in i.tasks if t.worker and not t.is_terminal)

    async def wait_idle(self, timeout: float) -> bool:
        """True once no task holds a worker slot, False when ``timeout`` passes first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._commits.clear()
            if not self.held_tasks():
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._commits.wait(), remaining)

    # -- workers -----------------------------------------------------------------------------------------

    def new_session(self, registration: Registration, projects: frozenset[str] | None) -> WorkerSession:
        return WorkerSession.of(
            registration,
            prefetch=self.settings.prefetch,
            short_prefetch=self.settings.short_prefetch,
            projects=projects,
        )

    def set_token_minter(self, mint: MintToken | None) -> None:
        self.dispatcher.mint_token = mint

    def task_types(self) -> dict[str, tuple[str, int]]:
        return self.workers.task_types()

    @property
    def queue_depth(self) -> int:
        """Entries in the run queue (a few may be stale: cancelled while queued)."""
        return len(self.dispatcher.queue)


def instance_holds_worker(instance: Instance) -> bool:
    return any(t.worker and not t.is_terminal for t in instance.tasks)
