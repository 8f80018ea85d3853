"""The watch stream's items (core.watch) as WatchInstanceResponse messages."""

from __future__ import annotations

from datetime import UTC, datetime

from taskstream.v1 import instance_service_pb2 as pb
from taskstreamd.core import watch
from taskstreamd.domain.model import Instance
from taskstreamd.wire import convert
from taskstreamd.wire.event_codec import framed, watch_response

_EVENTS_ENTRY = bytes([(1 << 3) | 2])  # EventBatch.events: field 1, length-delimited
_RESPONSE_EVENTS = bytes([(5 << 3) | 2])  # WatchInstanceResponse.events: field 5, length-delimited
_END_REASONS = {
    "draining": pb.WATCH_END_REASON_SERVER_DRAINING,
    "deleted": pb.WATCH_END_REASON_INSTANCE_DELETED,
}


def snapshot(instance: Instance) -> bytes:
    """The instance as a serialized WatchInstanceResponse snapshot."""
    response = pb.WatchInstanceResponse()
    convert.fill_instance(response.snapshot, instance)
    return response.SerializeToString()


def message(item: watch.WatchItem) -> pb.WatchInstanceResponse | bytes:
    """A watch item as what the stream sends: serialized bytes where they are shared by every watcher."""
    if isinstance(item, watch.Snapshot):
        return item.data
    if isinstance(item, watch.Beat):
        return pb.WatchInstanceResponse(
            heartbeat=pb.Heartbeat(seq=item.seq, time=convert.timestamp(datetime.now(UTC)))
        )
    if isinstance(item, watch.End):
        end = pb.WatchEnd(reason=_END_REASONS[item.reason], resume_after_seq=item.seq, message=item.message)
        return pb.WatchInstanceResponse(end=end)
    if isinstance(item, watch.Events):
        # EventBatch.events (field 1) is each stored event as it is; the batch is field 5 of the response.
        batch = b"".join(framed(_EVENTS_ENTRY, e.data) for e in item.events)
        return framed(_RESPONSE_EVENTS, batch)
    sent = item.framed
    if not sent:
        sent = item.framed = watch_response(item.data)
    return sent
