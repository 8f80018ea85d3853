"""The project watch stream's items (core.project_watch) as WatchInstancesResponse messages.

An entry of a project's log is stored without its seq (the commit numbers it): its message is the stored
bytes with the seq field appended (a field appended to a serialized message is that field set), framed
once as a WatchInstancesResponse and shared by every watcher.
"""

from __future__ import annotations

from datetime import UTC, datetime

from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import project_event_pb2
from taskstreamd.core import project_watch
from taskstreamd.domain.project_events import ProjectEvent
from taskstreamd.wire import convert
from taskstreamd.wire.event_codec import fill_summary, varint

# ProjectInstanceEvent.seq is field 1, a varint: tag (1 << 3) | 0.
_SEQ_TAG = bytes([1 << 3])
# WatchInstancesResponse.event is field 2, length-delimited: tag (2 << 3) | 2.
_RESPONSE_EVENT_TAG = bytes([(2 << 3) | 2])


def event_bytes(entry: ProjectEvent) -> bytes:
    """The entry as a serialized ProjectInstanceEvent, seq included."""
    return entry.data + _SEQ_TAG + varint(entry.seq)


def message(item: project_watch.ProjectWatchItem) -> pb.WatchInstancesResponse | bytes:
    if isinstance(item, project_watch.SnapshotPage):
        page = project_event_pb2.InstancesSnapshot(seq=item.seq, last=item.last, truncated=item.truncated)
        for summary in item.instances:
            fill_summary(page.instances.add(), summary.instance, summary.task_types, summary.task_count)
        return pb.WatchInstancesResponse(snapshot=page)
    if isinstance(item, project_watch.Beat):
        return pb.WatchInstancesResponse(
            heartbeat=pb.Heartbeat(seq=item.seq, time=convert.timestamp(datetime.now(UTC)))
        )
    if isinstance(item, project_watch.End):
        end = pb.WatchEnd(
            reason=pb.WATCH_END_REASON_SERVER_DRAINING, resume_after_seq=item.seq, message=item.message
        )
        return pb.WatchInstancesResponse(end=end)
    framed = item.framed
    if not framed:
        body = event_bytes(item)
        framed = item.framed = _RESPONSE_EVENT_TAG + varint(len(body)) + body
    return framed
