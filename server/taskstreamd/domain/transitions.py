"""The state machine: every change to an instance's or task's status happens here.

Functions change the Instance/Task dataclasses in place and return the effects the caller must carry out
once the change is recorded (messages to workers, tasks to queue). They never do I/O, so they are
unit-tested with plain objects. An instance is TERMINATED once every task is terminal, and successful
when every task is SUCCESS; every task status goes through ``model.set_status``, which keeps the counts
that tell it without scanning the tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from taskstreamd.domain.model import (
    ACTIVE,
    QUEUED,
    Cancellation,
    Instance,
    Task,
    TaskFailure,
    set_status,
)
from taskstreamd.domain.scheduling import RETRIED, Attempt
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus, WaitingReason
from taskstreamd.errors import FailedPrecondition

SERVER_PRINCIPAL = "taskstream"
_FAILURES = frozenset({TaskStatus.FAILED, TaskStatus.ENVIRONMENT_ERROR, TaskStatus.TIMED_OUT})


@dataclass(frozen=True)
class SendCancel:
    worker: str
    assignment_id: str
    cancellation: Cancellation
    grace_period: float


@dataclass(frozen=True)
class SendSuspend:
    worker: str
    assignment_id: str


@dataclass(frozen=True)
class SendResume:
    worker: str
    assignment_id: str


@dataclass(frozen=True)
class Enqueue:
    instance_id: str
    task_id: int


@dataclass(frozen=True)
class RetryLater:
    """The task waits out its backoff: call ``backoff_over`` at ``when``."""

    instance_id: str
    task_id: int
    when: datetime


Effect = SendCancel | SendSuspend | SendResume | Enqueue | RetryLater


def initial_waiting(instance: Instance, task: Task, now: datetime) -> WaitingReason:
    """Why a new (or reloaded, not yet started) task waits: its instance's start time, a dependency,
    a backoff, or nothing but a worker."""
    if task.retry_time is not None:
        return WaitingReason.BACKOFF
    if instance.start_at is not None and now < instance.start_at:
        return WaitingReason.SCHEDULED
    if task.dependencies and not _dependencies_met(instance, task):
        return WaitingReason.DEPENDENCY
    return WaitingReason.QUEUED


def assign(instance: Instance, task: Task, worker: str) -> None:
    """A queued task goes to ``worker``: a new attempt, named by its assignment id."""
    task.attempts += 1
    task.worker = worker
    task.started = False
    task.assignment_id = f"{task.id}-{task.attempts}"
    set_status(instance, task, TaskStatus.ASSIGNED)


def start(instance: Instance, task: Task, now: datetime) -> None:
    """The worker began running the task (a suspended or cancelling task keeps its status)."""
    if task.is_terminal or task.started:
        return
    task.started = True
    task.start_time = now
    if instance.start_time is None:
        instance.start_time = now
    if task.status == TaskStatus.ASSIGNED:
        set_status(instance, task, TaskStatus.RUNNING)


def finish(
    instance: Instance,
    task: Task,
    outcome: TaskStatus,
    error: TaskFailure | None,
    now: datetime,
    rand: float = 0.0,
) -> list[Effect]:
    """The worker reports the task ended with ``outcome``; a failure its retry policy allows is retried
    after a backoff instead (``rand`` in [0, 1) draws the policy's jitter)."""
    if task.is_terminal:
        return []
    if not outcome.is_terminal:
        raise ValueError(f"{outcome.name} is not a terminal status")
    if task.status == TaskStatus.CANCELLING:
        outcome = TaskStatus.CANCELLED  # whatever happened in the grace period, a stop was asked for
    elif task.retry is not None and _retries(task, outcome, error):
        return _retry(instance, task, outcome, error, now, rand)
    if outcome == TaskStatus.TIMED_OUT and task.cancellation is None:
        task.cancellation = Cancellation(
            CancellationReason.TIMEOUT, _timeout_message(task), SERVER_PRINCIPAL, now
        )
    task.error = error if outcome != TaskStatus.SUCCESS else None
    effects = _end(instance, task, outcome, now)
    if instance.options.cancel_on_task_failure and outcome in _FAILURES:
        consequence = Cancellation(
            CancellationReason.CONSEQUENTIAL,
            f"task {task.name} ended {outcome.name}",
            SERVER_PRINCIPAL,
            now,
        )
        for other in instance.tasks:
            if other is not task:
                effects += cancel_task(instance, other, consequence, grace_period=0.0, now=now)
    refresh(instance, now)
    return effects


def cancels_others(instance: Instance, outcome: TaskStatus) -> bool:
    """Whether a task ending with ``outcome`` may change other tasks than itself: its siblings
    (cancel_on_task_failure) or its dependents (then the caller records every task's change)."""
    return bool(instance.dependents) or (instance.options.cancel_on_task_failure and outcome in _FAILURES)


def _retries(task: Task, outcome: TaskStatus, error: TaskFailure | None) -> bool:
    policy = task.retry
    assert policy is not None
    if outcome not in RETRIED or len(task.history) + 1 >= policy.max_attempts:
        return False
    return error is None or policy.retries(error.type)


def _retry(
    instance: Instance, task: Task, outcome: TaskStatus, error: TaskFailure | None, now: datetime, rand: float
) -> list[Effect]:
    """Keeps the attempt in the task's history and holds the task for its backoff."""
    assert task.retry is not None
    task.history.append(
        Attempt(
            number=task.attempts,
            status=outcome,
            worker=task.worker,
            start_time=task.start_time,
            end_time=now,
            error_type=error.type if error else "",
            error_message=error.message if error else "",
            error_traceback=error.traceback if error else "",
            result=task.result,
            stdout_bytes=task.stdout_bytes,
            stderr_bytes=task.stderr_bytes,
            cost=task.cost,
        )
    )
    task.worker = ""
    task.started = False
    task.result = None
    task.cost = None
    task.error = None
    wait = task.retry.backoff(len(task.history), rand)
    task.retry_time = now + timedelta(seconds=wait)
    task.waiting = WaitingReason.BACKOFF
    status = TaskStatus.SUSPENDED if instance.status == InstanceStatus.SUSPENDED else TaskStatus.WAITING
    set_status(instance, task, status)
    return [RetryLater(instance.id, task.id, task.retry_time)]


def backoff_over(instance: Instance, task: Task) -> list[Effect]:
    """The task's backoff passed: it may run again."""
    if task.is_terminal or task.waiting != WaitingReason.BACKOFF:
        return []
    task.retry_time = None
    return _release(instance, task)


def start_time_reached(instance: Instance) -> list[Effect]:
    """The instance's start time came: its tasks held for it may run (or wait for a dependency)."""
    effects: list[Effect] = []
    for task in instance.tasks:
        if task.is_terminal or task.waiting != WaitingReason.SCHEDULED:
            continue
        if task.dependencies and not _dependencies_met(instance, task):
            task.waiting = WaitingReason.DEPENDENCY
            continue
        effects += _release(instance, task)
    return effects


def _release(instance: Instance, task: Task) -> list[Effect]:
    """A held task joins the run queue (or, while its instance is suspended, waits for the resume)."""
    task.waiting = WaitingReason.QUEUED
    if instance.status != InstanceStatus.RUNNING or task.status not in QUEUED:
        return []
    return [Enqueue(instance.id, task.id)]


def _dependencies_met(instance: Instance, task: Task) -> bool:
    return all(instance.tasks[d.index].is_terminal for d in task.dependencies)


def _dependents_of(instance: Instance, ended: Task, now: datetime) -> list[Effect]:
    """What ``ended`` ending does to the tasks that depend on it: a failure they do not allow cancels
    them (and theirs in turn); the last dependency to end releases them."""
    effects: list[Effect] = []
    for index in instance.dependents.get(ended.index, ()):
        task = instance.tasks[index]
        if task.is_terminal:
            continue
        edge = next(d for d in task.dependencies if d.index == ended.index)
        if ended.status != TaskStatus.SUCCESS and not edge.allow_failure:
            consequence = Cancellation(
                CancellationReason.CONSEQUENTIAL,
                f"task {ended.name}, which it depends on, ended {ended.status.name}",
                SERVER_PRINCIPAL,
                now,
            )
            effects += cancel_task(instance, task, consequence, grace_period=0.0, now=now)
        elif task.waiting == WaitingReason.DEPENDENCY and _dependencies_met(instance, task):
            effects += _release(instance, task)
    return effects


def cancel_task(
    instance: Instance, task: Task, cancellation: Cancellation, grace_period: float, now: datetime
) -> list[Effect]:
    """Ends a task that has not started at once; asks the worker to stop one that holds a slot."""
    if task.is_terminal or task.status == TaskStatus.CANCELLING:
        return []
    task.cancellation = cancellation
    if task.worker and (task.status in ACTIVE or task.status == TaskStatus.SUSPENDED):
        set_status(instance, task, TaskStatus.CANCELLING)
        task.grace_period = grace_period
        return [SendCancel(task.worker, task.assignment_id, cancellation, grace_period)]
    task.retry_time = None
    return _end(instance, task, TaskStatus.CANCELLED, now)


def stop(instance: Instance, cancellation: Cancellation, grace_period: float, now: datetime) -> list[Effect]:
    if instance.status == InstanceStatus.TERMINATED:
        raise FailedPrecondition(
            "INSTANCE_TERMINATED", f"instance {instance.id} is already terminated and cannot be stopped"
        )
    effects: list[Effect] = []
    for task in instance.tasks:
        effects += cancel_task(instance, task, cancellation, grace_period, now)
    refresh(instance, now)
    return effects


def suspend(instance: Instance) -> list[Effect]:
    """Holds queued tasks and pauses running ones."""
    if instance.status != InstanceStatus.RUNNING:
        raise FailedPrecondition(
            "INSTANCE_NOT_RUNNING",
            f"instance {instance.id} is {instance.status.value}; only a running one suspends",
        )
    instance.status = InstanceStatus.SUSPENDED
    effects: list[Effect] = []
    for task in instance.tasks:
        if task.status in QUEUED:
            set_status(instance, task, TaskStatus.SUSPENDED)
        elif task.status in (TaskStatus.ASSIGNED, TaskStatus.RUNNING):
            set_status(instance, task, TaskStatus.SUSPENDED)
            effects.append(SendSuspend(task.worker, task.assignment_id))
    return effects


def resume(instance: Instance) -> list[Effect]:
    if instance.status != InstanceStatus.SUSPENDED:
        raise FailedPrecondition(
            "INSTANCE_NOT_SUSPENDED",
            f"instance {instance.id} is {instance.status.value}; only a suspended one resumes",
        )
    instance.status = InstanceStatus.RUNNING
    effects: list[Effect] = []
    for task in instance.tasks:
        if task.status != TaskStatus.SUSPENDED:
            continue
        if task.worker:
            set_status(instance, task, TaskStatus.RUNNING if task.started else TaskStatus.ASSIGNED)
            effects.append(SendResume(task.worker, task.assignment_id))
        else:
            set_status(instance, task, TaskStatus.INTERRUPTED if task.interruptions else TaskStatus.WAITING)
            if not task.held:
                task.waiting = WaitingReason.QUEUED
                effects.append(Enqueue(instance.id, task.id))
    return effects


def taken_back(instance: Instance, task: Task, now: datetime) -> list[Effect]:
    """A worker gave the task back without starting it (it waited there for a slot): it is queued again as
    if it had never been sent, so its next attempt has the number this one had."""
    if not _holds_a_worker(task) or task.started:
        return []
    task.worker = ""
    task.attempts = max(task.attempts - 1, 0)
    if task.status == TaskStatus.CANCELLING:  # stopped while it waited: nothing is left to cancel
        effects = _end(instance, task, TaskStatus.CANCELLED, now)
        refresh(instance, now)
        return effects
    return _queue_again(instance, task, TaskStatus.WAITING)


def worker_lost(instance: Instance, task: Task, now: datetime, reason: str = "") -> list[Effect]:
    """The task's worker went away (``reason`` says how): retry it (INTERRUPTED) or, past the retry
    limit, fail it."""
    if not _holds_a_worker(task):
        return []
    if task.status == TaskStatus.CANCELLING:
        effects = _end(instance, task, TaskStatus.CANCELLED, now)
        refresh(instance, now)
        return effects
    task.interruptions += 1
    task.interruption_reason = reason
    task.worker = ""
    task.started = False
    limit = instance.options.max_interrupted_retries
    if task.interruptions > limit:
        task.error = TaskFailure(
            "taskstream.WorkerLost",
            f"the task lost its worker {task.interruptions} times (max_interrupted_retries={limit})"
            + (f"; last: {reason}" if reason else ""),
        )
        effects = _end(instance, task, TaskStatus.FAILED, now)
        refresh(instance, now)
        return effects
    return _queue_again(instance, task, TaskStatus.INTERRUPTED)


def _holds_a_worker(task: Task) -> bool:
    """Whether a worker holds the task: it runs there, waits there for a slot, or is paused there."""
    if task.is_terminal:
        return False
    return task.status in ACTIVE or (task.status == TaskStatus.SUSPENDED and bool(task.worker))


def _queue_again(instance: Instance, task: Task, status: TaskStatus) -> list[Effect]:
    """A task no worker holds any more goes back to the queue with ``status``, or is held while its
    instance is suspended."""
    task.waiting = WaitingReason.QUEUED
    if instance.status == InstanceStatus.SUSPENDED:
        set_status(instance, task, TaskStatus.SUSPENDED)
        return []
    set_status(instance, task, status)
    return [Enqueue(instance.id, task.id)]


def refresh(instance: Instance, now: datetime) -> None:
    """TERMINATED once every task is terminal."""
    if instance.status == InstanceStatus.TERMINATED or instance.open_tasks > 0:
        return
    instance.status = InstanceStatus.TERMINATED
    instance.end_time = now
    instance.successful = instance.unsuccessful_tasks == 0
    if instance.options.retention is not None:
        instance.expire_time = now + timedelta(seconds=instance.options.retention)


def _end(instance: Instance, task: Task, status: TaskStatus, now: datetime) -> list[Effect]:
    """Ends the task; what that does to the tasks that depend on it."""
    set_status(instance, task, status)
    task.end_time = now
    return _dependents_of(instance, task, now) if instance.dependents else []


def _timeout_message(task: Task) -> str:
    return f"task {task.name} exceeded its timeout of {task.timeout:g}s" if task.timeout else "task timed out"
