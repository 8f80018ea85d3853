"""WatchInstance as a use case: a snapshot, then the instance's changes in order, until it terminates.

It yields what to send (``Snapshot``, an event, ``Beat``, ``End``) with the cursor a watcher holds once it
has it; the API layer frames them. A snapshot is the instance encoded once (shared by the watchers that
open together); events are the recorded ones, encoded when recorded and shared by every watcher.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from dataclasses import dataclass

from taskstreamd.core.bindings import Bindings
from taskstreamd.core.fanout import EventHub
from taskstreamd.core.instances import Instances
from taskstreamd.domain.events import EventKind, RecordedEvent
from taskstreamd.domain.model import Instance
from taskstreamd.domain.vocabulary import InstanceStatus


@dataclass(frozen=True)
class WatchRequest:
    project: str
    instance_id: str
    after_seq: int = 0
    include_output: bool = False
    heartbeat_interval: float = 10.0
    accept_batches: bool = False  # several events may go in one message to a watcher that is behind


@dataclass(frozen=True)
class Snapshot:
    """An instance as read once, encoded by the API layer's ``encode``."""

    project: str
    seq: int
    terminated: bool
    data: bytes


@dataclass(frozen=True)
class Beat:
    seq: int


@dataclass(frozen=True)
class End:
    reason: str  # "draining" or "deleted"
    seq: int
    message: str


@dataclass(frozen=True)
class Events:
    """Several events in order, for a watcher that accepts batches and is behind."""

    events: list[RecordedEvent]


WatchItem = Snapshot | RecordedEvent | Beat | End | Events


async def load_snapshot(
    instances: Instances, instance_id: str, encode: Callable[[Instance], bytes]
) -> Snapshot | None:
    """The instance as committed, encoded; None when it is not there."""
    book = instances.book
    instance = book.get(instance_id)
    if instance is not None:
        instances.dispatcher.explain(instance)
        snapshot = Snapshot(
            instance.project, instance.seq, instance.status == InstanceStatus.TERMINATED, encode(instance)
        )
        await book.settle(instance)
        return snapshot
    stored = book.ended(instance_id) or await instances.reader.instance(instance_id)
    if stored is None:
        return None
    return Snapshot(stored.project, stored.seq, stored.status == InstanceStatus.TERMINATED, encode(stored))


async def watch(
    instances: Instances, hub: EventHub, request: WatchRequest, encode: Callable[[Instance], bytes]
) -> AsyncGenerator[tuple[WatchItem, int], None]:
    """Each item with the cursor a watcher holds once it has it (the last seq sent).

    Raises NotFound for an unknown instance before anything is yielded.
    """

    async def current(
        channel_load: Callable[[Callable[[], Awaitable[Snapshot | None]]], Awaitable[Snapshot | None]] | None,
    ) -> Snapshot:
        # Any snapshot read after subscribing is a valid start: what it misses is in the ring or the store.
        def load() -> Awaitable[Snapshot | None]:
            return load_snapshot(instances, request.instance_id, encode)

        found = await (channel_load(load) if channel_load is not None else load())
        if found is None or found.project != request.project:
            raise await instances.missing(request.project, request.instance_id)
        return found

    bindings = instances.bindings
    with hub.subscribe(request.instance_id) as channel, _watching(bindings, request.instance_id):
        first = await current(channel.shared)
        cursor = request.after_seq
        if cursor > first.seq:  # a shared snapshot may predate the cursor; only a fresh read can tell
            first = await current(None)
        channel.complete_after(first.seq)  # read after subscribing: later events all come to the channel
        if cursor <= 0 or cursor > first.seq:  # from the start, or a cursor this instance never gave
            cursor = first.seq
            yield first, cursor
            if first.terminated:
                return
        elif first.terminated and cursor == first.seq:
            yield first, cursor  # the watcher saw every change but the terminal snapshot
            return
        waiter = channel.waiter(request.heartbeat_interval)
        try:
            while True:
                if hub.closed:
                    yield End("draining", cursor, "the server is shutting down"), cursor
                    return
                waiter.arm()
                # The ring holds every progress step; a watcher is sent the latest of each.
                batch = channel.coalesced_after(cursor)
                if batch is None:  # fell behind the ring, or just started: the store's log is coalesced
                    batch = await instances.reader.events_after(
                        request.instance_id, cursor, include_output=request.include_output
                    )
                    if batch is None:
                        yield End("deleted", cursor, "the instance was deleted"), cursor
                        return
                if not batch:
                    if not await waiter.wait():
                        yield Beat(cursor), cursor
                        waiter.sent()
                    continue
                wanted = [e for e in batch if request.include_output or e.kind != EventKind.OUTPUT]
                ending = next((i for i, e in enumerate(wanted) if e.terminal), None)
                if ending is not None:
                    wanted = wanted[: ending + 1]
                if request.accept_batches and len(wanted) > 1:
                    yield Events(wanted), wanted[-1].seq
                else:
                    for event in wanted:
                        yield event, event.seq
                if ending is not None:
                    final = await current(channel.shared)
                    yield final, final.seq
                    return
                sent = bool(wanted)
                cursor = batch[-1].seq
                if sent:
                    # Paced by the channel: the next read waits for a wake that came since this one was
                    # armed (at once when one did), so progress goes out once per wake, not as fast as the
                    # writes complete, and the loop keeps time for recording reports.
                    waiter.sent()
                    await waiter.wait()
        finally:
            waiter.close()


@contextlib.contextmanager
def _watching(bindings: Bindings | None, instance_id: str) -> Iterator[None]:
    """While a watch is open, an instance bound to its caller's watch keeps running (core.bindings)."""
    if bindings is not None:
        bindings.opened(instance_id)
    try:
        yield
    finally:
        if bindings is not None:
            bindings.closed(instance_id)
