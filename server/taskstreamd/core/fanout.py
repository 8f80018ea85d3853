"""Fan-out of committed events to the watchers of each instance.

Watchers pull: each keeps its own cursor and reads the events after it, from a shared ring of the
instance's recent events when the ring still holds them, else from the store. Publishing never waits
for a watcher, so a slow reader costs the server nothing but its cursor, and a watcher that falls behind
catches up from the store with its progress coalesced (see ``coalesce``).

Progress alone wakes an instance's watchers at most every ``progress_wake_interval``: ``ROUND_FACTOR``
times as long as the last rounds of writes to them took (from the wake until ``ROUND_SHARE`` of its
watchers finished their write; wakes go out ``WAKE_CHUNK`` watchers per turn of the event loop), so fan-out
takes a bounded share of the loop whatever the machine's load, leaving the rest for reading and recording
reports. Anything else
(status, properties, output) wakes them at once and brings the held progress along. A watcher sends once
per wake (see scheduler/watch.py) and picks up each task's latest progress, so slow waking coalesces,
never loses.

Events committed by another replica arrive as a note of the instance's last seq (``note``), without the
events: the ring cannot serve a cursor below that seq, so its watchers read the store's log instead.
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from taskstreamd.domain.events import EventKind, RecordedEvent

PROGRESS = EventKind.PROGRESS

# Roughly the event-loop time one watcher's write of one event takes: the progress wake interval's guess
# until a round of wakes has been timed.
WRITE_SECONDS_PER_WATCHER = 0.0001
MIN_PROGRESS_WAKE = 0.02
MAX_PROGRESS_WAKE = 1.0
# Watchers woken per turn of the event loop: the rest are woken on the next turns, so that a commit's
# other work (the next reports' transaction among it) waits for one chunk of watchers, not all of them.
WAKE_CHUNK = 64
# A round of wakes is timed until this share of its watchers finished their write.
ROUND_SHARE = 0.9
# The knob between fan-out throughput and progress latency. On the 2-core benchmark machine (1,000
# watchers, 50 progress/s): 1.0 delivers about 0.6x a raw grpc.aio stream's messages/s with a p99 progress
# latency near 300 ms; 2.0 gives about 0.35x and 125 ms. Each round is the time a Python write to every
# watcher takes, so both cannot be had at once.
ROUND_FACTOR = 1.0


class Channel:
    """The recent events of one instance, while someone watches it: at most ``ring_size`` events and
    ``ring_bytes`` bytes of them (output events are up to 64 KiB each)."""

    def __init__(self, ring_size: int, ring_bytes: int) -> None:
        self._ring: deque[RecordedEvent] = deque()
        self._ring_size = ring_size
        self._ring_bytes = ring_bytes
        self._bytes = 0
        self._holes = 0  # events in the ring that follow a hole (superseded progress never written)
        self._changed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._memo: asyncio.Future[Any] | None = None
        self._memo_mark = -1
        self._appended = 0  # events appended so far: a memo is current while this has not moved
        self._last_wake = -MAX_PROGRESS_WAKE
        self._deferred: asyncio.TimerHandle | None = None
        self._known = 0  # the highest seq committed anywhere that this channel heard of
        self._complete_after: int | None = None  # see complete_after
        self._waiters: list[asyncio.Future[bool]] = []  # Waiter futures the next wake resolves
        self._batches: dict[int, list[RecordedEvent] | None] = {}  # coalesced_after's, by cursor
        self._batches_state: tuple[int, int, int | None] = (0, 0, None)
        self._round_seconds = 0.0  # how long a round of writes to the watchers took lately (0: not yet)
        self._round_start = 0.0
        self._round_left = 0  # writes still to finish before the round in progress is timed
        self.watchers = 0

    def after(self, seq: int) -> list[RecordedEvent] | None:
        """The events after ``seq``, or None when the ring does not reach back that far, or misses
        events another replica committed."""
        ring = self._ring
        if not ring:
            complete = self._complete_after is not None and self._complete_after <= seq
            return [] if complete and self._known <= seq else None
        if _previous(ring[0]) > seq or ring[-1].seq < self._known:
            return None
        # Seqs count positions in the ring unless progress superseded in its commit left holes in it.
        start = bisect.bisect_right(ring, seq, key=_seq) if self._holes else max(seq + 1 - ring[0].seq, 0)
        return [ring[i] for i in range(start, len(ring))]

    def complete_after(self, seq: int) -> None:
        """Every event after ``seq`` reaches this channel: ``seq`` was read (a snapshot's) while the
        channel existed, so later commits are published to it or noted. Until the first event comes, a
        watcher at or past ``seq`` then needs no read of the store to learn that nothing is new."""
        if self._complete_after is None or seq < self._complete_after:
            self._complete_after = seq

    def coalesced_after(self, seq: int) -> list[RecordedEvent] | None:
        """``after`` with superseded progress dropped (``coalesce``), worked out once per cursor until the
        ring changes: the watchers of one wake mostly hold the same cursor. Do not modify the list."""
        state = (self._appended, self._known, self._complete_after)
        if state != self._batches_state:
            self._batches.clear()
            self._batches_state = state
        try:
            return self._batches[seq]
        except KeyError:
            events = self.after(seq)
            batch = self._batches[seq] = None if events is None else coalesce(events)
            return batch

    def append(self, event: RecordedEvent) -> None:
        ring = self._ring
        if ring and event.seq <= ring[-1].seq:
            return  # already here
        if ring and _previous(event) != ring[-1].seq:
            ring.clear()  # a gap (another writer's events arrived out of order): the store has them
            self._bytes = 0
            self._holes = 0
        ring.append(event)
        self._appended += 1
        self._bytes += len(event.data)
        if event.follows is not None:
            self._holes += 1
        while len(ring) > 1 and (len(ring) > self._ring_size or self._bytes > self._ring_bytes):
            dropped = ring.popleft()
            self._bytes -= len(dropped.data)
            if dropped.follows is not None:
                self._holes -= 1

    @property
    def last_seq(self) -> int:
        return self._ring[-1].seq if self._ring else 0

    def note(self, seq: int, *, progress_only: bool) -> None:
        """Another replica committed this instance's events up to ``seq``."""
        self._known = max(self._known, seq)
        self.wake(progress_only=progress_only)

    @property
    def progress_wake_interval(self) -> float:
        wanted = ROUND_FACTOR * (self._round_seconds or WRITE_SECONDS_PER_WATCHER * self.watchers)
        return min(MAX_PROGRESS_WAKE, max(MIN_PROGRESS_WAKE, wanted))

    def _start_round(self, woken: int) -> None:
        now = asyncio.get_running_loop().time()
        if self._round_left > 0 and now - self._round_start < 5 * MAX_PROGRESS_WAKE:
            return  # the round in progress is still being timed
        self._round_start = now
        self._round_left = max(1, int(ROUND_SHARE * woken))

    def sent_one(self) -> None:
        """A watcher finished a write: once ``ROUND_SHARE`` of the watchers the round woke have, the
        round's time (with whatever else the loop did meanwhile) sets the progress wake interval, so the
        interval follows the machine's load. A few slow readers do not hold it up."""
        if self._round_left > 0:
            self._round_left -= 1
            if self._round_left == 0:
                took = asyncio.get_running_loop().time() - self._round_start
                old = self._round_seconds
                self._round_seconds = took if not old else 0.7 * old + 0.3 * took

    def wake(self, *, progress_only: bool = False) -> None:
        loop = asyncio.get_running_loop()
        if progress_only:
            due = self._last_wake + self.progress_wake_interval
            if loop.time() < due:
                if self._deferred is None:
                    self._deferred = loop.call_at(due, self.wake)
                return
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None
        self._last_wake = loop.time()
        if not self._changed.done():
            self._changed.set_result(None)
        self._changed = loop.create_future()
        waiters, self._waiters = self._waiters, []
        if waiters:
            if len(waiters) > WAKE_CHUNK:  # a round of a few watchers says little about the loop's load
                self._start_round(len(waiters))
            _resolve(waiters, 0)

    def close(self) -> None:
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None

    def waiter(self, heartbeat_interval: float) -> Waiter:
        """A long-lived watcher's own wake-up, cheaper per event than ``mark`` and ``wait``."""
        return Waiter(self, heartbeat_interval)

    def mark(self) -> asyncio.Future[None]:
        """A token that is done once anything is published after this call; take it before reading."""
        return self._changed

    @staticmethod
    async def wait(mark: asyncio.Future[None], timeout: float) -> bool:
        """Waits until ``mark`` is done; False when ``timeout`` seconds passed first.

        asyncio.wait never cancels the shared future and needs no task per waiter.
        """
        if mark.done():
            return True
        done, _ = await asyncio.wait((mark,), timeout=timeout)
        return bool(done)

    async def shared(self, load: Callable[[], Awaitable[Any]]) -> Any:
        """The result of ``load``, computed once for every watcher that asks until the next event arrives.

        Watchers opening together (or all reaching the terminal event) share one read of the instance.
        A failed load is not kept.
        """
        memo = self._memo
        if memo is None or self._memo_mark != self._appended or (memo.done() and memo.exception()):
            memo = self._memo = asyncio.ensure_future(load())
            self._memo_mark = self._appended
        return await asyncio.shield(memo)


class Subscription:
    """A watcher's hold on a channel: a plain object rather than a generator-based context manager, as
    every open stream keeps one for its whole life."""

    __slots__ = ("_channel", "_hub", "_instance_id")

    def __init__(self, hub: EventHub, instance_id: str) -> None:
        self._hub = hub
        self._instance_id = instance_id
        self._channel: Channel | None = None

    def __enter__(self) -> Channel:
        self._channel = self._hub._join(self._instance_id)
        return self._channel

    def __exit__(self, *exc: object) -> None:
        if self._channel is not None:
            self._hub._leave(self._instance_id, self._channel)
            self._channel = None


def _previous(event: RecordedEvent) -> int:
    """The seq of the event before ``event`` in its instance's log."""
    return event.seq - 1 if event.follows is None else event.follows


def _seq(event: RecordedEvent) -> int:
    return event.seq


def _resolve(waiters: list[asyncio.Future[bool]], start: int) -> None:
    """Wakes ``WAKE_CHUNK`` watchers, and the rest on the next turns of the loop."""
    stop = start + WAKE_CHUNK
    for future in waiters[start:stop]:
        if not future.done():
            future.set_result(True)
    if stop < len(waiters):
        asyncio.get_running_loop().call_soon(_resolve, waiters, stop)


class Waiter:
    """How one watcher sleeps until its channel's next wake, or until it is due a heartbeat.

    Each wake costs the watcher one scheduled callback (its task's wake-up): it awaits a future of its own
    that the channel resolves, where ``Channel.wait`` would add a callback hop and a timer per event. The
    heartbeat timer is armed once per idle period, not per event: it fires when the watcher has sent
    nothing for ``interval`` seconds, and moves itself on when something was sent meanwhile.
    """

    __slots__ = ("_channel", "_future", "_interval", "_last", "_loop", "_timer")

    def __init__(self, channel: Channel, interval: float) -> None:
        self._channel = channel
        self._loop = asyncio.get_running_loop()
        self._interval = interval
        self._future: asyncio.Future[bool] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last = self._loop.time()

    def arm(self) -> None:
        """Call before reading the ring or the store: a wake that comes after this is not slept through."""
        future = self._future
        if future is None or future.done():
            future = self._future = self._loop.create_future()
            self._channel._waiters.append(future)

    def sent(self) -> None:
        """The watcher just sent something: its heartbeat is due ``interval`` seconds from now."""
        self._last = self._loop.time()
        self._channel.sent_one()

    async def wait(self) -> bool:
        """Waits for a wake since ``arm``; False when a heartbeat is due instead."""
        future = self._future
        assert future is not None, "arm() first"
        if not future.done():
            if self._timer is None:
                self._timer = self._loop.call_at(self._last + self._interval, self._beat)
            await future
        return future.result()

    def _beat(self) -> None:
        self._timer = None
        due = self._last + self._interval
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._beat)
            return
        future = self._future
        if future is not None and not future.done():
            future.set_result(False)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class EventHub:
    def __init__(self, ring_size: int = 2048, ring_bytes: int = 4 * 1024 * 1024) -> None:
        self._ring_size = ring_size
        self._ring_bytes = ring_bytes
        self._channels: dict[str, Channel] = {}
        self.closed = False

    def publish(self, events: Iterable[RecordedEvent]) -> None:
        """Called after each commit, in commit order, with the events the transaction recorded."""
        touched: dict[str, tuple[Channel, bool]] = {}
        for event in events:
            channel = self._channels.get(event.instance_id)
            if channel is not None:
                channel.append(event)
                _, progress_only = touched.get(event.instance_id, (channel, True))
                touched[event.instance_id] = (channel, progress_only and event.kind == PROGRESS)
        for channel, progress_only in touched.values():
            channel.wake(progress_only=progress_only)

    def note(self, instance_id: str, seq: int, *, progress_only: bool) -> None:
        """Another replica committed events of ``instance_id`` up to ``seq``."""
        channel = self._channels.get(instance_id)
        if channel is not None:
            channel.note(seq, progress_only=progress_only)

    def resync(self) -> None:
        """Notes from other replicas may have been lost: every watcher re-reads the store."""
        for channel in self._channels.values():
            channel.note(channel.last_seq + 1, progress_only=False)

    def subscribe(self, instance_id: str) -> Subscription:
        """``with hub.subscribe(instance_id) as channel``: the instance's channel while the block runs."""
        return Subscription(self, instance_id)

    def _join(self, instance_id: str) -> Channel:
        channel = self._channels.get(instance_id)
        if channel is None:
            channel = self._channels[instance_id] = Channel(self._ring_size, self._ring_bytes)
        channel.watchers += 1
        return channel

    def _leave(self, instance_id: str, channel: Channel) -> None:
        channel.watchers -= 1
        if channel.watchers == 0:
            channel.close()
            del self._channels[instance_id]

    def close(self) -> None:
        """Server draining: wakes every watcher so it can end its stream with a cursor."""
        self.closed = True
        for channel in self._channels.values():
            channel.wake()

    @property
    def watched_instances(self) -> int:
        return len(self._channels)

    @property
    def watchers(self) -> int:
        return sum(channel.watchers for channel in self._channels.values())


def coalesce(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """Drops progress events that a later progress event of the same task in ``events`` replaces.

    Every other event is kept, in order. A watcher that keeps up gets batches of one and loses nothing;
    one that fell behind gets each task's latest progress instead of its whole history.
    """
    if len(events) < 2:
        return list(events)
    latest: dict[int, int] = {}
    for event in events:
        if event.kind == PROGRESS:
            latest[event.task_id] = event.seq
    if len(latest) == sum(1 for e in events if e.kind == PROGRESS):
        return list(events)
    return [e for e in events if e.kind != PROGRESS or latest[e.task_id] == e.seq]
