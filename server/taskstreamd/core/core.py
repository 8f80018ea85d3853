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
from dataclasses import dataclass, field

from taskstreamd.core.bindings import Bindings
from taskstreamd.core.book import Book, Clock, utc_now
from taskstreamd.core.dispatch import Dispatcher, MintToken, TakeBackLoop
from taskstreamd.core.durations import RunDurations
from taskstreamd.core.effects import Effects
from taskstreamd.core.fanout import EventHub
from taskstreamd.core.holds import Holds
from taskstreamd.core.instances import CallerSettings, Instances
from taskstreamd.core.intake import Intake, IntakeSettings, LeaseReaper
from taskstreamd.core.ownership import Fenced, LeasedOwnership, Ownership, shard_of
from taskstreamd.core.permits import PermitLink, Permits
from taskstreamd.core.project_feed import ProjectHub
from taskstreamd.core.relay import PeerLink, Relay
from taskstreamd.core.schedules import Schedules
from taskstreamd.core.sessions import WorkerRegistry, WorkerSession, short_prefetch_for
from taskstreamd.core.task_ids import TaskIds
from taskstreamd.core.timers import Timers
from taskstreamd.core.waits import TerminationWaits
from taskstreamd.domain import transitions
from taskstreamd.domain.events import EventCodec, EventKind, RecordedEvent, task_changes
from taskstreamd.domain.model import ACTIVE, QUEUED, Instance
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.domain.worker_messages import Registration
from taskstreamd.replica import REPLICA_ID
from taskstreamd.store import cluster, notify
from taskstreamd.store.batch import Batch
from taskstreamd.store.cluster import Replica
from taskstreamd.store.interface import StoreLike
from taskstreamd.store.store import Store

# A replica tells the others at most this often that it keeps queued tasks its workers cannot take.
WORK_NOTICE_SECONDS = 0.05

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoreSettings:
    allow_code: bool = False
    default_grace_period: float = 5.0
    datasources: frozenset[str] = frozenset()
    prefetch: int = 0  # assignments a worker is sent beyond its slots
    # And beyond those, of short task types (core.durations); None: by the worker (short_prefetch_for).
    short_prefetch: int | None = None
    lease_seconds: float = 15.0
    heartbeat_seconds: float = 0.0  # 0: a third of the lease
    max_properties_per_task: int = 1000
    max_property_bytes: int = 1024 * 1024
    type_limits: dict[str, int] = field(default_factory=dict)  # task type -> most running at once
    strict_types: bool = False  # refuse tasks of a type no worker offered since the start

    def __post_init__(self) -> None:
        if self.lease_seconds <= 0:
            raise ValueError(f"the lease must last more than 0 seconds, not {self.lease_seconds}")
        if not 0 <= self.heartbeat_seconds < self.lease_seconds:
            raise ValueError("the heartbeat interval must be shorter than the lease")

    @property
    def heartbeat_interval(self) -> float:
        return self.heartbeat_seconds or self.lease_seconds / 3


