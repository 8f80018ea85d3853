"""The event codec: the core's recorded changes as serialized taskstream.v1.InstanceEvent messages (the
log's stored format and the watch stream's payload), and back where the core reads one."""

from __future__ import annotations

from datetime import UTC, datetime

from taskstream.v1 import event_pb2, project_event_pb2, task_pb2
from taskstreamd import ids
from taskstreamd.domain.events import (
    Change,
    EventKind,
    InstanceStatusChanged,
    SubInstanceCreated,
    TaskOutputAppended,
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskStatusChanged,
    TaskWaitingChanged,
)
from taskstreamd.domain.model import Instance
from taskstreamd.domain.project_events import InstanceFacts, ProjectChange, task_types
from taskstreamd.domain.stages import StageMark, StageTimes
from taskstreamd.domain.vocabulary import InstanceStatus
from taskstreamd.wire import convert

_FIELDS = event_pb2.InstanceEvent.DESCRIPTOR.fields_by_name
for _kind, _field in (
    (EventKind.INSTANCE_STATUS, "instance_status_changed"),
    (EventKind.TASK_STATUS, "task_status_changed"),
    (EventKind.PROGRESS, "task_progress_updated"),
    (EventKind.PROPERTY, "task_property_updated"),
    (EventKind.OUTPUT, "task_output_appended"),
    (EventKind.SUB_INSTANCE, "sub_instance_created"),
    (EventKind.WAITING_REASON, "task_waiting_reason_changed"),
):
    # The log stores the field number as the event's kind.
    assert _FIELDS[_field].number == _kind, (_field, _kind)
_PROJECT_FIELDS = project_event_pb2.ProjectInstanceEvent.DESCRIPTOR.fields_by_name
for _change, _field in (
    (ProjectChange.CREATED, "instance_created"),
    (ProjectChange.STATUS, "instance_status_changed"),
    (ProjectChange.DELETED, "instance_deleted"),
):
    assert _PROJECT_FIELDS[_field].number == _change, (_field, _change)


