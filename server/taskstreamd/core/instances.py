"""The use cases of callers: create, read, wait for, stop, suspend and resume instances.

Active instances are changed and read in memory (core.book); an answer is built at once with the
caller's ``encode`` (the API layer's conversion) and released after the commit that holds what it shows.
Instances that ended are read from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from taskstreamd import ids
from taskstreamd.core import request_claims, workflows
from taskstreamd.core.answers import AnswerCache
from taskstreamd.core.bindings import Bindings
from taskstreamd.core.book import Book
from taskstreamd.core.dispatch import Dispatcher
from taskstreamd.core.effects import Effects
from taskstreamd.core.holds import Holds
from taskstreamd.core.ownership import shard_of
from taskstreamd.core.request_claims import RequestKey
from taskstreamd.core.sql_tasks import check_sql_tasks
from taskstreamd.core.task_ids import TaskIds
from taskstreamd.core.task_types import require_offered
from taskstreamd.core.waits import TerminationWaits, Watch
from taskstreamd.domain import transitions
from taskstreamd.domain.events import SubInstanceCreated, marks, status_changes
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE, Cancellation, Instance, NewInstance, Task
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus, WaitingReason
from taskstreamd.errors import (
    Elsewhere,
    Expired,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
)
from taskstreamd.store.batch import RequestClaim
from taskstreamd.store.interface import Reads
from taskstreamd.store.reads import ListFilter, TaskOutcome, decode_page_token, encode_page_token

log = logging.getLogger(__name__)

T = TypeVar("T")
Encode = Callable[[Instance], T]
Change = Callable[[Instance], list[transitions.Effect]]


@dataclass(frozen=True)
class CallerSettings:
    allow_code: bool = False
    default_grace_period: float = 5.0
    datasources: frozenset[str] = frozenset()  # the names sql tasks may use
    strict_types: bool = False  # refuse a task type no worker offered since the start


@dataclass
class Created:
    instance: Instance
    answer: bytes  # what the first call answered (a retry's is the stored one)
    known: bool = True  # ``instance`` is the state the answer shows (false for a retry's)


class Instances:
    def __init__(
        self,
        book: Book,
        reader: Reads,
        dispatcher: Dispatcher,
        effects: Effects,
        waits: TerminationWaits,
        task_ids: TaskIds,
        settings: CallerSettings,
    ) -> None:
        self.book = book
        self.reader = reader
        self.dispatcher = dispatcher
        self.effects = effects
        self.waits = waits
        self.task_ids = task_ids
        self.settings = settings
        self.answers = AnswerCache()
        self.draining = False
        self.shared = False  # replicas share the store: creates with a request_id may race
        self.owns: Callable[[str], bool] = lambda instance_id: True  # new ids go to shards owned here
        self.owner_address: Callable[[str], str] = lambda instance_id: ""
        self.claims = request_claims.Claims()
        self.holds: Holds | None = None  # with it, start times and backoffs (set by the core)
        self.bindings: Bindings | None = None  # instances bound to their caller's watch
        # Deletes a terminated instance from the store, leaving a tombstone (set by the core).
        self.delete_stored: Callable[[str, datetime], Awaitable[bool]] | None = None
        # Told after instances were deleted (their project logs gained deletions): project watchers re-read.
        self.on_deleted: Callable[[], None] = lambda: None

    # -- guards ------------------------------------------------------------------------------------------

    def _writable(self) -> None:
        writer = self.book.writer
        if not writer.healthy:
            raise ResourceExhausted(
                "STORE_UNWRITABLE",
                f"the server cannot write to its store ({writer.last_error}); retry later",
            )

    # -- create ------------------------------------------------------------------------------------------

    async def create(
        self,
        new: NewInstance,
        encode: Encode[bytes],
        *,
        watch: Watch | None = None,
        claim: Callable[[Instance], None] | None = None,
    ) -> Created:
        """The new instance and its answer (or, for a request_id seen before, the first call's answer).
        ``watch`` waits on the new instance from before its commit (without a request_id, the answer is
        then left empty: the caller answers from its wait). ``claim`` is called with the new
        instance right before it joins the book, nothing awaited in between: what it records shares the
        instance's commit, and what it raises stops the create (core.schedules)."""
        if self.draining:
            raise Unavailable(
                "the server is shutting down and accepts no new instances; retry elsewhere or later"
            )
        self._writable()
        check_sql_tasks(new.tasks, self.settings.datasources)
        if self.settings.strict_types:
            require_offered(new.tasks, self.dispatcher.workers.offered)
        if any(t.type == PYTHON_OBJECT_TYPE for t in new.tasks) and not self.settings.allow_code:
            raise PermissionDenied(
                "CODE_NOT_ALLOWED",
                "this server does not accept Python-object tasks (start it with --allow-code)",
            )
        key = RequestKey(new.project, request_claims.CREATE, new.request_id) if new.request_id else None
        if key is not None:
            earlier = await self._earlier(key, new.request_fingerprint)
            if earlier is not None:
                return earlier
        parent = await self._open_parent(new.parent_instance) if new.parent_instance else None
        first_id = await self.task_ids.take(len(new.tasks))
        while key is not None and self.claims.find(key) is not None:  # a duplicate claimed it meanwhile
            earlier = await self._earlier(key, new.request_fingerprint)
            if earlier is not None:
                return earlier
        # From here to the claim nothing awaits: this call's claim is the only one for its key here.
        if parent is not None and workflows.is_stopping(parent):
            workflows.refuse_stopping(new.parent_instance)
        instance = self._build(new, first_id)
        if claim is not None:
            claim(instance)
        if watch is not None:
            watch.add(instance.id)
        self.dispatcher.explain(instance)
        # As created, before anything runs. A waiting create without a request_id answers from its wait,
        # so it needs none (a request_id's claim keeps the first answer for the retries).
        answer = encode(instance) if watch is None or key is not None else b""
        book = self.book
        book.add(instance, new=True)
        if instance.start_at is not None and self.holds is not None:
            self.holds.track(instance)
        if instance.options.bound and self.bindings is not None:
            self.bindings.track(instance)
        pending = None
        if key is not None:
            pending = self.claims.begin(key, new.request_fingerprint)
            book.batch.claim(
                RequestClaim(
                    new.project,
                    request_claims.CREATE,
                    new.request_id,
                    new.request_fingerprint,
                    instance.id,
                    answer,
                    instance.create_time,
                    creates=True,
                )
            )
        if parent is not None:
            name = ids.instance_name(instance.project, instance.id)
            book.record(
                parent, [SubInstanceCreated(name, new.sub_instance_name or instance.id, new.parent_task)]
            )
        # A create with a request_id waits for its claim before anything runs: a duplicate on another
        # replica may win it, and then nothing of this one may have run.
        if not new.hold and key is None:
            self.dispatcher.enqueue_all(instance)
            self.dispatcher.dispatch()
        try:
            outcome = await book.writer.soon()
            created = Created(instance, answer)
            if instance.id in outcome.lost:
                assert key is not None
                winner = await self._earlier(key, new.request_fingerprint, settled_only=True)
                if winner is None:
                    raise Unavailable("a concurrent duplicate of this request did not finish; retry")
                created = winner
        except BaseException as error:
            if key is not None and pending is not None:
                self.claims.fail(key, pending, error)
            raise
        if key is not None and pending is not None:
            self.claims.settle(
                key,
                pending,
                request_claims.Claimed(new.request_fingerprint, created.instance.id, created.answer),
            )
            if created.instance is instance and not new.hold:
                self.dispatcher.enqueue_all(instance)
                self.dispatcher.kick()
        log.debug("instance %s created with %d tasks", instance.id, len(instance.tasks))
        return created

    def _build(self, new: NewInstance, first_id: int) -> Instance:
        created = self.book.clock()
        instance_id = ids.new_instance_id(created)
        if new.schedule:  # in its schedule's shard: the owner of one owns the other (expected tries: 64)
            shard = shard_of(new.schedule)
            while shard_of(instance_id) != shard:
                instance_id = ids.new_instance_id(created)
            if not self.owns(instance_id):  # the shard moved to another replica meanwhile
                raise Elsewhere(new.schedule, self.owner_address(instance_id), "schedule")
        while not self.owns(instance_id):  # a shard of this replica's (expected tries: shards / owned)
            instance_id = ids.new_instance_id(created)
        status = TaskStatus.SUSPENDED if new.hold else TaskStatus.WAITING  # held until ResumeInstance
        default_retry = new.options.retry
        instance = Instance(
            id=instance_id,
            project=new.project,
            owner=new.owner,
            priority=new.priority,
            create_time=created,
            labels=dict(new.labels),
            options=new.options,
            parent_instance=new.parent_instance,
            request_id=new.request_id,
            traceparent=new.traceparent,
            tracestate=new.tracestate,
            status=InstanceStatus.SUSPENDED if new.hold else InstanceStatus.RUNNING,
            tasks=[
                Task(
                    id=first_id + i,
                    index=i,
                    name=spec.name,
                    type=spec.type,
                    status=status,
                    parameters_json=spec.parameters_json,
                    timeout=spec.timeout,
                    required_labels=dict(spec.required_labels),
                    python_object=spec.python_object,
                    python_environment=spec.python_environment,
                    retry=spec.retry or default_retry,
                    dependencies=spec.dependencies,
                    concurrency_key=spec.concurrency_key,
                    concurrency_limit=spec.concurrency_limit,
                )
                for i, spec in enumerate(new.tasks)
            ],
            start_at=new.start_time,
            schedule=new.schedule,
        )
        instance.count_tasks()
        simple = new.start_time is None and not instance.dependents
        for task in instance.tasks:
            task.waiting = (
                WaitingReason.QUEUED if simple else transitions.initial_waiting(instance, task, created)
            )
        return instance

    async def _earlier(
        self, key: RequestKey, fingerprint: str, *, settled_only: bool = False
    ) -> Created | None:
        """The first call's answer for a request_id seen before; None when it is new. ``settled_only``
        skips the calls still in flight here (the store decides)."""
        while not settled_only:
            found = self.claims.find(key)
            if found is None:
                break
            request_claims.check(found.fingerprint, fingerprint)
            if isinstance(found, request_claims.Pending):
                try:
                    claimed = await asyncio.shield(found.done)
                except Exception:
                    continue  # that call gave up before its commit: look again
            else:
                claimed = found
            instance = await self.current(key.project, claimed.instance_id)
            return Created(instance, claimed.answer, known=False)
        record = await self.reader.request(key.project, key.method, key.request_id)
        if record is None:
            return None
        request_claims.check(record.fingerprint, fingerprint)
        instance = await self.current(key.project, record.instance_id)
        answer = record.response if record.response is not None else b""
        return Created(instance, answer, known=False)

    async def _open_parent(self, parent_name: str) -> Instance:
        """The workflow instance a sub-instance is created under: in memory (it must be running here)."""
        project, parent_id = ids.parse_instance_name(parent_name, "parent_instance")
        parent = self.book.get(parent_id)
        if parent is None or parent.project != project:
            found = await self.current(project, parent_id)  # NotFound, or it ended
            if found.status == InstanceStatus.TERMINATED:
                workflows.refuse_stopping(parent_name)
            raise Elsewhere(parent_id, self.owner_address(parent_id))
        return parent

    # -- reads -------------------------------------------------------------------------------------------

    async def current(self, project: str, instance_id: str) -> Instance:
        """The instance as committed now (for use inside the core; answers go through ``read``)."""
        instance = self.book.get(instance_id)
        if instance is not None and instance.project == project:
            await self.book.settle(instance)
            return instance
        stored = self.book.ended(instance_id) or await self.reader.instance(instance_id)
        if stored is None or stored.project != project:
            raise await self.missing(project, instance_id)
        return stored

    async def read(self, project: str, instance_id: str, encode: Encode[T]) -> T:
        """The instance ``encode``d, as committed (GetInstance and every answer that shows one)."""
        instance = self.book.get(instance_id)
        if instance is not None and instance.project == project:
            self.dispatcher.explain(instance)
            data = encode(instance)
            await self.book.settle(instance)
            return data
        stored = self.book.ended(instance_id) or await self.reader.instance(instance_id)
        if stored is None or stored.project != project:
            raise await self.missing(project, instance_id)
        return encode(stored)

    async def answer(self, project: str, instance_id: str, encode: Encode[bytes]) -> bytes:
        """GetInstance's answer, kept while the instance does not change (its seq is its version)."""
        instance = self.book.get(instance_id)
        if instance is not None and instance.project == project:
            # The version ``data`` shows (the instance may move on while it settles): its seq, and what
            # its queued tasks' reasons to wait depend on beyond it (workers, concurrency limits).
            seq = (instance.seq, self.dispatcher.version)
            cached = self.answers.get(instance_id, seq)
            if cached is None:
                self.dispatcher.explain(instance)
            data = cached if cached is not None else encode(instance)
            await self.book.settle(instance)
            if cached is None:
                self.answers.put(instance_id, seq, data)
            return data
        cached = self.answers.get_final(instance_id, project)
        if cached is not None:
            return cached
        stored = self.book.ended(instance_id) or await self.reader.instance(instance_id)
        if stored is None or stored.project != project:
            raise await self.missing(project, instance_id)
        data = encode(stored)
        if stored.status == InstanceStatus.TERMINATED:
            self.answers.put_final(instance_id, project, data)
        return data

    def deleted(self, instance_ids: list[str]) -> None:
        """Instances deleted (by retention or a caller): nothing kept of them in memory answers for them
        any more, and project watchers read the deletions."""
        self.answers.deleted(instance_ids)
        self.book.drop_ended(instance_ids)
        if instance_ids:
            self.on_deleted()

    async def missing(self, project: str, instance_id: str) -> NotFound:
        """The error for an instance that is not there: Expired when retention deleted it."""
        name = ids.instance_name(project, instance_id)
        gone = await self.reader.tombstone(instance_id)
        if gone is None or gone.project != project:
            return NotFound("instance", name)
        deleted = gone.reason == "deleted"
        metadata = {
            "end_time": gone.end_time.isoformat(),
            "delete_time": gone.delete_time.isoformat(),
            "status": InstanceStatus.TERMINATED.value,
            "successful": "true" if gone.successful else "false",
        }
        return Expired("instance", name, metadata, deleted=deleted)

    async def list_instances(
        self, where: ListFilter, page_size: int, page_token: str
    ) -> tuple[list[Instance], str]:
        after = decode_page_token(page_token) if page_token else None
        instances, more = await self.reader.list_instances(where, page_size, after)
        return instances, encode_page_token(instances[-1].id) if more and instances else ""

    async def task_outcome(
        self, project: str, instance_id: str, task_name: str
    ) -> tuple[Instance, TaskOutcome]:
        """A task's end as stored: result, output and all, after the commit of what memory holds."""
        instance = await self.current(project, instance_id)
        task_name = named_task(instance, task_name)
        outcome = await self.reader.task_outcome(instance_id, task_name)
        if outcome is None:
            raise task_not_found(instance, task_name)
        known = instance.task(task_name)
        if known is not None and not outcome.task.is_terminal:  # why it waits is not stored
            self.dispatcher.explain(instance)
            outcome.task.waiting, outcome.task.queue_reason = known.waiting, known.queue_reason
        return instance, outcome

    # -- waits -------------------------------------------------------------------------------------------

    async def wait_many(
        self,
        refs: list[tuple[str, str]],
        encode: Encode[T],
        *,
        any_of: bool,
        timeout: float,
        watch: Watch | None = None,
    ) -> tuple[list[T], bool]:
        """The instances ``encode``d once all (or, with ``any_of``, one) terminated, or when ``timeout``
        passes. They are waited on before they are read, and read again after each wake-up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with self.waits.watch() if watch is None else contextlib.nullcontext(watch) as watching:
            for _, instance_id in refs:
                watching.add(instance_id)
            while True:
                watching.woken.clear()
                instances = [await self._visible(*ref) for ref in refs]
                ended = [i.status == InstanceStatus.TERMINATED for i in instances]
                done = any(ended) if any_of else all(ended)
                remaining = deadline - loop.time()
                if done or remaining <= 0:
                    for instance in instances:
                        if instance.status != InstanceStatus.TERMINATED:
                            self.dispatcher.explain(instance)
                    answers = [encode(i) for i in instances]
                    for instance in instances:
                        await self.book.settle(instance)
                    return answers, done
                # A timer that sets the event, not wait_for: that wraps the wait in a task of its own.
                timer = loop.call_later(remaining, watching.woken.set)
                try:
                    await watching.woken.wait()
                finally:
                    timer.cancel()

    async def _visible(self, project: str, instance_id: str) -> Instance:
        """The instance as a waiter may see it: in memory only once its termination is committed."""
        instance = self.book.get(instance_id)
        if instance is not None and instance.project == project:
            if instance.status == InstanceStatus.TERMINATED:
                await self.book.settle(instance)
            return instance
        stored = self.book.ended(instance_id) or await self.reader.instance(instance_id)
        if stored is None or stored.project != project:
            raise await self.missing(project, instance_id)
        return stored

    # -- changes -----------------------------------------------------------------------------------------

    async def stop(
        self,
        project: str,
        instance_id: str,
        encode: Encode[bytes],
        *,
        reason: CancellationReason,
        message: str,
        requested_by: str,
        grace_period: float | None,
        request_id: str = "",
        request_fingerprint: str = "",
    ) -> bytes:
        """Stops the instance; its answer. With a request_id only the first call stops it, and every
        call gets the first call's answer."""
        key = RequestKey(project, request_claims.STOP, request_id) if request_id else None
        if key is not None:
            earlier = await self._earlier(key, request_fingerprint)
            if earlier is not None:
                return earlier.answer or encode(earlier.instance)
        cancellation = Cancellation(reason, message, requested_by, self.book.clock())
        grace = self.settings.default_grace_period if grace_period is None else grace_period

        def stop(instance: Instance) -> list[transitions.Effect]:
            return transitions.stop(instance, cancellation, grace, cancellation.request_time)

        instance = await self.owned(project, instance_id)
        while key is not None and self.claims.find(key) is not None:  # a duplicate claimed it meanwhile
            earlier = await self._earlier(key, request_fingerprint)
            if earlier is not None:
                return earlier.answer or encode(earlier.instance)
        answer = self._change(instance, stop, encode)
        pending = None
        if key is not None:
            pending = self.claims.begin(key, request_fingerprint)
            self.book.batch.claim(
                RequestClaim(
                    project,
                    request_claims.STOP,
                    request_id,
                    request_fingerprint,
                    instance_id,
                    answer,
                    cancellation.request_time,
                    creates=False,
                )
            )
        try:
            await self.book.settle(instance)
        except BaseException as error:
            if key is not None and pending is not None:
                self.claims.fail(key, pending, error)
            raise
        if key is not None and pending is not None:
            self.claims.settle(key, pending, request_claims.Claimed(request_fingerprint, instance_id, answer))
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
        return answer

    async def suspend(self, project: str, instance_id: str, encode: Encode[T]) -> T:
        instance = await self.owned(project, instance_id)
        answer = self._change(instance, transitions.suspend, encode)
        await self.book.settle(instance)
        return answer

    async def resume(self, project: str, instance_id: str, encode: Encode[T]) -> T:
        if self.draining:
            raise Unavailable("the server is shutting down and starts no held work; retry elsewhere or later")
        instance = await self.owned(project, instance_id)
        answer = self._change(instance, transitions.resume, encode)
        await self.book.settle(instance)
        return answer

    async def cancel_task(
        self,
        project: str,
        instance_id: str,
        task_name: str,
        encode: Encode[T],
        *,
        reason: CancellationReason,
        message: str,
        requested_by: str,
        grace_period: float | None,
    ) -> T:
        """Cancels one task (its dependents follow, see transitions); the instance's answer."""
        instance = await self.owned(project, instance_id)
        task = instance.task(task_name)
        if task is None:
            raise task_not_found(instance, task_name)
        if task.is_terminal:
            raise FailedPrecondition(
                "TASK_TERMINATED", f"task {task_name} already ended {task.status.name}; nothing to cancel"
            )
        now = self.book.clock()
        cancellation = Cancellation(reason, message, requested_by, now)
        grace = self.settings.default_grace_period if grace_period is None else grace_period

        def cancel(instance: Instance) -> list[transitions.Effect]:
            effects = transitions.cancel_task(instance, task, cancellation, grace, now)
            transitions.refresh(instance, now)
            return effects

        answer = self._change(instance, cancel, encode)
        await self.book.settle(instance)
        log.info(
            "task %s of instance %s cancelled (%s)",
            task_name,
            instance_id,
            reason.name,
            extra={"instance_id": instance_id, "task": task_name, "reason": reason.name},
        )
        return answer

    async def delete(self, project: str, instance_id: str) -> datetime:
        """Deletes a terminated instance, leaving a tombstone; when. Elsewhere when another replica owns
        it: the owner keeps what ended lately at hand and answers from it, so the owner deletes."""
        self._writable()
        if not self.owns(instance_id) and (owner := self.owner_address(instance_id)):
            raise Elsewhere(instance_id, owner)  # no live owner: nothing is kept of it but the store
        instance = await self.current(project, instance_id)  # NotFound, or Expired once deleted
        if instance.status != InstanceStatus.TERMINATED:
            raise FailedPrecondition(
                "INSTANCE_NOT_TERMINATED",
                f"instance {instance_id} is {instance.status.value}; stop it and wait for it to end first",
            )
        assert self.delete_stored is not None
        now = self.book.clock()
        if not await self.delete_stored(instance_id, now):
            raise await self.missing(project, instance_id)  # another call deleted it meanwhile
        self.deleted([instance_id])
        return now

    async def owned(self, project: str, instance_id: str) -> Instance:
        """The instance to change: in memory; a terminated one as stored (the change is then refused with
        its reason); or the error that says why it is not here (NotFound, Expired, Elsewhere)."""
        self._writable()
        instance = self.book.get(instance_id)
        if instance is not None and instance.project == project:
            return instance
        stored = await self.current(project, instance_id)  # NotFound / Expired
        if stored.status == InstanceStatus.TERMINATED:
            return stored  # the state machine refuses to change it, with the reason
        raise Elsewhere(instance_id, self.owner_address(instance_id))

    def _change(self, instance: Instance, change: Change, encode: Encode[T]) -> T:
        """Applies a whole-instance step (stop, suspend, resume) and encodes the result at once."""
        before = marks(instance)
        effects = change(instance)  # FailedPrecondition before anything changed
        book = self.book
        for task in instance.tasks:
            book.changed(instance, task)
        book.changed(instance)
        book.record(instance, status_changes(before, instance))
        self.effects.apply(effects)
        return encode(instance)

    # -- shutdown ----------------------------------------------------------------------------------------

    def held_by_workers(self) -> list[Instance]:
        """Instances with a task that holds a worker slot."""
        return [i for i in self.book if any(t.worker and not t.is_terminal for t in i.tasks)]

    async def stop_active(self, message: str, grace_period: float, encode: Encode[bytes]) -> list[str]:
        """Stops, with reason SHUTDOWN, every instance with a task that holds a worker; their ids."""
        stopped = []
        for instance in self.held_by_workers():
            with contextlib.suppress(Exception):
                await self.stop(
                    instance.project,
                    instance.id,
                    encode,
                    reason=CancellationReason.SHUTDOWN,
                    message=message,
                    requested_by="taskstreamd",
                    grace_period=grace_period,
                )
                stopped.append(instance.id)
        return stopped


def named_task(instance: Instance, task_name: str) -> str:
    """The task a caller means: the one named, or the only one when no name is given."""
    if task_name:
        return task_name
    if len(instance.tasks) != 1:
        raise InvalidArgument.one("task", f"the instance has {len(instance.tasks)} tasks; name one of them")
    return instance.tasks[0].name


def task_not_found(instance: Instance, task_name: str) -> NotFound:
    return NotFound("task", f"{ids.instance_name(instance.project, instance.id)}/tasks/{task_name}")
