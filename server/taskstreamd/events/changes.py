"""Changes of an instance as taskstream.v1.InstanceEvent messages, before the store numbers them.

Status events are derived by comparing an instance's statuses before and after a state-machine step, so
no code path can change a status without the watchers hearing of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from taskstream._status import InstanceStatus, TaskStatus
from taskstream.v1 import event_pb2, task_pb2
from taskstreamd.api import convert
from taskstreamd.domain.model import Instance, Task

_FIELDS = event_pb2.InstanceEvent.DESCRIPTOR.fields_by_name
INSTANCE_STATUS = _FIELDS["instance_status_changed"].number
TASK_STATUS = _FIELDS["task_status_changed"].number
PROGRESS = _FIELDS["task_progress_updated"].number
PROPERTY = _FIELDS["task_property_updated"].number
OUTPUT = _FIELDS["task_output_appended"].number
SUB_INSTANCE = _FIELDS["sub_instance_created"].number


@dataclass(frozen=True)
class NewEvent:
    """A change to record; the store gives it the instance's next sequence number and the time."""

    kind: int
    message: event_pb2.InstanceEvent
    task_id: int = 0  # for progress: the task whose previous progress event this one replaces
    terminal: bool = False  # the instance is TERMINATED after this change


@dataclass(frozen=True)
class Marks:
    """The statuses of an instance and its tasks at one moment."""

    status: InstanceStatus
    tasks: dict[int, TaskStatus]


def marks(instance: Instance) -> Marks:
    return Marks(instance.status, {t.id: t.status for t in instance.tasks})


def status_changes(before: Marks, instance: Instance) -> list[NewEvent]:
    """Events for every status that differs from ``before``: tasks in order, then the instance."""
    events: list[NewEvent] = []
    for task in instance.tasks:
        previous = before.tasks.get(task.id)
        if previous is not None and previous != task.status:
            events.append(task_status_changed(task, instance, previous))
    if before.status != instance.status:
        change_i = event_pb2.InstanceStatusChanged(
            previous_status=before.status.to_proto(),
            status=instance.status.to_proto(),
            successful=instance.successful,
            start_time=convert.timestamp(instance.start_time),
            end_time=convert.timestamp(instance.end_time),
        )
        events.append(
            NewEvent(
                INSTANCE_STATUS,
                event_pb2.InstanceEvent(instance_status_changed=change_i),
                terminal=instance.status == InstanceStatus.TERMINATED,
            )
        )
    return events


def task_status_changed(task: Task, instance: Instance, previous: TaskStatus) -> NewEvent:
    change = event_pb2.TaskStatusChanged(
        previous_status=previous.to_proto(),
        task=convert.task_proto(task, instance, with_reports=False),
    )
    return NewEvent(TASK_STATUS, event_pb2.InstanceEvent(task_status_changed=change))


def progress(task_id: int, task_name: str, serialized: bytes) -> NewEvent:
    message = event_pb2.InstanceEvent(
        task_progress_updated=event_pb2.TaskProgressUpdated(
            task=task_name, progress=task_pb2.Progress.FromString(serialized)
        )
    )
    return NewEvent(PROGRESS, message, task_id=task_id)


def property_set(task_name: str, key: str, serialized: bytes) -> NewEvent:
    message = event_pb2.InstanceEvent(
        task_property_updated=event_pb2.TaskPropertyUpdated(
            task=task_name, key=key, value=task_pb2.PropertyValue.FromString(serialized)
        )
    )
    return NewEvent(PROPERTY, message)


def output(task_name: str, stream: int, offset: int, data: bytes, attempt: int) -> NewEvent:
    message = event_pb2.InstanceEvent(
        task_output_appended=event_pb2.TaskOutputAppended(
            task=task_name,
            stream=stream,  # type: ignore[arg-type]
            offset=offset,
            data=data,
            attempt=attempt,
        )
    )
    return NewEvent(OUTPUT, message)


def sub_instance(instance_name: str, name: str, task_name: str) -> NewEvent:
    message = event_pb2.InstanceEvent(
        sub_instance_created=event_pb2.SubInstanceCreated(instance=instance_name, name=name, task=task_name)
    )
    return NewEvent(SUB_INSTANCE, message)


@dataclass(frozen=True)
class StoredEvent:
    """A recorded change: ``data`` is the serialized InstanceEvent with its seq and time."""

    instance_id: str
    seq: int
    kind: int
    data: bytes
    task_id: int = 0
    terminal: bool = False

    @cached_property
    def watch_response(self) -> bytes:
        """The event as a serialized WatchInstanceResponse, built once (by the first watcher to send it)
        and the same bytes object for every other watcher."""
        return _RESPONSE_EVENT_TAG + _varint(len(self.data)) + self.data


# WatchInstanceResponse.event is field 2, length-delimited: tag (2 << 3) | 2.
_RESPONSE_EVENT_TAG = bytes([(2 << 3) | 2])


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def is_terminal(kind: int, data: bytes) -> bool:
    """Whether a recorded event (read back from the store) terminated its instance."""
    if kind != INSTANCE_STATUS:
        return False
    event = event_pb2.InstanceEvent.FromString(data)
    return InstanceStatus.from_proto(event.instance_status_changed.status) == InstanceStatus.TERMINATED
