"""Domain objects to protos (read side)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from google.protobuf import duration_pb2, timestamp_pb2

from taskstream.v1 import instance_pb2, task_pb2
from taskstreamd import ids
from taskstreamd.domain.model import Cancellation, Instance, Task

if TYPE_CHECKING:  # the store records events built with these conversions; no import cycle at run time
    from taskstreamd.store.repository import Output, TaskOutcome


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    """What ``Timestamp.FromDatetime`` gives (naive means UTC) at a fraction of its cost: it goes
    through ``utctimetuple`` and ``calendar.timegm``, and every event and answer carries a few."""
    if value is None:
        return None
    since = value - (_EPOCH_NAIVE if value.utcoffset() is None else _EPOCH)
    seconds = since.days * 86400 + since.seconds
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=value.microsecond * 1000)


def duration(seconds: float | None) -> duration_pb2.Duration | None:
    if not seconds:
        return None
    value = duration_pb2.Duration()
    value.FromTimedelta(timedelta(seconds=seconds))
    return value


def cancellation_proto(c: Cancellation) -> task_pb2.Cancellation:
    return task_pb2.Cancellation(
        reason=c.reason.to_proto(),  # type: ignore[arg-type]
        message=c.message,
        requested_by=c.requested_by,
        request_time=timestamp(c.request_time),
    )


def task_proto(task: Task, instance: Instance, *, with_reports: bool = True) -> task_pb2.Task:
    """The task; without its progress and properties when ``with_reports`` is false."""
    message = task_pb2.Task(
        name=task.name,
        type=task.type,
        status=task.status.to_proto(),
        parameters_json=task.parameters_json,
        attempts=task.attempts,
        interruptions=task.interruptions,
        create_time=timestamp(instance.create_time),
        start_time=timestamp(task.start_time),
        end_time=timestamp(task.end_time),
        timeout=duration(task.timeout),
        worker=task.worker,
        stdout_info=task_pb2.OutputInfo(total_bytes=task.stdout_bytes),
        stderr_info=task_pb2.OutputInfo(total_bytes=task.stderr_bytes),
        interruption_reason=task.interruption_reason,
        required_labels=task.required_labels,
    )
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
    return message


def instance_proto(instance: Instance, *, with_tasks: bool = True) -> instance_pb2.Instance:
    options = instance_pb2.InstanceOptions(
        cancel_on_task_failure=instance.options.cancel_on_task_failure,
        max_interrupted_retries=instance.options.max_interrupted_retries,
        task_timeout=duration(instance.options.task_timeout),
    )
    return instance_pb2.Instance(
        name=ids.instance_name(instance.project, instance.id),
        id=instance.id,
        project=instance.project,
        owner=instance.owner,
        status=instance.status.to_proto(),
        priority=instance.priority,
        labels=instance.labels,
        create_time=timestamp(instance.create_time),
        start_time=timestamp(instance.start_time),
        end_time=timestamp(instance.end_time),
        tasks=[task_proto(t, instance) for t in instance.tasks] if with_tasks else [],
        parent_instance=instance.parent_instance,
        options=options,
        successful=instance.successful,
        request_id=instance.request_id,
        seq=instance.seq,
    )


def output_info(output: Output) -> task_pb2.OutputInfo:
    return task_pb2.OutputInfo(total_bytes=output.total_bytes, cut_bytes=output.cut_bytes)


def outcome_task_proto(outcome: TaskOutcome, instance: Instance) -> task_pb2.Task:
    message = task_proto(outcome.task, instance)
    message.stdout_info.CopyFrom(output_info(outcome.stdout))
    message.stderr_info.CopyFrom(output_info(outcome.stderr))
    return message
