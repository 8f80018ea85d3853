"""Dispatch: queued tasks go to the worker slots that can run them.

Everything happens in memory, in one turn of the event loop: a queued task is taken off the run queue,
assigned by the state machine (``transitions.assign``), recorded in the book, and its assignment is put in
the worker's outbox at once; the commit that records the assignment follows within the writer's window.
A server that dies before that commit loses only the assignment: the task is still queued in the store
and runs again after the restart (execution is at-least-once, as ever).

Idle slots of every worker are filled first, then each worker's prefetch, then short tasks beyond it (see
core.durations); ``TakeBackLoop`` asks a worker for the tasks waiting in it behind tasks that turned out
long, when another worker has an idle slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence

from taskstreamd.core.book import Book
from taskstreamd.core.concurrency import ConcurrencyLimits
from taskstreamd.core.durations import OVERDUE_SECONDS, RunDurations
from taskstreamd.core.queue import QueuedTask, RunQueue
from taskstreamd.core.sessions import WorkerRegistry, WorkerSession
from taskstreamd.domain import transitions
from taskstreamd.domain.events import TaskStatusChanged
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE, QUEUED, Instance, Task
from taskstreamd.domain.vocabulary import InstanceStatus, WaitingReason
from taskstreamd.domain.worker_messages import Assignment, TakeBack

log = logging.getLogger(__name__)

TAKE_BACK_CHECK_SECONDS = 0.25  # how often to look for tasks waiting in a worker behind an overdue one
WORKFLOW_TYPE_PREFIX = "xflow."

# (project, owner) -> a token that lets a workflow's task act as its instance's owner
MintToken = Callable[[str, str], str]


class Dispatcher:
    def __init__(
        self,
        book: Book,
        workers: WorkerRegistry,
        durations: RunDurations,
        type_limits: dict[str, int] | None = None,
    ) -> None:
        self.book = book
        self.workers = workers
        self.durations = durations
        self.queue = RunQueue()
        self.limits = ConcurrencyLimits(book.task, type_limits)
        # Whether other replicas own shards now, whose workers this one does not see (then "no worker"
        # cannot be told).
        self.others: Callable[[], bool] = lambda: False
        self.paused = False  # draining, or the store does not take commits: nothing new is sent
        self.mint_token: MintToken | None = None
        # Called after a dispatch that left some worker with free slots (core.relay asks other owners).
        self.left_idle: Callable[[], None] | None = None
        self._scheduled = False

    def enqueue(self, instance: Instance, task: Task) -> None:
        if task.concurrency_key and not self.limits.keyed:
            self.limits.keyed = True  # from now on dispatch asks the limits
        self.queue.push(_queued(instance, task))

    def enqueue_all(self, instance: Instance) -> None:
        for task in instance.tasks:
            if task.status in QUEUED and not task.held:
                self.enqueue(instance, task)

    # -- reasons to wait ---------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """Moves whenever a queued task's reason to wait may have changed without its instance changing."""
        return self.workers.version + self.limits.version

    def explain(self, instance: Instance) -> None:
        """Sets, on each queued task of the instance, why no worker has taken it (before an answer shows it)."""
        known: dict[tuple[object, ...], WaitingReason | None] = {}  # tasks alike wait alike
        for task in instance.tasks:
            if task.status in QUEUED and task.waiting == WaitingReason.QUEUED:
                like = (task.type, task.concurrency_key, *task.required_labels.items())
                if like not in known:
                    known[like] = self.reason(_queued(instance, task))
                task.queue_reason = known[like]

    def reason(self, queued: QueuedTask) -> WaitingReason | None:
        """Why a queued task waits, when there is more to say than QUEUED."""
        if self.limits.active and not self.limits.admits(queued):
            return WaitingReason.CONCURRENCY_LIMIT
        if self.others():
            return None  # workers of other replicas are not seen here
        offering = self.workers.offering(queued)
        if not offering:
            return WaitingReason.NO_WORKER_FOR_TYPE
        if queued.required_labels and not any(s.can_run(queued) for s in offering):
            return WaitingReason.NO_MATCHING_LABELS
        return None

    def queue_positions(self, task_ids: set[int]) -> tuple[dict[int, int], int]:
        """The run-queue position (1: next) of each of these tasks that is queued, and how many tasks are
        queued; stale entries (a task cancelled, suspended or held since it was queued) do not count."""
        return self.queue.positions(task_ids, self.still_queued)

    def still_queued(self, task_id: int) -> bool:
        """Whether a run-queue entry still stands for a task to hand out (not cancelled, suspended or held
        since it was queued)."""
        found = self.book.task(task_id)
        if found is None:
            return False
        instance, task = found
        return instance.status == InstanceStatus.RUNNING and task.status in QUEUED and not task.held

    def kick(self) -> None:
        """Dispatches at the end of this turn of the event loop (once, however often kicked)."""
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._kicked)

    def _kicked(self) -> None:
        self._scheduled = False
        try:
            if self.dispatch():
                self.book.writer.later()
            if self.left_idle is not None and not self.paused:
                self.left_idle()
        except Exception:
            log.exception("dispatching failed; retrying on the next change")

    def dispatch(self, sessions: Sequence[WorkerSession] | None = None) -> int:
        """Assigns queued tasks to free slots (of ``sessions``, or of every live worker); how many."""
        if self.paused or not len(self.queue):
            if self.limits.permits is not None:
                self.limits.permits.flush()  # a task that ended may free a permit another replica waits for
            return 0
        pairs = self._pick(self.workers.free() if sessions is None else sessions)
        sent = 0
        for queued, session in pairs:
            if self._assign(queued, session) is not None:
                sent += 1
            else:
                session.running.pop(queued.task_id, None)  # its room was held while picking
        self.limits.picked()
        return sent

    def _runnable(self, session: WorkerSession) -> Callable[[QueuedTask], bool]:
        """What ``session`` may take: with concurrency limits, only what they admit (and is then held)."""
        if not self.limits.active:
            return session.can_run
        limits = self.limits

        def runnable(task: QueuedTask) -> bool:
            if session.can_run(task):
                if limits.admits(task):
                    limits.hold(task)
                    return True
                limits.waits(task)
            return False

        return runnable

    def _pick(self, sessions: Sequence[WorkerSession]) -> list[tuple[QueuedTask, WorkerSession]]:
        """Takes queued tasks off the queue for the sessions' room: idle slots of every worker first, then
        prefetch, then short tasks to queue behind short ones."""
        pairs: list[tuple[QueuedTask, WorkerSession]] = []
        queue = self.queue

        def take(session: WorkerSession, taken: list[QueuedTask]) -> None:
            for queued in taken:
                session.running[queued.task_id] = queued.type  # holds its room while picking
                pairs.append((queued, session))

        for prefetching in (False, True):
            for session in sessions:
                room = session.free_slots if prefetching else session.idle_slots
                if room > 0:
                    take(session, queue.pop_matching(self._runnable(session), room))
        is_short = self.durations.is_short
        clock = time.monotonic()
        for session in sessions:
            room = session.short_room(is_short)
            if room <= 0 or session.runs_overdue(clock, OVERDUE_SECONDS):
                continue
            take(session, queue.pop_matching(self._runnable(session), room, lambda t: is_short(t.type)))
        return pairs

    def assign_to(self, session: WorkerSession, most: int) -> list[Assignment]:
        """Up to ``most`` queued tasks assigned to ``session``, for another replica to send (core.relay)."""
        if self.paused:
            return []
        assignments: list[Assignment] = []
        while len(assignments) < most:
            taken = self.queue.pop_matching(self._runnable(session), most - len(assignments))
            if not taken:
                break
            for queued in taken:
                assignment = self._assign(queued, session, send=False)
                if assignment is not None:
                    assignments.append(assignment)
        self.limits.picked()
        return assignments

    def _assign(self, queued: QueuedTask, session: WorkerSession, *, send: bool = True) -> Assignment | None:
        found = self.book.task(queued.task_id)
        if found is None:
            return None  # ended and gone: a stale entry
        instance, task = found
        if instance.status != InstanceStatus.RUNNING or task.status not in QUEUED or task.held:
            return None  # cancelled, suspended or held while queued
        previous = task.status
        transitions.assign(instance, task, session.id)
        book = self.book
        if task.attempts > 1:  # a retry starts its output afresh; the last attempt's is kept aside
            book.batch.archive_output(instance.id, task.id, task.attempts - 1)
        book.changed(instance, task)
        book.record(instance, [TaskStatusChanged(previous, task)])
        session.sent(task.id, task.type, task.assignment_id)
        assignment = self._assignment(instance, task)
        if send:
            session.send(assignment)
        return assignment

    def _assignment(self, instance: Instance, task: Task) -> Assignment:
        token = ""
        if self.mint_token is not None and task.type.startswith(WORKFLOW_TYPE_PREFIX):
            token = self.mint_token(instance.project, instance.owner)
        return Assignment(
            assignment_id=task.assignment_id,
            attempt=task.attempts,
            project=instance.project,
            instance_id=instance.id,
            task_name=task.name,
            type="" if task.type == PYTHON_OBJECT_TYPE else task.type,
            parameters_json=task.parameters_json,
            python_object=task.python_object,
            python_environment=task.python_environment,
            timeout=task.timeout,
            task_token=token,
            dependency_results=_dependency_results(instance, task) if task.dependencies else {},
            traceparent=instance.traceparent,
            tracestate=instance.tracestate,
        )


