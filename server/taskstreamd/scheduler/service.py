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
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import duration_pb2

from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd import ids
from taskstreamd.domain import transitions
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE, Cancellation, Instance, InstanceOptions, TaskFailure
from taskstreamd.errors import InvalidArgument, NotFound, PermissionDenied
from taskstreamd.events import changes
from taskstreamd.events.changes import StoredEvent
from taskstreamd.events.hub import EventHub
from taskstreamd.replica import REPLICA_ID, replica_of
from taskstreamd.scheduler.queue import RunQueue
from taskstreamd.scheduler.workers import WorkerRegistry, WorkerSession
from taskstreamd.store import notify
from taskstreamd.store.repository import (
    DuplicateRequest,
    InstanceBusy,
    ListFilter,
    NewTask,
    QueuedTask,
    Store,
    TaskOutcome,
    Transaction,
    claim,
    current_task,
    decode_page_token,
    encode_page_token,
    instance_of_task,
)

log = logging.getLogger(__name__)

Change = Callable[[Instance], list[transitions.Effect]]

BUSY_RETRY_SECONDS = 0.05  # a claim skipped a locked instance: the lock holder is one short transaction
REPLICA_SWEEP_SECONDS = 5.0  # how often to look for tasks held by replicas that are gone


@dataclass(frozen=True)
class Settings:
    allow_code: bool = False
    default_grace_period: float = 5.0
    max_output_bytes: int = 4 * 1024 * 1024


@dataclass
class NewInstance:
    project: str
    owner: str
    tasks: list[NewTask]
    priority: int = 9
    labels: dict[str, str] = field(default_factory=dict)
    options: InstanceOptions = field(default_factory=InstanceOptions)
    request_id: str = ""
    parent_instance: str = ""
    hold: bool = False  # created SUSPENDED, its tasks held until resumed


def now() -> datetime:
    return datetime.now(UTC)


