"""WatchInstance as a use case: a snapshot, then the instance's changes in order, until it terminates.

The stream is produced as WatchInstanceResponse messages, or as their serialized bytes for events, which
are encoded once when recorded and shared by every watcher.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable
from dataclasses import dataclass

from taskstream._status import InstanceStatus
from taskstream.v1 import instance_service_pb2 as pb
from taskstreamd.api import convert
from taskstreamd.events.changes import OUTPUT
from taskstreamd.scheduler.service import InstanceManager, now

WatchMessage = pb.WatchInstanceResponse | bytes


@dataclass(frozen=True)
class WatchRequest:
    project: str
    instance_id: str
    after_seq: int = 0
    include_output: bool = False
    heartbeat_interval: float = 10.0


@dataclass(frozen=True)
class Snapshot:
    """An instance as read once, with its WatchInstanceResponse bytes shared by every watcher."""

    project: str
    seq: int
    terminated: bool
    response: bytes


async def load_snapshot(manager: InstanceManager, instance_id: str) -> Snapshot | None:
    instance = await manager.store.get_instance(instance_id)
    if instance is None:
        return None
    response = pb.WatchInstanceResponse(snapshot=convert.instance_proto(instance)).SerializeToString()
    return Snapshot(instance.project, instance.seq, instance.status == InstanceStatus.TERMINATED, response)


def heartbeat(seq: int) -> pb.WatchInstanceResponse:
    return pb.WatchInstanceResponse(heartbeat=pb.Heartbeat(seq=seq, time=convert.timestamp(now())))


def end(reason: pb.WatchEndReason, seq: int, message: str) -> pb.WatchInstanceResponse:
    return pb.WatchInstanceResponse(end=pb.WatchEnd(reason=reason, resume_after_seq=seq, message=message))


async def watch(
    manager: InstanceManager, request: WatchRequest
) -> AsyncGenerator[tuple[WatchMessage, int], None]:
    """Each message with the cursor a watcher holds once it has it (the last seq sent).

    Raises NotFound for an unknown instance before anything is sent.
    """
    hub, store = manager.events, manager.store

    async def current(*, shared: bool = True) -> Snapshot:
        # Any snapshot read after subscribing is a valid start: what it misses is in the ring or the store.
        def load() -> Awaitable[Snapshot | None]:
            return load_snapshot(manager, request.instance_id)

        found: Snapshot | None = await (channel.shared(load) if shared else load())
        if found is None or found.project != request.project:
            raise await manager.missing(request.project, request.instance_id)
        return found

    with hub.subscribe(request.instance_id) as channel:
        first = await current()
        cursor = request.after_seq
        if cursor > first.seq:  # a shared snapshot may predate the cursor; only a fresh read can tell
            first = await current(shared=False)
        channel.complete_after(first.seq)  # read after subscribing: later events all come to the channel
        if cursor <= 0 or cursor > first.seq:  # from the start, or a cursor this instance never gave
            cursor = first.seq
            yield first.response, cursor
            if first.terminated:
                return
        elif first.terminated and cursor == first.seq:
            yield first.response, cursor  # the watcher saw every change but the terminal snapshot
            return
        waiter = channel.waiter(request.heartbeat_interval)
        try:
            while True:
                if hub.closed:
                    yield (
                        end(pb.WATCH_END_REASON_SERVER_DRAINING, cursor, "the server is shutting down"),
                        cursor,
                    )
                    return
                waiter.arm()
                # The ring holds every progress step; a watcher is sent the latest of each.
                batch = channel.coalesced_after(cursor)
                if batch is None:  # fell behind the ring, or just started: the store's log is coalesced
                    batch = await store.events_after(
                        request.instance_id, cursor, include_output=request.include_output
                    )
                    if batch is None:
                        yield (
                            end(pb.WATCH_END_REASON_INSTANCE_DELETED, cursor, "the instance was deleted"),
                            cursor,
                        )
                        return
                if not batch:
                    if not await waiter.wait():
                        yield heartbeat(cursor), cursor
                        waiter.sent()
                    continue
                sent = False
                for event in batch:
                    if event.kind == OUTPUT and not request.include_output:
                        continue
                    yield event.watch_response, event.seq
                    sent = True
                    if event.terminal:
                        final = await current()
                        yield final.response, final.seq
                        return
                cursor = batch[-1].seq
                if sent:
                    # Paced by the channel: the next read waits for a wake that came since this one was
                    # armed (at once when one did), so progress goes out once per wake, not as fast as the
                    # writes complete, and the loop keeps time for recording reports.
                    waiter.sent()
                    await waiter.wait()
        finally:
            waiter.close()