class Core:
    def __init__(
        self, store: StoreLike, codec: EventCodec, settings: CoreSettings, clock: Clock = utc_now
    ) -> None:
        self.store = store
        self.settings = settings
        self.book = Book(store.writer, codec, clock)
        self.workers = WorkerRegistry()
        self.durations = RunDurations()
        self.dispatcher = Dispatcher(self.book, self.workers, self.durations, settings.type_limits)
        self.effects = Effects(self.book, self.workers, self.dispatcher)
        self.timers = Timers(self.book.clock)
        self.holds = Holds(self.book, self.timers)
        self.holds.apply = self.effects.apply
        self.effects.retry_later = self.holds.retry_at
        self.bindings = Bindings(self.book, self.timers)
        self.bindings.stop = self._stop_unwatched
        self.waits = TerminationWaits()
        self.hub = EventHub()
        self.projects = ProjectHub()
        self.instances = Instances(
            self.book,
            store.reader,
            self.dispatcher,
            self.effects,
            self.waits,
            TaskIds(store.reserve_task_ids),
            CallerSettings(
                settings.allow_code,
                settings.default_grace_period,
                settings.datasources,
                settings.strict_types,
            ),
        )
        self.instances.shared = store.shared
        self.instances.holds = self.holds
        self.instances.bindings = self.bindings
        self.instances.delete_stored = store.delete_instance
        self.instances.on_deleted = self.projects.resync
        self.schedules = Schedules(self.book, store.reader, self.instances, self.timers)
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
        self.ownership: Ownership = Ownership()
        self.relay: Relay | None = None
        self.permits: Permits | None = None  # with replicas: concurrency limits hold across them
        self._listener: notify.Listener | None = None
        self._work_noticed = 0.0
        self.secret = ""  # what calls between replicas carry (with replicas only)
        self._database: Store | None = None  # with replicas: the PostgreSQL store they share
        # Called when this replica must stop at once (it lost its shards to another): see app.py.
        self.on_fatal: Callable[[BaseException], None] = lambda error: None
        # Called with each commit's events after watchers and waiters heard of them (metrics count them).
        self.observers: list[Callable[[list[RecordedEvent]], None]] = []
        self._commits = asyncio.Event()
        self.book.published.append(self._published)
        self.book.project_published.append(self.projects.publish)
        store.writer.health_listeners.append(self._store_health)
        self.health_changed: list[Callable[[bool], None]] = []

    # -- lifecycle ---------------------------------------------------------------------------------------

    def use_replicas(self, address: str, link: PeerLink, permit_link: PermitLink | None = None) -> None:
        """With PostgreSQL: this server is one of several replicas, reachable by the others at
        ``address``, and calls them through ``link``."""
        store = self.store
        assert isinstance(store, Store), "replicas share a database"
        self._database = store
        replica = Replica(REPLICA_ID, address)
        ownership = LeasedOwnership(store, replica, gained=self._gained, lost=self._lost, busy=self._busy)
        self.ownership = ownership
        self.instances.owns = ownership.owns
        self.instances.owner_address = lambda i: o.address if (o := ownership.owner_of(i)) and o.live else ""
        self.schedules.owns = ownership.owns
        self.schedules.owner_address = self.instances.owner_address
        self.relay = Relay(self.book, self.workers, self.dispatcher, self.intake, link, self._peers)
        self.dispatcher.others = lambda: bool(self._peers())
        self.dispatcher.left_idle = self.relay.pull
        if permit_link is not None:
            limits = self.dispatcher.limits

            def owner_of(shard: int) -> str | None:
                found = ownership.owners.get(shard)
                return found.owner if found is not None and found.live and found.owner else None

            def changed() -> None:
                limits.version += 1
                self.dispatcher.kick()

            self.permits = limits.permits = Permits(
                REPLICA_ID,
                permit_link,
                owner_of,
                lambda: {r.id for r in ownership.replicas},
                limits.count,
                changed,
            )
        self._listener = notify.Listener(store.url, REPLICA_ID, self._notice, self._resync)
        store.writer.notices = self._notices
        store.writer.project_notice = store.project_notice = _project_notice
        store.writer.fatal = (Fenced,)
        store.writer.on_fatal = self._fatal

    async def start(self) -> None:
        """Takes over the active instances the store holds (with replicas, those of the shards this one
        claims), then starts the loops."""
        self.store.start()
        if self.relay is None:
            await self.recover(None)
        else:
            assert self._listener is not None
            assert self._database is not None
            self.secret = await self.store.writer.run(cluster.secret(self._database.sql))
            await self._listener.start()  # first: what the others commit from now on is heard
            await self.ownership.start()
            self.relay.start()
            if self.permits is not None:
                self.permits.start()
        self.take_back.start()
        self.reaper.start()
        self.timers.start()

    async def close(self) -> None:
        await self.timers.close()
        await self.schedules.close()
        await self.take_back.close()
        await self.reaper.close()
        if self.relay is not None:
            await self.relay.close()
        if self.permits is not None:
            await self.permits.close()
        for session in self.workers:
            session.close()
        await self.store.writer.soon()
        await self.ownership.close()
        if self._listener is not None:
            await self._listener.close()
        await self.store.close()

    async def recover(self, shards: set[int] | None) -> None:
        """Loads the active instances (of ``shards``, or all). Tasks that a worker held when their last
        owner stopped are interrupted (that worker's session is gone) and retried; queued tasks are
        queued again."""
        reason = "the server restarted while a worker held the task"
        if shards is not None:
            reason = "its instance moved to another server replica while a worker held the task"
        loaded = [
            i
            for i in await self.store.reader.active_instances()
            if (shards is None or shard_of(i.id) in shards) and self.book.get(i.id) is None
        ]
        now = self.book.clock()
        for instance in loaded:
            self.book.add(instance, new=False)
            for task in instance.tasks:  # why each waits is not stored: it follows from what is
                if task.status in QUEUED or (task.status == TaskStatus.SUSPENDED and not task.worker):
                    task.waiting = transitions.initial_waiting(instance, task, now)
            self.holds.track(instance)
            self.bindings.track(instance)
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
        await self.schedules.load(shards)  # after the instances: their overlap policies look at them

    async def _stop_unwatched(self, instance: Instance) -> None:
        """Stops a bound instance whose caller's watch is gone (core.bindings)."""
        grace = instance.options.bound_grace
        with contextlib.suppress(Exception):  # it ended, or moved to another replica, meanwhile
            await self.instances.stop(
                instance.project,
                instance.id,
                lambda _: b"",
                reason=CancellationReason.CLIENT_DISCONNECTED,
                message=f"no watch of the instance was open for {grace:g}s (cancel_on_client_disconnection)",
                requested_by=transitions.SERVER_PRINCIPAL,
                grace_period=None,
            )

    # -- state -------------------------------------------------------------------------------------------

    @property
    def draining(self) -> bool:
        return self.instances.draining

    def drain(self) -> None:
        """Graceful shutdown begins: no new work is accepted or dispatched; running tasks may finish."""
        self.instances.draining = True
        self.dispatcher.paused = True
        self.hub.close()
        self.projects.close()

    async def _gained(self, shards: set[int]) -> None:
        if self.permits is not None:
            self.permits.gained(shards)
        await self.recover(shards)

    async def _lost(self, shards: set[int]) -> None:
        """Shards this replica gives up: what it changed in them is committed, then leaves memory."""
        self.schedules.forget(shards)  # first: nothing fires them from now on
        if self.permits is not None:
            self.permits.lost(shards, self.dispatcher.limits.keys())
        await self.store.writer.soon()
        for instance in self.book:
            if shard_of(instance.id) in shards:
                self.book.forget(instance.id)

    def _busy(self, shard: int) -> int:
        return sum(1 for i in self.book if shard_of(i.id) == shard)

    def _peers(self) -> list[str]:
        owners = self.ownership.owners if isinstance(self.ownership, LeasedOwnership) else {}
        return sorted({o.owner for o in owners.values() if o.live and o.owner and o.owner != REPLICA_ID})

    def peer_address(self, replica_id: str) -> str:
        if isinstance(self.ownership, LeasedOwnership):
            for replica in self.ownership.replicas:
                if replica.id == replica_id:
                    return replica.address
        return ""

    def _fatal(self, error: BaseException) -> None:
        log.critical("this replica must stop: %s", error)
        self.on_fatal(error)

    def _notices(self, batch: Batch) -> list[str]:
        """What the other replicas hear of a commit: each instance's log grew, and maybe that queued
        work waits here for a worker."""
        logs: dict[str, tuple[int, bool, bool]] = {}
        for event in batch.events.values():
            _, progress_only, terminal = logs.get(event.instance_id, (0, True, False))
            logs[event.instance_id] = (
                event.seq,
                progress_only and event.kind == EventKind.PROGRESS,
                terminal or event.terminal,
            )
        notices = [
            notify.encode(notify.EventsCommitted(REPLICA_ID, instance_id, *log))
            for instance_id, log in logs.items()
        ]
        now = asyncio.get_running_loop().time()
        if len(self.dispatcher.queue) and now - self._work_noticed > WORK_NOTICE_SECONDS:
            self._work_noticed = now
            notices.append(notify.encode(notify.WorkQueued(REPLICA_ID)))
        return notices

    def _notice(self, notice: notify.Notice) -> None:
        """A notice from another replica's commit (see store.notify)."""
        if isinstance(notice, notify.EventsCommitted):
            self.hub.note(notice.instance_id, notice.last_seq, progress_only=notice.progress_only)
            if notice.terminal:
                self.waits.terminated(notice.instance_id)
                self.instances.answers.ended(notice.instance_id)
        elif isinstance(notice, notify.ProjectEventsCommitted):
            self.projects.note(notice.project, notice.last_seq)
        elif self.relay is not None:
            self.relay.work_queued(notice.replica)

    def _resync(self) -> None:
        """Notices may have been missed while not listening: re-read everything kept in memory."""
        self.hub.resync()
        self.projects.resync()
        self.waits.wake_all()
        if self.relay is not None:
            self.relay.pull()

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
        session = WorkerSession.of(
            registration,
            prefetch=self.settings.prefetch,
            short_prefetch=short_prefetch_for(
                self.settings.short_prefetch, gives_back=registration.gives_back
            ),
            projects=projects,
        )
        if self.relay is not None:
            self.relay.registered(session, registration)
        return session

    def set_token_minter(self, mint: MintToken | None) -> None:
        self.dispatcher.mint_token = mint

    def task_types(self) -> dict[str, tuple[str, int]]:
        return self.workers.task_types()

    @property
    def queue_depth(self) -> int:
        """Entries in the run queue (a few may be stale: cancelled while queued)."""
        return len(self.dispatcher.queue)


def _project_notice(project: str, last_seq: int) -> str:
    return notify.encode(notify.ProjectEventsCommitted(REPLICA_ID, project, last_seq))


def instance_holds_worker(instance: Instance) -> bool:
    return any(t.worker and not t.is_terminal for t in instance.tasks)
