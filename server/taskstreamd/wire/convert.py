"""Domain objects to taskstream.v1 messages: instances, tasks, cancellations, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from google.protobuf import duration_pb2, timestamp_pb2

from taskstream.v1 import instance_pb2, task_pb2
from taskstreamd import ids
from taskstreamd.domain.cost import TaskCost
from taskstreamd.domain.model import Cancellation, Instance, Task
from taskstreamd.domain.scheduling import Attempt, RetryPolicy
from taskstreamd.domain.vocabulary import CancellationReason, WaitingReason

if TYPE_CHECKING:
    from taskstreamd.store.reads import Output, TaskOutcome


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    set_timestamp(stamp, value)
    return stamp


def set_timestamp(stamp: timestamp_pb2.Timestamp, value: datetime) -> None:
    """What ``stamp.FromDatetime(value)`` does (naive means UTC) at a fraction of its cost: it goes
    through ``utctimetuple`` and ``calendar.timegm``, and every event and answer carries a few."""
    since = value - (_EPOCH_NAIVE if value.utcoffset() is None else _EPOCH)
    stamp.seconds = since.days * 86400 + since.seconds
    stamp.nanos = value.microsecond * 1000


def duration(seconds: float | None) -> duration_pb2.Duration | None:
    if not seconds:
        return None
    value = duration_pb2.Duration()
    value.FromTimedelta(timedelta(seconds=seconds))
    return value


def cancellation_of(message: task_pb2.Cancellation) -> Cancellation:
    return Cancellation(
        CancellationReason.from_proto(message.reason),
        message.message,
        message.requested_by,
        message.request_time.ToDatetime(tzinfo=UTC),
    )


def cancellation_proto(c: Cancellation) -> task_pb2.Cancellation:
    return task_pb2.Cancellation(
        reason=c.reason.to_proto(),  # type: ignore[arg-type]
        message=c.message,
        requested_by=c.requested_by,
        request_time=timestamp(c.request_time),
    )


def task_proto(task: Task, instance: Instance, *, with_reports: bool = True) -> task_pb2.Task:
    """The task; without its progress and properties when ``with_reports`` is false."""
    message = task_pb2.Task()
    fill_task(message, task, instance, with_reports=with_reports)
    return message


def fill_task(message: task_pb2.Task, task: Task, instance: Instance, *, with_reports: bool = True) -> None:
    """Fills an empty Task message in place: sub-messages passed to a constructor are copied, and every
    event carries a task (same bytes as building each part and passing it in)."""
    message.name = task.name
    message.type = task.type
    message.status = task.status.to_proto()
    message.parameters_json = task.parameters_json
    message.attempts = task.attempts
    message.interruptions = task.interruptions
    set_timestamp(message.create_time, instance.create_time)
    if task.start_time is not None:
        set_timestamp(message.start_time, task.start_time)
    if task.end_time is not None:
        set_timestamp(message.end_time, task.end_time)
    if task.timeout:
        message.timeout.FromTimedelta(timedelta(seconds=task.timeout))
    message.worker = task.worker
    message.stdout_info.SetInParent()  # present even when empty, as OutputInfo(total_bytes=0) was
    message.stdout_info.total_bytes = task.stdout_bytes
    message.stderr_info.SetInParent()
    message.stderr_info.total_bytes = task.stderr_bytes
    message.interruption_reason = task.interruption_reason
    if task.required_labels:
        message.required_labels.update(task.required_labels)
    if with_reports:
        if task.progress:
            message.progress.ParseFromString(task.progress)
        for key, value in task.properties.items():
            message.properties[key].ParseFromString(value)
    if task.error is not None:
        message.error.CopyFrom(
            task_pb2.TaskError(
                type=task.error.type,
                message=task.error.message,
                traceback=task.error.traceback,
                pickled_exception=task.error.pickled_exception,
            )
        )
    if task.cancellation is not None:
        message.cancellation.CopyFrom(cancellation_proto(task.cancellation))
    reason = task.waiting_reason
    if reason is not None:
        message.waiting_reason = reason.to_proto()  # type: ignore[assignment]
        if reason == WaitingReason.DEPENDENCY:  # only then: other tasks pay nothing for it
            message.waiting_on.extend(instance.waiting_on(task))
    if task.retry_time is not None:
        set_timestamp(message.next_attempt_time, task.retry_time)
    if task.retry is not None:
        fill_retry_policy(message.retry_policy, task.retry)
    for attempt in task.history:
        fill_attempt(message.attempt_history.add(), attempt)
    for dependency in task.dependencies:
        message.dependencies.add(task=dependency.name, allow_failure=dependency.allow_failure)
    if task.concurrency_key:
        message.concurrency_key = task.concurrency_key
        message.concurrency_limit = task.concurrency_limit
    if task.cost is not None:
        fill_cost(message.cost, task.cost)


def fill_cost(message: task_pb2.TaskCost, cost: TaskCost) -> None:
    message.cpu_seconds = cost.cpu_seconds
    message.memory_peak_bytes = cost.memory_peak_bytes


def fill_retry_policy(message: task_pb2.RetryPolicy, policy: RetryPolicy) -> None:
    message.max_attempts = policy.max_attempts
    message.initial_backoff.FromTimedelta(timedelta(seconds=policy.initial_backoff))
    message.backoff_multiplier = policy.multiplier
    if policy.max_backoff is not None:
        message.max_backoff.FromTimedelta(timedelta(seconds=policy.max_backoff))
    message.jitter = policy.jitter
    message.non_retryable_error_types.extend(policy.non_retryable)


def fill_attempt(message: task_pb2.TaskAttempt, attempt: Attempt) -> None:
    message.attempt = attempt.number
    message.status = attempt.status.to_proto()
    message.worker = attempt.worker
    if attempt.start_time is not None:
        set_timestamp(message.start_time, attempt.start_time)
    if attempt.end_time is not None:
        set_timestamp(message.end_time, attempt.end_time)
    if attempt.error_type:
        message.error.type = attempt.error_type
        message.error.message = attempt.error_message
        message.error.traceback = attempt.error_traceback
    if attempt.result:
        message.result.ParseFromString(attempt.result)
    message.stdout_info.total_bytes = attempt.stdout_bytes
    message.stderr_info.total_bytes = attempt.stderr_bytes
    if attempt.cost is not None:
        fill_cost(message.cost, attempt.cost)


def instance_proto(instance: Instance, *, with_tasks: bool = True) -> instance_pb2.Instance:
    message = instance_pb2.Instance()
    fill_instance(message, instance, with_tasks=with_tasks)
    return message


def fill_instance(message: instance_pb2.Instance, instance: Instance, *, with_tasks: bool = True) -> None:
    """Fills an empty Instance message in place (a response's field: passing one in copies it)."""
    message.name = ids.instance_name(instance.project, instance.id)
    message.id = instance.id
    message.project = instance.project
    message.owner = instance.owner
    message.status = instance.status.to_proto()
    message.priority = instance.priority
    if instance.labels:
        message.labels.update(instance.labels)
    set_timestamp(message.create_time, instance.create_time)
    if instance.start_time is not None:
        set_timestamp(message.start_time, instance.start_time)
    if instance.end_time is not None:
        set_timestamp(message.end_time, instance.end_time)
    if with_tasks:
        for t in instance.tasks:  # built in place: a list passed to the constructor is copied
            fill_task(message.tasks.add(), t, instance)
    message.parent_instance = instance.parent_instance
    options = message.options
    options.SetInParent()  # present even when empty, as InstanceOptions() passed in was
    options.cancel_on_task_failure = instance.options.cancel_on_task_failure
    options.max_interrupted_retries = instance.options.max_interrupted_retries
    if instance.options.task_timeout:
        options.task_timeout.FromTimedelta(timedelta(seconds=instance.options.task_timeout))
    message.successful = instance.successful
    message.request_id = instance.request_id
    message.seq = instance.seq
    if instance.start_at is not None:
        set_timestamp(message.scheduled_start_time, instance.start_at)
    if instance.expire_time is not None:
        set_timestamp(message.expire_time, instance.expire_time)
    if instance.schedule:
        message.schedule = instance.schedule
    o = instance.options
    if o.retry is not None:
        fill_retry_policy(options.retry_policy, o.retry)
    if o.retention is not None:
        options.retention.FromTimedelta(timedelta(seconds=o.retention))
    if o.bound:
        options.cancel_on_client_disconnection = True
        options.client_disconnect_grace.FromTimedelta(timedelta(seconds=o.bound_grace))


def output_info(output: Output) -> task_pb2.OutputInfo:
    return task_pb2.OutputInfo(total_bytes=output.total_bytes, cut_bytes=output.cut_bytes)


def outcome_task_proto(outcome: TaskOutcome, instance: Instance) -> task_pb2.Task:
    message = task_proto(outcome.task, instance)
    message.stdout_info.CopyFrom(output_info(outcome.stdout))
    message.stderr_info.CopyFrom(output_info(outcome.stderr))
    return message
