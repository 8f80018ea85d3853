"""GetQueueingInfo's answer from the core's QueueingInfo."""

from __future__ import annotations

from taskstream.v1 import instance_service_pb2 as pb
from taskstreamd.core.queueing import QueueingInfo
from taskstreamd.wire.convert import set_timestamp


def response(info: QueueingInfo) -> pb.GetQueueingInfoResponse:
    instance = info.instance
    message = pb.GetQueueingInfoResponse(
        status=instance.status.to_proto(),
        priority=instance.priority,
        owner=instance.owner,
        queue_length=info.queue_length,
        next_page_token=info.next_page_token,
    )
    set_timestamp(message.create_time, instance.create_time)
    if instance.start_time is not None:
        set_timestamp(message.start_time, instance.start_time)
    for entry in info.tasks:
        task = entry.task
        reason = task.waiting_reason
        message.tasks.add(
            task=task.name,
            type=task.type,
            status=task.status.to_proto(),
            waiting_reason=reason.to_proto() if reason is not None else 0,
            queue_position=entry.position,
        )
    return message
