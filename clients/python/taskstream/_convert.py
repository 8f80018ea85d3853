"""Conversions between the client's Python values and protobuf well-known types and resource names."""

from __future__ import annotations

import datetime as dt

from google.protobuf import duration_pb2, timestamp_pb2
from google.protobuf.message import Message

from taskstream.status import InstanceStatus, TaskStatus

_INSTANCES = "instances"


def project_name(project: str) -> str:
    """The resource name of a project, the parent of its instances."""
    return f"projects/{project}"


def instance_name(project: str, instance_id: str) -> str:
    return f"projects/{project}/instances/{instance_id}"


def split_instance_ref(ref: str, default_project: str) -> tuple[str, str]:
    """(project, id) of a bare instance id or a full name ``projects/{p}/instances/{id}``."""
    if "/" not in ref:
        if not ref:
            raise ValueError("an instance id must not be empty")
        return default_project, ref
    parts = ref.split("/")
    if len(parts) != 4 or parts[0] != "projects" or parts[2] != _INSTANCES or not parts[1] or not parts[3]:
        raise ValueError(f"not an instance id or name 'projects/{{project}}/instances/{{id}}': {ref!r}")
    return parts[1], parts[3]


def optional_datetime(message: Message, field: str) -> dt.datetime | None:
    """The timestamp field of ``message`` as an aware UTC datetime, or None when it is unset."""
    if not message.HasField(field):
        return None
    value: timestamp_pb2.Timestamp = getattr(message, field)
    return value.ToDatetime(tzinfo=dt.UTC)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_timestamp(value: dt.datetime | float) -> timestamp_pb2.Timestamp:
    """A Timestamp from an aware datetime, a naive one (taken as local time) or POSIX seconds."""
    stamp = timestamp_pb2.Timestamp()
    if isinstance(value, dt.datetime):
        # In whole microseconds: through a float, 18:00:00.899 could arrive as 18:00:00.898999.
        if value.tzinfo is None:
            value = value.astimezone()  # a naive datetime is local time, as datetime.timestamp() assumes
        since = value - _EPOCH
        stamp.seconds, stamp.nanos = since.days * 86400 + since.seconds, since.microseconds * 1000
        return stamp
    seconds = int(value // 1)
    stamp.seconds, stamp.nanos = seconds, min(round((value - seconds) * 1e9), 999_999_999)
    return stamp


def to_duration(seconds: float) -> duration_pb2.Duration:
    """A Duration of ``seconds`` (which must be positive), never rounded down to zero."""
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, not {seconds}")
    whole = int(seconds)
    nanos = round((seconds - whole) * 1e9)
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, 0
    if whole == 0 and nanos == 0:
        nanos = 1  # zero means "the default" to the server; keep a tiny positive wait tiny
    return duration_pb2.Duration(seconds=whole, nanos=nanos)


def from_duration(value: duration_pb2.Duration) -> float:
    return value.seconds + value.nanos / 1e9


def instance_status(value: int) -> InstanceStatus:
    """The InstanceStatus of a proto value; one this client does not know counts as RUNNING."""
    try:
        return InstanceStatus.from_proto(value)
    except KeyError:  # unspecified, or added by a newer server: not known to be over
        return InstanceStatus.RUNNING


def task_status(value: int) -> TaskStatus:
    """The TaskStatus of a proto value; one this client does not know counts as WAITING."""
    try:
        return TaskStatus.from_proto(value)
    except KeyError:  # unspecified, or added by a newer server: not known to be over
        return TaskStatus.WAITING
