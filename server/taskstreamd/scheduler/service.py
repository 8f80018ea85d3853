"""The use cases behind both services: instances for callers, reports and assignments for workers.

Each state change loads the instance, applies the state machine (domain.transitions), saves it in one
transaction, and only then carries out the effects (messages to workers, queueing), so a crash between the
two loses nothing that was acknowledged: on restart, tasks held by vanished workers are interrupted and
queued tasks are queued again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import duration_pb2

from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd import ids
from taskstreamd.api import convert
from taskstreamd.api.task_tokens import TaskTokens
from taskstreamd.domain import transitions
from taskstreamd.domain.model import (
    PYTHON_OBJECT_TYPE,
    Cancellation,
    Instance,
    InstanceOptions,
    Task,
    TaskFailure,
)
from taskstreamd.errors import Expired, InvalidArgument, NotFound, PermissionDenied, Unavailable
from taskstreamd.events import changes
from taskstreamd.events.changes import StoredEvent
from taskstreamd.events.hub import EventHub
from taskstreamd.replica import REPLICA_ID, replica_of
from taskstreamd.scheduler import workflows
from taskstreamd.scheduler.durations import OVERDUE_SECONDS, RunDurations
from taskstreamd.scheduler.leases import LeaseSettings, Reaper
from taskstreamd.scheduler.queue import RunQueue
from taskstreamd.scheduler.sql_tasks import check_sql_tasks
from taskstreamd.scheduler.waits import TerminationWaits, Watch
from taskstreamd.scheduler.workers import WorkerRegistry, WorkerSession
from taskstreamd.store import expiry, leases, notify, requests
from taskstreamd.store.answers import Answer
from taskstreamd.store.leases import ExpiredLease
from taskstreamd.store.repository import (
    DuplicateRequest,
    InstanceBusy,
    ListFilter,
    NewTask,
    Payload,
    QueuedTask,
    Store,
    TaskOutcome,
    TaskRef,
    Transaction,
    claim,
    current_task,
    decode_page_token,
    encode_page_token,
)

log = logging.getLogger(__name__)

Change = Callable[[Instance], list[transitions.Effect]]

TAKE_BACK_CHECK_SECONDS = 0.25  # how often to look for tasks waiting in a worker behind an overdue one
BUSY_RETRY_SECONDS = 0.05  # a claim skipped a locked instance: the lock holder is one short transaction
REPLICA_SWEEP_SECONDS = 5.0  # how often to look for tasks held by replicas that are gone


@dataclass(frozen=True)
class Settings:
    allow_code: bool = False
    default_grace_period: float = 5.0
    max_output_bytes: int = 4 * 1024 * 1024
    prefetch: int = 0  # assignments a worker is sent beyond its slots (see WorkerSession.prefetch)
    # and beyond those, of short task types; None: by the worker (scheduler.workers.short_prefetch_for)
    short_prefetch: int | None = None
    max_properties_per_task: int = 1000
    max_property_bytes: int = 1024 * 1024
    datasources: frozenset[str] = frozenset()  # the names sql tasks may use
    leases: LeaseSettings = field(default_factory=LeaseSettings)


@dataclass
class NewInstance:
    project: str
    owner: str
    tasks: list[NewTask]
    priority: int = 9
    labels: dict[str, str] = field(default_factory=dict)
    options: InstanceOptions = field(default_factory=InstanceOptions)
    request_id: str = ""
    request_fingerprint: str = ""  # tells a retry of this request from another using the same request_id
    parent_instance: str = ""
    hold: bool = False  # created SUSPENDED, its tasks held until resumed
    sub_instance_name: str = ""  # its name within the parent workflow; "" means its id
    parent_task: str = ""  # the parent's task that started it


def now() -> datetime:
    return datetime.now(UTC)


class InstanceManager:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.workers = WorkerRegistry()
        self._queue = RunQueue()
        self.durations = RunDurations()  # tells short task types, which may be prefetched
        self._kick = asyncio.Event()
        self.events = EventHub()
        self.waits = TerminationWaits()
        store.on_commit = self._committed
        self._dispatcher: asyncio.Task[None] | None = None
        self._taker: asyncio.Task[None] | None = None
        # Called with each commit's events after watchers heard of them (metrics count them here).
        self.observers: list[Callable[[list[StoredEvent]], None]] = []
        # Set by a graceful shutdown: no new work is accepted or dispatched, running tasks may finish.
        self.draining = False
        self._commits = asyncio.Event()  # set after every commit that recorded events
        self._reaper: asyncio.Task[None] | None = None
        # With authentication on: tokens that let a workflow's task act as its instance's owner.
        self.task_tokens: TaskTokens | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._listener: notify.Listener | None = None
        self._arrived: set[int] = set()  # tasks other replicas queued, not yet in our queue
        self._loading_arrived = False
        if store.shared:
            self._listener = notify.Listener(store.url, REPLICA_ID, self._signalled, self._resync)

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Recovers from a previous run, rebuilds the queue and starts dispatching and expiring leases.

        With other replicas, it listens to them first (so nothing they commit meanwhile is missed). Tasks
        held by workers of replicas that are gone (this server's previous run among them) are interrupted
        at once; tasks held under a lease by a live replica's worker are left to that lease.
        """
        if self._listener is not None:
            await self._listener.start()
        reason = "the server restarted while the task had no lease"
        for instance_id, task_id in await self.store.active_task_ids(unleased_only=True):
            await self._worker_lost(instance_id, task_id, reason)
        await self.recover_lost_replicas()
        reaper = Reaper(self.store, self.settings.leases, self.expire_lease)
        await reaper.reap_once()
        for queued in await self.store.queued_tasks():
            self._queue.push(queued)
        self._dispatcher = asyncio.create_task(self._dispatch_forever(), name="dispatcher")
        self._taker = asyncio.create_task(self._take_back_forever(), name="take-back")
        self._reaper = asyncio.create_task(reaper.run_forever(), name="lease-reaper")
        if self.store.shared:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="replica-sweeper")
        self._kick.set()

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
        for task in [self._dispatcher, self._taker, self._reaper, self._sweeper, *self._background]:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        for session in self.workers:
            session.outbox.put_nowait(None)

    # -- callers ---------------------------------------------------------------------------------------

    async def create(self, request: NewInstance, *, watch: Watch | None = None) -> Instance:
        """The new instance (or, for a request_id seen before, the first one). ``watch`` waits on a new
        instance before its commit, so the state returned may stand for a wait's first read."""
        if self.draining:
            raise Unavailable(
                "the server is shutting down and accepts no new instances; retry elsewhere or later"
            )
        check_sql_tasks(request.tasks, self.settings.datasources)
        if request.parent_instance:
            await workflows.open_parent(self, request.parent_instance)
        if any(t.type == PYTHON_OBJECT_TYPE for t in request.tasks) and not self.settings.allow_code:
            raise PermissionDenied(
                "CODE_NOT_ALLOWED",
                "this server does not accept Python-object tasks (start it with --allow-code)",
            )
        key = requests.RequestKey(request.project, requests.CREATE, request.request_id)
        if request.request_id:
            found = await requests.find(self.store, key)
            if found is not None:
                requests.check(found, requests.Claim(request.request_fingerprint, found.instance_id))
                return await self.get(request.project, found.instance_id)
            existing = await self.store.find_by_request_id(request.project, request.request_id)
            if existing is not None:  # created before request records existed
                return existing
        created = now()
        instance = Instance(
            id=ids.new_instance_id(created),
            project=request.project,
            owner=request.owner,
            priority=request.priority,
            create_time=created,
            labels=dict(request.labels),
            options=request.options,
            parent_instance=request.parent_instance,
            request_id=request.request_id,
            status=InstanceStatus.SUSPENDED if request.hold else InstanceStatus.RUNNING,
        )
        if watch is not None:
            watch.add(instance.id)
        claim = requests.Claim(request.request_fingerprint, instance.id)
        earlier: requests.Claim | None = None
        # With one writer, idle slots take the new tasks in the create's own commit: a transaction and a
        # dispatcher turn fewer before a short instance's task starts. Replicas leave it to the dispatcher,
        # which locks instances in the order every writer does.
        dispatch_now = not (request.hold or request.parent_instance or self.store.shared)
        pairs: list[tuple[QueuedTask, WorkerSession]] = []
        claimed: list[tuple[Payload, WorkerSession]] = []
        busy: list[QueuedTask] = []
        queued_early = False
        try:
            async with self.store.transaction() as tx:
                if request.request_id:
                    earlier = await requests.claim(tx, key, claim, created)
                if earlier is None:
                    await tx.add_instance(instance, request.tasks)
                    if request.parent_instance:
                        await self._record_sub_instance(tx, instance, request)
                    if dispatch_now:
                        self._queue_tasks_of(instance)
                        queued_early = True
                        if not self.draining:
                            pairs = self._pick(self.workers.free(), prefetch=True)
                            claimed, busy = await self._claim(tx, pairs)
        except BaseException as error:
            if queued_early:
                # Rolled back: the queued entries name tasks that do not exist, by ids the next insert
                # may reuse, so they go now rather than as stale entries later.
                for queued, session in pairs:
                    session.running.pop(queued.task_id, None)
                self._queue.remove({task.id for task in instance.tasks})
            if not isinstance(error, (DuplicateRequest, requests.DuplicateClaim)):
                raise
            # A concurrent duplicate won the race.
            earlier = await requests.find(self.store, key)
            if earlier is None:
                existing = await self.store.find_by_request_id(request.project, request.request_id)
                if existing is None:
                    raise
                return existing
        if earlier is not None:
            requests.check(earlier, claim)
            return await self.get(request.project, earlier.instance_id)
        log.debug(
            "instance %s created with %d tasks",
            instance.id,
            len(instance.tasks),
            extra={"instance_id": instance.id, "project": instance.project},
        )
        if request.parent_instance and await self._parent_stopped_meanwhile(request.parent_instance):
            # The workflow was stopped between the check above and the commit, and its stop may not
            # have seen this sub-instance: stop it as the workflow's stop would have.
            return await self.stop(
                instance.project,
                instance.id,
                reason=CancellationReason.CONSEQUENTIAL,
                message=f"its workflow {request.parent_instance} was stopped",
                requested_by=request.owner,
                grace_period=None,
            )
        if dispatch_now:
            if pairs:
                self._hand_out(pairs, claimed, busy)
            self._kick.set()  # what the idle slots did not take, for the slots that free up
        elif not request.hold:
            self._queue_tasks_of(instance)
            self._kick.set()
        return instance

    def _queue_tasks_of(self, instance: Instance) -> None:
        for task in instance.tasks:
            labels = tuple(sorted(task.required_labels.items()))
            self._queue.push(
                QueuedTask(instance.priority, instance.id, task.index, task.id, task.type, labels)
            )

    async def get(self, project: str, instance_id: str) -> Instance:
        instance = await self.store.get_instance(instance_id)
        if instance is None or instance.project != project:
            raise await self.missing(project, instance_id)
        return instance

    async def answer(self, project: str, instance_id: str, encode: Callable[[Instance], bytes]) -> bytes:
        """The instance ``encode``d (GetInstance's answer): kept by the store's answer cache until a commit
        touches the instance, so asking again for an unchanged instance reads nothing."""
        cache = self.store.answers
        if cache is None:
            return encode(await self.get(project, instance_id))
        cached = cache.get(instance_id)
        if cached is not None and cached.project == project:
            return cached.data
        ticket = cache.ticket(instance_id)  # before reading: a commit from now on voids what we read
        try:
            instance = await self.get(project, instance_id)
            data = encode(instance)
        except BaseException:
            cache.discard(ticket)
            raise
        cache.put(ticket, Answer(instance.project, data))
        return data

    async def missing(self, project: str, instance_id: str) -> NotFound:
        """The error for an instance that is not there: Expired when retention deleted it."""
        name = ids.instance_name(project, instance_id)
        gone = await expiry.tombstone(self.store, instance_id)
        if gone is None or gone.project != project:
            return NotFound("instance", name)
        metadata = {
            "end_time": gone.end_time.isoformat(),
            "delete_time": gone.delete_time.isoformat(),
            "status": InstanceStatus.TERMINATED.value,
            "successful": "true" if gone.successful else "false",
        }
        return Expired("instance", name, metadata)

    async def list_instances(
        self, where: ListFilter, page_size: int, page_token: str
    ) -> tuple[list[Instance], str]:
        after = decode_page_token(page_token) if page_token else None
        instances, more = await self.store.list_instances(where, page_size, after)
        return instances, encode_page_token(instances[-1].id) if more and instances else ""

    async def stop(
        self,
        project: str,
        instance_id: str,
        *,
        reason: CancellationReason,
        message: str,
        requested_by: str,
        grace_period: float | None,
        request_id: str = "",
        request_fingerprint: str = "",
    ) -> Instance:
        """Stops the instance. With a request_id, only the first of the requests carrying it does:
        the later ones (retries) get the instance as it is now, and the servicer answers them with
        the first answer (store.requests)."""
        key = requests.RequestKey(project, requests.STOP, request_id)
        claim = requests.Claim(request_fingerprint, instance_id)
        if request_id:
            earlier = await requests.find(self.store, key)
            if earlier is not None:
                requests.check(earlier, claim)
                return await self.get(project, instance_id)
        cancellation = Cancellation(reason, message, requested_by, now())
        grace = self.settings.default_grace_period if grace_period is None else grace_period
        try:
            instance = await self._change(
                project,
                instance_id,
                lambda i: transitions.stop(i, cancellation, grace, cancellation.request_time),
                claim=(key, claim) if request_id else None,
            )
        except requests.DuplicateClaim:  # a concurrent duplicate stopped it
            return await self.get(project, instance_id)
        log.info(
            "instance %s stopped (%s)",
            instance_id,
            reason.name,
            extra={"instance_id": instance_id, "project": project, "reason": reason.name},
        )
        if any(t.type.startswith(workflows.WORKFLOW_TYPE_PREFIX) for t in instance.tasks):
            await workflows.stop_sub_instances(
                self, instance, requested_by=requested_by, grace_period=grace_period
            )
        return instance

    async def suspend(self, project: str, instance_id: str) -> Instance:
        return await self._change(project, instance_id, transitions.suspend)

    async def resume(self, project: str, instance_id: str) -> Instance:
        if self.draining:
            raise Unavailable("the server is shutting down and starts no held work; retry elsewhere or later")
        return await self._change(project, instance_id, transitions.resume)

    # -- graceful shutdown -------------------------------------------------------------------------------

    async def wait_idle(self, timeout: float) -> bool:
        """True once no task holds a worker slot, False when ``timeout`` passes first.

        Re-reads after each commit (a task ending is one); the event is cleared before reading, so a
        commit between the read and the wait is not missed.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._commits.clear()
            if not await self.store.active_task_ids():
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._commits.wait(), remaining)

    async def stop_active(self, message: str, grace_period: float) -> list[str]:
        """Stops, with reason SHUTDOWN, every instance with a task that holds a worker; their ids."""
        stopped: list[str] = []
        for instance_id in dict.fromkeys(i for i, _ in await self.store.active_task_ids()):
            instance = await self.store.get_instance(instance_id)
            if instance is None:
                continue
            await self.stop(
                instance.project,
                instance_id,
                reason=CancellationReason.SHUTDOWN,
                message=message,
                requested_by="taskstreamd",
                grace_period=grace_period,
            )
            stopped.append(instance_id)
        return stopped

    async def wait(
        self,
        project: str,
        instance_id: str,
        timeout: float,
        *,
        watch: Watch | None = None,
        known: Instance | None = None,
    ) -> tuple[Instance, bool]:
        """The instance once terminated, or as it is when ``timeout`` passes.

        ``known`` stands for the first read when ``watch`` waited on it before that state was committed
        (a waiting create: the instance it just made).
        """
        instances, done = await self.wait_many(
            [(project, instance_id)], any_of=False, timeout=timeout, watch=watch, known=known
        )
        return instances[0], done

    async def wait_many(
        self,
        refs: list[tuple[str, str]],
        *,
        any_of: bool,
        timeout: float,
        watch: Watch | None = None,
        known: Instance | None = None,
    ) -> tuple[list[Instance], bool]:
        """The instances once all (or, with ``any_of``, one) are terminated, or when ``timeout`` passes.

        The instances are waited on before they are read, and read again after each wake-up (see
        scheduler.waits). ``watch`` and ``known`` are as in ``wait``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with self.waits.watch() if watch is None else contextlib.nullcontext(watch) as watching:
            # Only a state committed after its instance was waited on may stand for a read, and only while
            # nothing terminated since (the first turn's clear would lose that wake-up).
            unread: dict[tuple[str, str], Instance] = {}
            if known is not None and known.id in watching and not watching.woken.is_set():
                unread[(known.project, known.id)] = known
            for _, instance_id in refs:
                watching.add(instance_id)
            terminated: dict[tuple[str, str], Instance] = {}  # final: never read again
            while True:
                watching.woken.clear()
                instances = [terminated.get(ref) or unread.get(ref) or await self.get(*ref) for ref in refs]
                for ref, instance in zip(refs, instances, strict=True):
                    if instance.status == InstanceStatus.TERMINATED:
                        terminated[ref] = instance
                ended = [ref in terminated for ref in refs]
                done = any(ended) if any_of else all(ended)
                remaining = deadline - loop.time()
                if done or remaining <= 0:
                    if not done and unread:  # out of time: answer with it as it is now, not as created
                        instances = [terminated.get(ref) or await self.get(*ref) for ref in refs]
                    return instances, done
                unread.clear()
                # A timer that sets the event, not wait_for: that wraps the wait in a task of its own.
                timer = loop.call_later(remaining, watching.woken.set)
                try:
                    await watching.woken.wait()
                finally:
                    timer.cancel()

    async def task_outcome(
        self, project: str, instance_id: str, task_name: str
    ) -> tuple[Instance, TaskOutcome]:
        instance = await self.get(project, instance_id)
        task_name = named_task(instance, task_name)
        outcome = await self.store.task_outcome(instance_id, task_name)
        if outcome is None:
            raise task_not_found(instance, task_name)
        return instance, outcome

    def task_types(self) -> dict[str, tuple[str, int]]:
        return self.workers.task_types()

    @property
    def queue_depth(self) -> int:
        """Entries in the run queue (a few may be stale: cancelled while queued)."""
        return len(self._queue)

    # -- workers ---------------------------------------------------------------------------------------

    def connect_worker(self, session: WorkerSession) -> None:
        session.heard(self.settings.leases.lease_seconds)
        self.workers.add(session)
        log.info(
            "worker %s (%s) connected with %d slots",
            session.id,
            session.name,
            session.slots,
            extra={"worker_id": session.id},
        )
        self._kick.set()
        if self.store.shared:
            # A worker often reconnects here because its replica died: retry that replica's tasks now.
            self._in_background(self.recover_lost_replicas())

    async def disconnect_worker(self, session: WorkerSession) -> None:
        self.workers.remove(session)
        log.info("worker %s (%s) disconnected", session.id, session.name, extra={"worker_id": session.id})
        reason = f"worker {session.name} ({session.id}) disconnected"
        for instance_id, task_id in await self.store.active_task_ids(session.id):
            await self._worker_lost(instance_id, task_id, reason, worker=session.id)
        self._kick.set()

    async def worker_heartbeat(self, session: WorkerSession) -> None:
        """Renews the worker's leases, and tells it to drop the attempts whose lease it lost."""
        was_live = session.live()
        session.heard(self.settings.leases.lease_seconds)
        held = dict(session.assigned)  # before renewing: assignments made later are not judged here
        time = now()
        renewed = await leases.renew(self.store, session.id, time, time + self._lease())
        for task_id, assignment_id in held.items():
            if assignment_id not in renewed:
                self.drop(session, task_id, assignment_id, "its lease expired; the task was retried")
        if not was_live:
            self._kick.set()  # a worker that went quiet is given tasks again

    async def expire_lease(self, lease: ExpiredLease, time: datetime) -> None:
        """Interrupts the task of an expired lease, unless it was renewed or taken meanwhile."""
        effects: list[transitions.Effect] = []
        async with self.store.transaction() as tx:
            if not await leases.take(tx, lease, time):
                return
            instance = await tx.load(lease.instance_id)
            task = instance.task_by_id(lease.task_id) if instance else None
            if instance is None or task is None:
                return
            session = self.workers.get(lease.worker)
            if session is not None:
                session.alive_until = 0.0  # no new tasks for it until it is heard from again
            who = f"{session.name} ({lease.worker})" if session else lease.worker
            reason = f"the lease of worker {who} expired: no heartbeat for {self._lease_seconds():g}s"
            log.warning("task %s attempt %s: %s", lease.task_id, lease.assignment_id, reason)
            before = changes.marks(instance)
            effects = transitions.worker_lost(instance, task, time, reason)
            await _save(tx, instance, before)
            self._signal_remote(tx, instance.id, effects)
        await self._apply(effects)

    def drop(
        self, session: WorkerSession, task_id: int, assignment_id: str, reason: str, *, again: bool = False
    ) -> None:
        """Frees the slot of an attempt that no longer counts and tells the worker to forget it (once,
        unless ``again``: a refused TaskFinished is always answered, so the worker knows its end was not
        taken)."""
        if session.assigned.get(task_id) == assignment_id:
            session.finished(task_id, assignment_id)
            self._kick.set()
        if assignment_id in session.dropped and not again:
            return
        session.dropped.add(assignment_id)
        log.warning("worker %s (%s): dropping %s: %s", session.id, session.name, assignment_id, reason)
        session.send(wpb.ConnectResponse(drop=wpb.DropTask(assignment_id=assignment_id, reason=reason)))

    async def record_reports(self, session: WorkerSession, reports: Sequence[wpb.ConnectRequest]) -> None:
        """A worker's reports, in order, recorded in one transaction; one commit for a batch of starts,
        ends, progress and output instead of one per report is what lets short tasks run back to back.

        Every report is fenced: it counts only while this worker holds that attempt (see ``_holds``);
        the worker is told to drop the attempts whose reports no longer count."""
        pairs: list[tuple[QueuedTask, WorkerSession]] = []
        claimed: list[tuple[Payload, WorkerSession]] = []
        busy: list[QueuedTask] = []
        try:
            async with self.store.transaction() as tx:
                recorded = await self._record_in(tx, session, reports)
                finished = recorded.finished
                if finished and not self.draining and self.workers.get(session.id) is session:
                    # The slots these ends free take their next tasks in the same commit: one
                    # transaction per short task instead of two.
                    pairs = self._pick([session], prefetch=False, freed=len(finished))
                    claimed, busy = await self._claim(tx, pairs)
        except BaseException:
            self._unpick(pairs)
            raise
        for assignment_id, was_finish in recorded.stale:
            # A refused TaskFinished is always answered, so the worker knows its end was not taken.
            reason = f"its TaskFinished was refused: {STALE}" if was_finish else STALE
            self.drop(session, _task_id(assignment_id), assignment_id, reason, again=was_finish)
        for task_id, assignment_id in finished:
            session.finished(task_id, assignment_id)
        heard = time.monotonic()
        for task_id in recorded.started:
            if task_id in session.running:
                session.started_at[task_id] = heard
        for task_id, assignment_id, given_back in recorded.taken_back:
            session.taking_back.discard(task_id)
            if given_back:
                session.finished(task_id, assignment_id)  # it no longer waits there
        if pairs:
            self._hand_out(pairs, claimed, busy)
        await self._apply(recorded.effects)
        if finished or any(given_back for *_, given_back in recorded.taken_back):
            self._kick.set()  # slots were freed, or tasks came back to the queue

    async def _record_in(
        self, tx: Transaction, session: WorkerSession, reports: Sequence[wpb.ConnectRequest]
    ) -> _Recorded:
        """Records the reports in ``tx``: their effects, the attempts refused and the tasks ended."""
        recorded = _Recorded()
        effects, stale, finished = recorded.effects, recorded.stale, recorded.finished
        if self.store.shared:  # instances first, as every writer does (see store.repository)
            await tx.lock_instances_of_tasks(sorted({_task_id(_assignment_of(r)) for r in reports}))
        for report in reports:
            kind = report.WhichOneof("message")
            if kind in ("progress", "property", "output"):
                assignment_id = getattr(report, kind).assignment_id
                task = await current_task(tx, _task_id(assignment_id), assignment_id, session.id)
                if task is None:
                    stale.append((assignment_id, False))
                elif kind == "progress":
                    await tx.record_progress(task, report.progress.progress.SerializeToString(), now())
                elif kind == "property":
                    p = report.property
                    await self._property(tx, task, p.key, p.value, self.settings)
                else:
                    o = report.output
                    await self._output(tx, task, int(o.stream), o.offset, o.data)
            elif kind == "started":
                assignment_id = report.started.assignment_id
                if not await self._started(tx, session, assignment_id):
                    stale.append((assignment_id, False))
                else:
                    recorded.started.append(_task_id(assignment_id))
            elif kind == "taken_back":
                answer = report.taken_back
                task_id = _task_id(answer.assignment_id)
                if answer.taken_back:
                    effects.extend(await self._taken_back(tx, session, answer.assignment_id))
                recorded.taken_back.append((task_id, answer.assignment_id, answer.taken_back))
            elif kind == "finished":
                assignment_id = report.finished.assignment_id
                ended = await self._finished(tx, session, report.finished)
                if ended is None:
                    stale.append((assignment_id, True))
                else:
                    effects.extend(ended)
                    finished.append((_task_id(assignment_id), assignment_id))
            # "paused" confirmations need no state: the instance was marked suspended when asked.
        return recorded

    @staticmethod
    async def _taken_back(
        tx: Transaction, session: WorkerSession, assignment_id: str
    ) -> list[transitions.Effect]:
        """Records that the worker gave a task back unstarted: queued again (see transitions.taken_back)."""
        held = await _held_task(tx, session, assignment_id)
        if held is None:
            return []
        instance, task = held
        before = changes.marks(instance)
        effects = transitions.taken_back(instance, task, now())
        await _save(tx, instance, before)
        log.info("worker %s (%s) gave back task %s unstarted", session.id, session.name, assignment_id)
        return effects

    @staticmethod
    async def _started(tx: Transaction, session: WorkerSession, assignment_id: str) -> bool:
        """Records the start; False when the attempt is no longer this worker's."""
        held = await _held_task(tx, session, assignment_id, summary=False)  # a start never ends it
        if held is None:
            return False
        instance, task = held
        before = changes.marks(instance)
        transitions.start(instance, task, now())
        await _save(tx, instance, before)
        return True

    @staticmethod
    async def _property(
        tx: Transaction, task: TaskRef, key: str, value: task_pb2.PropertyValue, settings: Settings
    ) -> None:
        data = value.SerializeToString()
        # A worker report has no answer, so a property over the limits is dropped and logged.
        if len(data) > settings.max_property_bytes:
            log.warning("dropped property %r of task %s: %d bytes", key, task.task_id, len(data))
            return
        if not await tx.set_property(task, key, data, settings.max_properties_per_task):
            log.warning("dropped property %r of task %s: too many properties", key, task.task_id)
            return
        await tx.record(task.instance_id, [changes.property_set(task.name, key, data)], now())

    @staticmethod
    async def _output(tx: Transaction, task: TaskRef, stream: int, offset: int, data: bytes) -> None:
        await tx.add_output(task, stream, offset, data)
        event = changes.output(task.name, stream, offset, data, task.attempt)
        await tx.record(task.instance_id, [event], now())

    async def _finished(
        self, tx: Transaction, session: WorkerSession, report: wpb.TaskFinished
    ) -> list[transitions.Effect] | None:
        """Records the end; None when the attempt is no longer this worker's (the end is refused)."""
        task_id = _task_id(report.assignment_id)
        outcome = TaskStatus.from_proto(report.status)
        error = None
        if report.HasField("error"):
            e = report.error
            error = TaskFailure(e.type, e.message, e.traceback, e.pickled_exception)
        held = await _held_task(tx, session, report.assignment_id)
        if held is None:
            return None
        instance, task = held
        started = report.started and not task.started
        if started:  # a short task's start came with its end: its events now, its row with the end's
            before = changes.marks(instance)
            transitions.start(instance, task, now())
            await tx.record(instance.id, changes.status_changes(before, instance), now())
        if transitions.cancels_others(instance, outcome):
            if started:
                await tx.save(instance)  # the reload below reads the start
            reloaded = await tx.load(instance.id)
            reloaded_task = reloaded.task_by_id(task_id) if reloaded else None
            if reloaded is None or reloaded_task is None:
                return None
            instance, task = reloaded, reloaded_task
        result = report.result.SerializeToString() if report.HasField("result") else None
        ref = TaskRef(task_id, instance.id, task.name, task.attempts)
        await tx.set_result(ref, result, report.stdout_bytes, report.stderr_bytes)
        task.stdout_bytes, task.stderr_bytes = report.stdout_bytes, report.stderr_bytes
        before = changes.marks(instance)
        effects = transitions.finish(instance, task, outcome, error, now())
        if task.start_time is not None and task.end_time is not None:
            self.durations.record(task.type, (task.end_time - task.start_time).total_seconds())
        await _save(tx, instance, before)
        self._signal_remote(tx, instance.id, effects)
        log.log(
            logging.DEBUG if outcome == TaskStatus.SUCCESS else logging.INFO,
            "task %s of instance %s ended %s",
            task.name,
            instance.id,
            outcome.name,
            extra={
                "instance_id": instance.id,
                "task": task.name,
                "task_id": task_id,
                "status": outcome.name,
                "worker_id": session.id,
            },
        )
        return effects

    # -- internals -------------------------------------------------------------------------------------

    async def _change(
        self,
        project: str,
        instance_id: str,
        change: Change,
        *,
        claim: tuple[requests.RequestKey, requests.Claim] | None = None,
    ) -> Instance:
        """Applies ``change``; with ``claim``, only when no earlier request claimed its request_id."""
        async with self.store.transaction() as tx:
            instance = await tx.load(instance_id)
            if instance is None or instance.project != project:
                raise await self.missing(project, instance_id)
            if claim is not None:
                earlier = await requests.claim(tx, *claim, now())
                if earlier is not None:
                    requests.check(earlier, claim[1])
                    return instance
            before = changes.marks(instance)
            effects = change(instance)
            await _save(tx, instance, before)
            self._signal_remote(tx, instance.id, effects)
        await self._apply(effects)
        return await self.get(project, instance_id)

    async def _worker_lost(self, instance_id: str, task_id: int, reason: str, worker: str = "") -> None:
        """Interrupts a task whose worker is gone; with ``worker``, only while that worker holds it."""
        async with self.store.transaction() as tx:
            instance = await tx.load_task(task_id)
            task = instance.task_by_id(task_id) if instance else None
            if instance is None or task is None or (worker and task.worker != worker):
                return
            before = changes.marks(instance)
            lost_worker, previous = task.worker, task.status
            effects = transitions.worker_lost(instance, task, now(), reason)
            await _save(tx, instance, before)
            self._signal_remote(tx, instance.id, effects)
        if task.status == previous:
            return  # it had ended or held no worker: nothing was lost
        log.warning(
            "task %s of instance %s lost its worker %s (%s); now %s",
            task.name,
            instance_id,
            lost_worker,
            reason,
            task.status.name,
            extra={
                "instance_id": instance_id,
                "task": task.name,
                "task_id": task_id,
                "worker_id": lost_worker,
            },
        )
        await self._apply(effects)

    async def _apply(self, effects: Iterable[transitions.Effect]) -> None:
        for effect in effects:
            if isinstance(effect, transitions.Enqueue):
                await self._requeue(effect.task_id)
                continue
            session = self.workers.get(effect.worker)
            if session is None:
                continue  # the worker is gone; disconnect handling settles its tasks
            if isinstance(effect, transitions.SendCancel):
                c = effect.cancellation
                cancel = task_pb2.Cancellation(
                    reason=c.reason.to_proto(),  # type: ignore[arg-type]
                    message=c.message,
                    requested_by=c.requested_by,
                )
                convert.set_timestamp(cancel.request_time, c.request_time)
                grace = duration_pb2.Duration()
                grace.FromTimedelta(_seconds(effect.grace_period))
                session.send(
                    wpb.ConnectResponse(
                        cancel=wpb.CancelTask(
                            assignment_id=effect.assignment_id, cancellation=cancel, grace_period=grace
                        )
                    )
                )
            elif isinstance(effect, transitions.SendSuspend):
                session.send(wpb.ConnectResponse(suspend=wpb.SuspendTask(assignment_id=effect.assignment_id)))
            elif isinstance(effect, transitions.SendResume):
                session.send(wpb.ConnectResponse(resume=wpb.ResumeTask(assignment_id=effect.assignment_id)))

    async def _requeue(self, task_id: int) -> None:
        queued = await self.store.queued_task(task_id)
        if queued is not None:
            self._queue.push(queued)
            self._kick.set()

    def _lease(self) -> timedelta:
        return _seconds(self._lease_seconds())

    def _lease_seconds(self) -> float:
        return self.settings.leases.lease_seconds

    def _signal_remote(
        self, tx: Transaction, instance_id: str, effects: Iterable[transitions.Effect]
    ) -> None:
        """Effects for workers connected to other replicas travel with the transaction's commit."""
        if not self.store.shared:
            return
        for effect in effects:
            if isinstance(effect, transitions.Enqueue) or self.workers.get(effect.worker) is not None:
                continue
            action = _ACTIONS[type(effect)]
            task_id = _task_id(effect.assignment_id)
            tx.worker_signals.append(
                notify.WorkerSignal(
                    REPLICA_ID, action, effect.worker, instance_id, task_id, effect.assignment_id
                )
            )

    def _signalled(self, signal: notify.Signal) -> None:
        """A signal from another replica's commit (see store.notify)."""
        if isinstance(signal, notify.EventsCommitted):
            self.events.note(signal.instance_id, signal.last_seq, progress_only=signal.progress_only)
            if signal.terminal:
                self.waits.terminated(signal.instance_id)
        elif isinstance(signal, notify.TasksQueued):
            self._arrived.update(signal.task_ids)
            if not self._loading_arrived:  # one reader at a time takes everything that arrived
                self._loading_arrived = True
                self._in_background(self._enqueue_arrived())
        elif self.workers.get(signal.worker) is not None:
            self._in_background(self._forward(signal))

    def _resync(self) -> None:
        """Signals may have been missed while not listening: re-read everything kept in memory."""
        self.events.resync()
        self.waits.wake_all()
        self._in_background(self._enqueue(None))

    async def _enqueue(self, task_ids: Sequence[int] | None) -> None:
        for queued in await self.store.queued_tasks(task_ids):
            self._queue.push(queued)
        self._kick.set()

    async def _enqueue_arrived(self) -> None:
        try:
            while self._arrived:
                task_ids = sorted(self._arrived)
                self._arrived.clear()
                try:
                    await self._enqueue(task_ids)
                except Exception:
                    self._arrived.update(task_ids)  # the next signal tries them again
                    raise
        finally:
            self._loading_arrived = False

    async def _forward(self, signal: notify.WorkerSignal) -> None:
        """Carries out another replica's effect on a worker connected here."""
        effect: transitions.Effect
        if signal.action == "s":
            effect = transitions.SendSuspend(signal.worker, signal.assignment_id)
        elif signal.action == "r":
            effect = transitions.SendResume(signal.worker, signal.assignment_id)
        else:
            instance = await self.store.get_instance(signal.instance_id)
            task = instance.task_by_id(signal.task_id) if instance else None
            if task is None or task.cancellation is None:
                return
            effect = transitions.SendCancel(
                signal.worker, signal.assignment_id, task.cancellation, task.grace_period
            )
        await self._apply([effect])

    async def recover_lost_replicas(self) -> None:
        """Tasks held by workers of replicas that are gone (or of this server's previous run) are lost."""
        live = await self.store.live_replicas()
        for instance_id, task_id, worker in await self.store.held_tasks():
            if replica_of(worker) not in live:
                await self._worker_lost(instance_id, task_id, "its server replica is gone")

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(REPLICA_SWEEP_SECONDS)
            try:
                await self.recover_lost_replicas()
            except Exception:
                log.exception("looking for tasks of lost replicas failed; trying again later")

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work failed", exc_info=task.exception())

    def _committed(self, events: list[StoredEvent]) -> None:
        """Runs right after each commit: watchers and waiters hear of the change in the same turn."""
        self.events.publish(events)
        for event in events:
            if event.terminal:
                self.waits.terminated(event.instance_id)
        self._commits.set()
        for observe in self.observers:
            observe(events)

    async def _record_sub_instance(self, tx: Transaction, instance: Instance, request: NewInstance) -> None:
        """Tells the watchers of the parent workflow instance that a sub-instance appeared."""
        _, parent_id = ids.parse_instance_name(instance.parent_instance, "parent_instance")
        name = ids.instance_name(instance.project, instance.id)
        event = changes.sub_instance(name, request.sub_instance_name or instance.id, request.parent_task)
        await tx.record(parent_id, [event], instance.create_time)

    async def _parent_stopped_meanwhile(self, parent_name: str) -> bool:
        project, parent_id = ids.parse_instance_name(parent_name, "parent_instance")
        return workflows.is_stopping(await self.get(project, parent_id))

    async def _dispatch_forever(self) -> None:
        while True:
            await self._kick.wait()
            self._kick.clear()
            try:
                while await self._dispatch_once():
                    pass
            except Exception:
                log.exception("dispatching failed; retrying on the next change")

    async def _take_back_forever(self) -> None:
        while True:
            await asyncio.sleep(TAKE_BACK_CHECK_SECONDS)
            try:
                self.take_back_stuck(time.monotonic())
            except Exception:
                log.exception("taking back stuck tasks failed; trying again")

    def take_back_stuck(self, clock: float) -> None:
        """Asks workers for the tasks waiting in them behind tasks that turned out long, when another
        worker has an idle slot; what they give back is queued again (see record_reports)."""
        sessions = [s for s in self.workers if s.live()]
        if self.draining or not any(s.idle_slots > 0 for s in sessions):
            return
        for session in sessions:
            if not session.gives_back:
                continue
            for task_id in session.stuck_waiting(clock, OVERDUE_SECONDS):
                if task_id not in session.taking_back:
                    session.taking_back.add(task_id)
                    take_back = wpb.TakeBackTask(assignment_id=session.assigned[task_id])
                    session.send(wpb.ConnectResponse(take_back=take_back))

    async def _dispatch_once(self) -> bool:
        """Claims queued tasks for free worker slots and sends them; False when nothing could be sent."""
        if self.draining:
            return False  # queued tasks stay queued in the store and run after the restart
        # Idle slots of every worker first, then prefetch: two queued tasks go to two idle workers, not
        # both to the first one.
        pairs = self._pick(self.workers.free(), prefetch=True)
        if not pairs:
            return False
        try:
            async with self.store.transaction() as tx:
                claimed, busy = await self._claim(tx, pairs)
        except BaseException:
            self._unpick(pairs)
            raise
        return self._hand_out(pairs, claimed, busy)

    def _pick(
        self, sessions: Sequence[WorkerSession], *, prefetch: bool, freed: int = 0
    ) -> list[tuple[QueuedTask, WorkerSession]]:
        """Takes queued tasks off the queue for the sessions' room (plus ``freed`` slots about to free)."""
        pairs: list[tuple[QueuedTask, WorkerSession]] = []
        for prefetching in (False, True) if prefetch else (False,):
            for session in sessions:
                room = session.free_slots if prefetching else session.idle_slots + freed
                for queued in self._queue.pop_matching(session.can_run, room):
                    session.running[queued.task_id] = queued.type
                    pairs.append((queued, session))
        if prefetch:  # then short tasks, to queue behind short ones
            is_short = self.durations.is_short
            clock = time.monotonic()
            for session in sessions:
                room = session.short_room(is_short)
                if room <= 0 or session.runs_overdue(clock, OVERDUE_SECONDS):
                    continue
                for queued in self._queue.pop_matching(session.can_run, room, lambda t: is_short(t.type)):
                    session.running[queued.task_id] = queued.type
                    pairs.append((queued, session))
        return pairs

    def _unpick(self, pairs: Sequence[tuple[QueuedTask, WorkerSession]]) -> None:
        """Puts back what ``_pick`` took when the transaction claiming it failed."""
        for queued, session in pairs:
            session.running.pop(queued.task_id, None)
            self._queue.push(queued)

    async def _claim(
        self, tx: Transaction, pairs: Sequence[tuple[QueuedTask, WorkerSession]]
    ) -> tuple[list[tuple[Payload, WorkerSession]], list[QueuedTask]]:
        """Claims the picked tasks in ``tx``: the claimed ones, and those whose instance was busy."""
        claimed: list[tuple[Payload, WorkerSession]] = []
        busy: list[QueuedTask] = []
        for queued, session in pairs:
            time = now()
            try:
                payload = await claim(tx, queued.task_id, session.id, time, time + self._lease())
            except InstanceBusy:
                session.running.pop(queued.task_id, None)
                busy.append(queued)
                continue
            if payload is None:
                session.running.pop(queued.task_id, None)  # stale entry: cancelled or suspended meanwhile
            else:
                claimed.append((payload, session))
        return claimed, busy

    def _hand_out(
        self,
        pairs: Sequence[tuple[QueuedTask, WorkerSession]],
        claimed: Sequence[tuple[Payload, WorkerSession]],
        busy: Sequence[QueuedTask],
    ) -> bool:
        """After the claim committed: sends the assignments; False when every picked task was busy."""
        for queued in busy:
            self._queue.push(queued)
        if busy:
            asyncio.get_running_loop().call_later(BUSY_RETRY_SECONDS, self._kick.set)
        for payload, session in claimed:
            session.assigned[payload.task_id] = payload.assignment_id  # committed: heartbeats renew it
        for payload, session in claimed:
            if self.workers.get(session.id) is None:
                continue  # disconnected while we claimed: its disconnect handling interrupts the task
            session.send(wpb.ConnectResponse(assignment=self._assignment(payload)))
        return len(busy) < len(pairs)  # all busy: the retry above comes back to them

    def _assignment(self, payload: Payload) -> wpb.TaskAssignment:
        assignment = wpb.TaskAssignment(
            assignment_id=payload.assignment_id,
            instance=ids.instance_name(payload.project, payload.instance_id),
            task=payload.task_name,
            type="" if payload.type == PYTHON_OBJECT_TYPE else payload.type,
            parameters_json=payload.parameters_json,
            python_object=payload.python_object,
            python_environment=payload.python_environment,
            attempt=payload.attempt,
        )
        if payload.timeout:
            assignment.timeout.FromTimedelta(_seconds(payload.timeout))
        if self.task_tokens is not None and payload.type.startswith(workflows.WORKFLOW_TYPE_PREFIX):
            assignment.task_token = self.task_tokens.mint(payload.project, payload.owner)
        return assignment