class InstanceManager:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.workers = WorkerRegistry()
        self._queue = RunQueue()
        self._kick = asyncio.Event()
        self.events = EventHub()
        self._waiters: dict[str, set[asyncio.Event]] = {}
        store.on_commit = self._committed
        self._stop_requests: dict[tuple[str, str], str] = {}
        self._dispatcher: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._listener: notify.Listener | None = None
        self._arrived: set[int] = set()  # tasks other replicas queued, not yet in our queue
        self._loading_arrived = False
        if store.shared:
            self._listener = notify.Listener(store.url, REPLICA_ID, self._signalled, self._resync)

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Recovers from a previous run, rebuilds the queue and starts dispatching.

        With other replicas, it listens to them first (so nothing they commit meanwhile is missed), and
        recovers only the tasks of replicas that are gone.
        """
        if self._listener is not None:
            await self._listener.start()
        await self.recover_lost_replicas()
        for queued in await self.store.queued_tasks():
            self._queue.push(queued)
        self._dispatcher = asyncio.create_task(self._dispatch_forever(), name="dispatcher")
        if self.store.shared:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="replica-sweeper")
        self._kick.set()

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
        for task in [self._dispatcher, self._sweeper, *self._background]:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        for session in self.workers:
            session.outbox.put_nowait(None)

    # -- callers ---------------------------------------------------------------------------------------

    async def create(self, request: NewInstance) -> Instance:
        if any(t.type == PYTHON_OBJECT_TYPE for t in request.tasks) and not self.settings.allow_code:
            raise PermissionDenied(
                "CODE_NOT_ALLOWED",
                "this server does not accept Python-object tasks (start it with --allow-code)",
            )
        if request.request_id:
            existing = await self.store.find_by_request_id(request.project, request.request_id)
            if existing is not None:
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
        try:
            async with self.store.transaction() as tx:
                await tx.add_instance(instance, request.tasks)
                if request.parent_instance:
                    await self._record_sub_instance(tx, instance)
        except DuplicateRequest:
            existing = await self.store.find_by_request_id(request.project, request.request_id)
            if existing is None:
                raise
            return existing
        if not request.hold:
            for task in instance.tasks:
                self._queue.push(QueuedTask(instance.priority, instance.id, task.index, task.id, task.type))
            self._kick.set()
        return instance

    async def get(self, project: str, instance_id: str) -> Instance:
        instance = await self.store.get_instance(instance_id)
        if instance is None or instance.project != project:
            raise NotFound("instance", ids.instance_name(project, instance_id))
        return instance

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
    ) -> Instance:
        if request_id and self._stop_requests.get((project, request_id)) == instance_id:
            return await self.get(project, instance_id)  # a retry: the first answer stands
        cancellation = Cancellation(reason, message, requested_by, now())
        grace = self.settings.default_grace_period if grace_period is None else grace_period
        instance = await self._change(
            project,
            instance_id,
            lambda i: transitions.stop(i, cancellation, grace, cancellation.request_time),
        )
        if request_id:
            self._stop_requests[(project, request_id)] = instance_id
        return instance

    async def suspend(self, project: str, instance_id: str) -> Instance:
        return await self._change(project, instance_id, transitions.suspend)

    async def resume(self, project: str, instance_id: str) -> Instance:
        return await self._change(project, instance_id, transitions.resume)

    async def wait(self, project: str, instance_id: str, timeout: float) -> tuple[Instance, bool]:
        """The instance once terminated, or as it is when ``timeout`` passes."""
        instances, done = await self.wait_many([(project, instance_id)], any_of=False, timeout=timeout)
        return instances[0], done

    async def wait_many(
        self, refs: list[tuple[str, str]], *, any_of: bool, timeout: float
    ) -> tuple[list[Instance], bool]:
        """The instances once all (or, with ``any_of``, one) are terminated, or when ``timeout`` passes.

        Terminations are final, so registering before reading and re-reading after each wake-up cannot
        miss one; nothing polls.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        wake = asyncio.Event()
        instance_ids = {instance_id for _, instance_id in refs}
        for instance_id in instance_ids:
            self._waiters.setdefault(instance_id, set()).add(wake)
        terminated: dict[tuple[str, str], Instance] = {}  # final: never read again
        try:
            while True:
                wake.clear()
                instances = [terminated.get(ref) or await self.get(*ref) for ref in refs]
                for ref, instance in zip(refs, instances, strict=True):
                    if instance.status == InstanceStatus.TERMINATED:
                        terminated[ref] = instance
                ended = [ref in terminated for ref in refs]
                done = any(ended) if any_of else all(ended)
                remaining = deadline - loop.time()
                if done or remaining <= 0:
                    return instances, done
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), remaining)
        finally:
            for instance_id in instance_ids:
                waiters = self._waiters.get(instance_id)
                if waiters is not None:
                    waiters.discard(wake)
                    if not waiters:
                        del self._waiters[instance_id]

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

    # -- workers ---------------------------------------------------------------------------------------

    def connect_worker(self, session: WorkerSession) -> None:
        self.workers.add(session)
        log.info("worker %s (%s) connected with %d slots", session.id, session.name, session.slots)
        self._kick.set()
        if self.store.shared:
            # A worker often reconnects here because its replica died: retry that replica's tasks now.
            self._in_background(self.recover_lost_replicas())

    async def disconnect_worker(self, session: WorkerSession) -> None:
        self.workers.remove(session)
        log.info("worker %s (%s) disconnected", session.id, session.name)
        for instance_id, task_id in await self.store.active_task_ids(session.id):
            await self._worker_lost(instance_id, task_id)
        self._kick.set()

    async def task_started(self, session: WorkerSession, assignment_id: str) -> None:
        task_id = _task_id(assignment_id)
        async with self.store.transaction() as tx:
            instance = await _load_for(tx, task_id)
            task = instance.task_by_id(task_id) if instance else None
            if instance is None or task is None or task.assignment_id != assignment_id:
                return
            before = changes.marks(instance)
            transitions.start(instance, task, now())
            await _save(tx, instance, before)

    async def task_reports(self, reports: Sequence[wpb.ConnectRequest]) -> None:
        """Progress, property and output reports of a worker, recorded together in one transaction."""
        async with self.store.transaction() as tx:
            if self.store.shared:  # instances first, as every writer does (see store.repository)
                await tx.lock_instances_of_tasks(sorted({_task_id(_assignment_of(r)) for r in reports}))
            for report in reports:
                kind = report.WhichOneof("message")
                if kind == "progress":
                    await self._progress(tx, report.progress.assignment_id, report.progress.progress)
                elif kind == "property":
                    p = report.property
                    await self._property(tx, p.assignment_id, p.key, p.value)
                elif kind == "output":
                    o = report.output
                    await self._output(tx, o.assignment_id, int(o.stream), o.offset, o.data)

    @staticmethod
    async def _progress(tx: Transaction, assignment_id: str, progress: task_pb2.Progress) -> None:
        task = await current_task(tx, _task_id(assignment_id), assignment_id)
        if task is not None:
            await tx.record_progress(task, progress.SerializeToString(), now())

    @staticmethod
    async def _property(tx: Transaction, assignment_id: str, key: str, value: task_pb2.PropertyValue) -> None:
        task = await current_task(tx, _task_id(assignment_id), assignment_id)
        if task is not None:
            data = value.SerializeToString()
            await tx.set_property(task.task_id, key, data)
            await tx.record(task.instance_id, [changes.property_set(task.name, key, data)], now())

    @staticmethod
    async def _output(tx: Transaction, assignment_id: str, stream: int, offset: int, data: bytes) -> None:
        task = await current_task(tx, _task_id(assignment_id), assignment_id)
        if task is not None:
            await tx.add_output(task.task_id, stream, offset, data)
            event = changes.output(task.name, stream, offset, data, task.attempt)
            await tx.record(task.instance_id, [event], now())

    async def task_finished(self, session: WorkerSession, report: wpb.TaskFinished) -> None:
        task_id = _task_id(report.assignment_id)
        session.running.discard(task_id)
        outcome = TaskStatus.from_proto(report.status)
        error = None
        if report.HasField("error"):
            e = report.error
            error = TaskFailure(e.type, e.message, e.traceback, e.pickled_exception)
        effects: list[transitions.Effect] = []
        async with self.store.transaction() as tx:
            instance = await _load_for(tx, task_id)
            task = instance.task_by_id(task_id) if instance else None
            if instance is None or task is None or task.assignment_id != report.assignment_id:
                return
            if task.is_terminal:
                return
            result = report.result.SerializeToString() if report.HasField("result") else None
            await tx.set_result(task_id, result, report.stdout_bytes, report.stderr_bytes)
            task.stdout_bytes, task.stderr_bytes = report.stdout_bytes, report.stderr_bytes
            before = changes.marks(instance)
            effects = transitions.finish(instance, task, outcome, error, now())
            await _save(tx, instance, before)
            self._signal_remote(tx, instance.id, effects)
        await self._apply(effects)
        self._kick.set()

    # -- internals -------------------------------------------------------------------------------------

    async def _change(self, project: str, instance_id: str, change: Change) -> Instance:
        async with self.store.transaction() as tx:
            instance = await tx.load(instance_id)
            if instance is None or instance.project != project:
                raise NotFound("instance", ids.instance_name(project, instance_id))
            before = changes.marks(instance)
            effects = change(instance)
            await _save(tx, instance, before)
            self._signal_remote(tx, instance.id, effects)
        await self._apply(effects)
        return await self.get(project, instance_id)

    async def _worker_lost(self, instance_id: str, task_id: int) -> None:
        async with self.store.transaction() as tx:
            instance = await tx.load(instance_id)
            task = instance.task_by_id(task_id) if instance else None
            if instance is None or task is None:
                return
            before = changes.marks(instance)
            effects = transitions.worker_lost(instance, task, now())
            await _save(tx, instance, before)
            self._signal_remote(tx, instance.id, effects)
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
                cancel.request_time.FromDatetime(c.request_time)
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
                for wake in self._waiters.get(signal.instance_id, ()):
                    wake.set()
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
        for waiters in self._waiters.values():
            for wake in waiters:
                wake.set()
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
                await self._worker_lost(instance_id, task_id)

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
                for wake in self._waiters.get(event.instance_id, ()):
                    wake.set()

    async def _record_sub_instance(self, tx: Transaction, instance: Instance) -> None:
        """Tells the watchers of the parent workflow instance that a sub-instance appeared."""
        _, parent_id = ids.parse_instance_name(instance.parent_instance, "parent_instance")
        name = ids.instance_name(instance.project, instance.id)
        await tx.record(parent_id, [changes.sub_instance(name, instance.id, "")], instance.create_time)

    async def _dispatch_forever(self) -> None:
        while True:
            await self._kick.wait()
            self._kick.clear()
            try:
                while await self._dispatch_once():
                    pass
            except Exception:
                log.exception("dispatching failed; retrying on the next change")

    async def _dispatch_once(self) -> bool:
        """Claims queued tasks for free worker slots and sends them; False when nothing could be sent."""
        pairs: list[tuple[QueuedTask, WorkerSession]] = []
        for session in self.workers.free():
            for queued in self._queue.pop_matching(session.can_run, session.free_slots):
                session.running.add(queued.task_id)
                pairs.append((queued, session))
        if not pairs:
            return False
        claimed: list[tuple[str, int, WorkerSession]] = []
        busy: list[QueuedTask] = []
        async with self.store.transaction() as tx:
            for queued, session in pairs:
                try:
                    assignment_id = await claim(tx, queued.task_id, session.id, now())
                except InstanceBusy:
                    session.running.discard(queued.task_id)
                    busy.append(queued)
                    continue
                if assignment_id is None:
                    session.running.discard(queued.task_id)  # stale entry: cancelled or suspended meanwhile
                else:
                    claimed.append((assignment_id, queued.task_id, session))
        for queued in busy:
            self._queue.push(queued)
        if busy:
            asyncio.get_running_loop().call_later(BUSY_RETRY_SECONDS, self._kick.set)
        for assignment_id, task_id, session in claimed:
            if self.workers.get(session.id) is None:
                continue  # disconnected while we claimed: its disconnect handling interrupts the task
            payload = await self.store.payload(task_id)
            assignment = wpb.TaskAssignment(
                assignment_id=assignment_id,
                instance=ids.instance_name(payload.project, payload.instance_id),
                task=payload.task_name,
                type="" if payload.type == PYTHON_OBJECT_TYPE else payload.type,
                parameters_json=payload.parameters_json,
                python_object=payload.python_object,
                python_environment=payload.python_environment,
                attempt=int(assignment_id.rsplit("-", 1)[1]),
            )
            if payload.timeout:
                assignment.timeout.FromTimedelta(_seconds(payload.timeout))
            session.send(wpb.ConnectResponse(assignment=assignment))
        return len(busy) < len(pairs)  # all busy: the retry above comes back to them


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


def _task_id(assignment_id: str) -> int:
    head, _, _ = assignment_id.partition("-")
    return int(head) if head.isdigit() else -1


async def _save(tx: Transaction, instance: Instance, before: changes.Marks) -> None:
    """Saves a state-machine step and records the status changes it made since ``before``."""
    await tx.save(instance)
    await tx.record(instance.id, changes.status_changes(before, instance), now())


async def _load_for(tx: Transaction, task_id: int) -> Instance | None:
    instance_id = await instance_of_task(tx, task_id)
    return None if instance_id is None else await tx.load(instance_id)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)