def _queued(instance: Instance, task: Task) -> QueuedTask:
    labels = tuple(sorted(task.required_labels.items())) if task.required_labels else ()
    return QueuedTask(
        instance.priority,
        instance.id,
        task.index,
        task.id,
        task.type,
        instance.project,
        labels,
        task.concurrency_key,
        task.concurrency_limit,
    )


def _dependency_results(instance: Instance, task: Task) -> dict[str, bytes]:
    """The results of the task's dependencies that returned one, by name (TaskContext.dependency_result)."""
    found = {}
    for dependency in task.dependencies:
        result = instance.tasks[dependency.index].result
        if result:
            found[dependency.name] = result
    return found


class TakeBackLoop:
    """Asks workers for the tasks waiting in them behind tasks that turned out long, when another worker
    has an idle slot; what they give back is queued again (see core.intake)."""

    def __init__(self, workers: WorkerRegistry, dispatcher: Dispatcher) -> None:
        self.workers = workers
        self.dispatcher = dispatcher
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="take-back")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TAKE_BACK_CHECK_SECONDS)  # a periodic look: nothing to wait on
            try:
                self.check(time.monotonic())
            except Exception:
                log.exception("taking back stuck tasks failed; trying again")

    def check(self, clock: float) -> None:
        sessions = [s for s in self.workers if s.live()]
        if self.dispatcher.paused or not any(s.idle_slots > 0 for s in sessions):
            return
        for session in sessions:
            if not session.gives_back or session.remote:
                continue
            for task_id in session.stuck_waiting(clock, OVERDUE_SECONDS):
                if task_id not in session.taking_back:
                    session.taking_back.add(task_id)
                    session.send(TakeBack(session.assigned[task_id]))
