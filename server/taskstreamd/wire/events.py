"""The event codec: the core's recorded changes as serialized taskstream.v1.InstanceEvent messages (the
log's stored format and the watch stream's payload), and back where the core reads one."""

from __future__ import annotations

from datetime import datetime

from taskstream.v1 import event_pb2, task_pb2
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
    return tag + _varint(len(data)) + data


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def progress_value(serialized: bytes) -> task_pb2.Progress:
    return task_pb2.Progress.FromString(serialized)