@dataclass
class _Recorded:
    """What recording a batch of reports leaves to do after its commit."""

    effects: list[transitions.Effect] = field(default_factory=list)
    stale: list[tuple[str, bool]] = field(default_factory=list)  # (assignment id, was it a TaskFinished)
    finished: list[tuple[int, str]] = field(default_factory=list)  # (task id, assignment id) that ended
    started: list[int] = field(default_factory=list)  # task ids whose start was recorded
    # (task id, assignment id) the worker answered a TakeBackTask about, and whether it gave the task back
    taken_back: list[tuple[int, str, bool]] = field(default_factory=list)


_ACTIONS: dict[type, str] = {
    transitions.SendCancel: "c",
    transitions.SendSuspend: "s",
    transitions.SendResume: "r",
}


def _assignment_of(report: wpb.ConnectRequest) -> str:
    kind = report.WhichOneof("message")
    return str(getattr(report, kind).assignment_id) if kind else ""


def named_task(instance: Instance, task_name: str) -> str:
    """The task a caller means: the one named, or the only one when no name is given."""
    if task_name:
        return task_name
    if len(instance.tasks) != 1:
        raise InvalidArgument.one("task", f"the instance has {len(instance.tasks)} tasks; name one of them")
    return instance.tasks[0].name


def task_not_found(instance: Instance, task_name: str) -> NotFound:
    return NotFound("task", f"{ids.instance_name(instance.project, instance.id)}/tasks/{task_name}")