class ProtoEventCodec:
    """domain.events.EventCodec with taskstream.v1.InstanceEvent."""

    def encode(self, instance: Instance, change: Change, seq: int, time: datetime) -> bytes:
        event = event_pb2.InstanceEvent(seq=seq)
        convert.set_timestamp(event.time, time)
        if isinstance(change, TaskStatusChanged):
            message = event.task_status_changed
            message.previous_status = change.previous.to_proto()
            convert.fill_task(message.task, change.task, instance, with_reports=False)
        elif isinstance(change, TaskProgressUpdated):
            event.task_progress_updated.task = change.task
            event.task_progress_updated.progress.ParseFromString(change.progress)
        elif isinstance(change, InstanceStatusChanged):
            status = event.instance_status_changed
            status.previous_status = change.previous.to_proto()
            status.status = change.status.to_proto()
            status.successful = instance.successful
            if instance.start_time is not None:
                convert.set_timestamp(status.start_time, instance.start_time)
            if instance.end_time is not None:
                convert.set_timestamp(status.end_time, instance.end_time)
        elif isinstance(change, TaskPropertyUpdated):
            prop = event.task_property_updated
            prop.task, prop.key = change.task, change.key
            prop.value.ParseFromString(change.value)
        elif isinstance(change, TaskOutputAppended):
            out = event.task_output_appended
            out.task = change.task
            out.stream = change.stream  # type: ignore[assignment]
            out.offset = change.offset
            out.data = change.data
            out.attempt = change.attempt
        elif isinstance(change, TaskWaitingChanged):
            waiting = event.task_waiting_reason_changed
            waiting.task = change.task
            waiting.waiting_reason = change.reason.to_proto()  # type: ignore[assignment]
        else:
            sub = event.sub_instance_created
            sub.instance, sub.name, sub.task = change.instance, change.name, change.task
        return event.SerializeToString()

    def sub_instance(self, data: bytes) -> SubInstanceCreated:
        created = event_pb2.InstanceEvent.FromString(data).sub_instance_created
        return SubInstanceCreated(created.instance, created.name, created.task)

    # -- a project's log (ProjectInstanceEvent without its seq) ------------------------------------------

    def encode_project(
        self, instance: Instance, kind: ProjectChange, previous: InstanceStatus | None, time: datetime
    ) -> bytes:
        event = project_event_pb2.ProjectInstanceEvent(instance_seq=instance.seq)
        convert.set_timestamp(event.time, time)
        fill_summary(event.instance, instance, task_types(instance), len(instance.tasks))
        if kind == ProjectChange.CREATED:
            event.instance_created.parent_instance = instance.parent_instance
        else:
            status = event.instance_status_changed
            status.previous_status = (previous or instance.status).to_proto()
            status.status = instance.status.to_proto()
            status.successful = instance.successful
            if instance.start_time is not None:
                convert.set_timestamp(status.start_time, instance.start_time)
            if instance.end_time is not None:
                convert.set_timestamp(status.end_time, instance.end_time)
        return event.SerializeToString()

    def encode_deletion(
        self, instance_id: str, project: str, successful: bool, end_time: datetime, time: datetime
    ) -> bytes:
        event = project_event_pb2.ProjectInstanceEvent()
        convert.set_timestamp(event.time, time)
        summary = event.instance.instance
        summary.name = ids.instance_name(project, instance_id)
        summary.id, summary.project = instance_id, project
        summary.status = InstanceStatus.TERMINATED.to_proto()
        summary.successful = successful
        convert.set_timestamp(summary.end_time, end_time)
        convert.set_timestamp(event.instance_deleted.delete_time, time)
        return event.SerializeToString()

    def project_facts(self, kind: int, data: bytes) -> InstanceFacts:
        event = project_event_pb2.ProjectInstanceEvent.FromString(data)
        instance = event.instance.instance
        previous = None
        if event.HasField("instance_status_changed"):
            previous = InstanceStatus.from_proto(event.instance_status_changed.previous_status)
        deleted = event.HasField("instance_deleted")
        return InstanceFacts(
            instance.id,
            instance.owner,
            InstanceStatus.from_proto(instance.status),
            previous,
            dict(instance.labels),
            frozenset(event.instance.task_types),
            None if deleted else instance.create_time.ToDatetime(tzinfo=UTC),
        )

    # -- stage times -------------------------------------------------------------------------------------

    def stage_marks(self, progress: bytes) -> list[StageMark]:
        stages = task_pb2.Progress.FromString(progress).stages
        return [
            StageMark(
                s.name,
                active=s.running_workers > 0 or s.terminated_workers > 0 or s.finished_percentage > 0,
                done=s.finished_percentage >= 100
                or (s.total_workers > 0 and s.terminated_workers >= s.total_workers),
                start=s.start_time.ToDatetime(tzinfo=UTC) if s.HasField("start_time") else None,
                end=s.end_time.ToDatetime(tzinfo=UTC) if s.HasField("end_time") else None,
            )
            for s in stages
        ]

    def stamp_stages(self, progress: bytes, times: StageTimes) -> bytes:
        message = task_pb2.Progress.FromString(progress)
        for stage, (start, end) in zip(message.stages, times, strict=True):
            stage.ClearField("start_time")
            stage.ClearField("end_time")
            if start is not None:
                convert.set_timestamp(stage.start_time, start)
            if end is not None:
                convert.set_timestamp(stage.end_time, end)
        return message.SerializeToString()

    def terminal(self, kind: int, data: bytes) -> bool:
        if kind != EventKind.INSTANCE_STATUS:
            return False
        event = event_pb2.InstanceEvent.FromString(data)
        return InstanceStatus.from_proto(event.instance_status_changed.status) == InstanceStatus.TERMINATED


# WatchInstanceResponse.event is field 2, length-delimited: tag (2 << 3) | 2.
_RESPONSE_EVENT_TAG = bytes([(2 << 3) | 2])


def watch_response(data: bytes) -> bytes:
    """A serialized InstanceEvent framed as a serialized WatchInstanceResponse carrying it."""
    return framed(_RESPONSE_EVENT_TAG, data)


def framed(tag: bytes, data: bytes) -> bytes:
    """``data`` as a length-delimited field with ``tag``: how a message embeds serialized bytes."""
    return tag + varint(len(data)) + data


def varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def fill_summary(
    message: project_event_pb2.InstanceSummary, instance: Instance, types: list[str], task_count: int
) -> None:
    """An InstanceSummary: the instance without its tasks, their types and how many there are."""
    convert.fill_instance(message.instance, instance, with_tasks=False)
    message.task_types.extend(types)
    message.task_count = task_count


def progress_value(serialized: bytes) -> task_pb2.Progress:
    return task_pb2.Progress.FromString(serialized)