# Why a report is refused: the attempt is not the task's current one on this worker any more.
STALE = "this attempt no longer counts (its lease expired or the task moved on)"


def _holds(session: WorkerSession, task: Task, assignment_id: str) -> bool:
    """Whether reports of ``session`` about ``assignment_id`` still count: the fence of every report."""
    return task.assignment_id == assignment_id and task.worker == session.id and not task.is_terminal


async def _held_task(
    tx: Transaction, session: WorkerSession, assignment_id: str, *, summary: bool = True
) -> tuple[Instance, Task] | None:
    """The task of ``assignment_id`` with its instance (see Transaction.load_task for ``summary``), or
    None when reports of ``session`` about that attempt no longer count."""
    task_id = _task_id(assignment_id)
    instance = await tx.load_task(task_id, summary=summary)
    task = instance.task_by_id(task_id) if instance else None
    if instance is None or task is None or not _holds(session, task, assignment_id):
        return None
    return instance, task


def _task_id(assignment_id: str) -> int:
    head, _, _ = assignment_id.partition("-")
    return int(head) if head.isdigit() else -1


async def _save(tx: Transaction, instance: Instance, before: changes.Marks) -> None:
    """Saves a state-machine step and records the status changes it made since ``before``."""
    await tx.save(instance)
    await tx.record(instance.id, changes.status_changes(before, instance), now())


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)
