"""The in-memory fan-out of committed events: the ring, wake-ups and coalescing."""

from __future__ import annotations

import asyncio

from taskstreamd.core.fanout import Channel, EventHub, coalesce
from taskstreamd.domain.events import EventKind
from taskstreamd.domain.events import RecordedEvent as StoredEvent

OUTPUT, PROGRESS, TASK_STATUS = EventKind.OUTPUT, EventKind.PROGRESS, EventKind.TASK_STATUS


def event(seq: int, kind: int = TASK_STATUS, task_id: int = 0, instance_id: str = "i") -> StoredEvent:
    return StoredEvent(instance_id, seq, kind, b"x%d" % seq, task_id)


async def test_the_ring_serves_events_after_a_cursor_it_reaches_back_to() -> None:
    hub = EventHub(ring_size=3)
    with hub.subscribe("i") as channel:
        assert channel.after(0) is None  # nothing yet: the store has the answer
        hub.publish([event(1), event(2), event(3), event(4)])
        assert [e.seq for e in channel.after(2) or []] == [3, 4]
        assert channel.after(4) == []
        assert [e.seq for e in channel.after(1) or []] == [2, 3, 4]
        assert channel.after(0) is None  # seq 1 fell out of the ring: read the store


async def test_the_ring_also_keeps_within_its_byte_budget() -> None:
    hub = EventHub(ring_size=100, ring_bytes=10)
    with hub.subscribe("i") as channel:
        hub.publish([StoredEvent("i", seq, OUTPUT, b"12345") for seq in (1, 2, 3)])
        assert channel.after(0) is None  # seq 1 was dropped to stay within 10 bytes
        assert [e.seq for e in channel.after(1) or []] == [2, 3]


async def test_a_gap_clears_the_ring_so_watchers_read_the_store() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        hub.publish([event(1), event(2)])
        hub.publish([event(4)])  # 3 was committed by another writer and not seen here yet
        assert channel.after(2) is None
        assert [e.seq for e in channel.after(3) or []] == [4]
        hub.publish([event(3)])  # late: already behind the ring
        assert [e.seq for e in channel.after(3) or []] == [4]


async def test_publish_wakes_waiters_of_that_instance_only() -> None:
    hub = EventHub()
    with hub.subscribe("a") as a, hub.subscribe("b") as b:
        mark_a, mark_b = a.mark(), b.mark()
        hub.publish([event(1, instance_id="a")])
        assert await Channel.wait(mark_a, 5.0)
        assert not await Channel.wait(mark_b, 0.01)


async def test_a_mark_taken_before_a_publish_is_already_done() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        mark = channel.mark()
        hub.publish([event(1)])
        assert mark.done()  # so a watcher that read before the publish does not sleep through it


async def test_close_wakes_everyone_and_channels_go_with_their_last_watcher() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        mark = channel.mark()
        waiter = asyncio.ensure_future(Channel.wait(mark, 5.0))
        hub.close()
        assert await waiter and hub.closed
    assert hub.watched_instances == 0


def test_coalesce_keeps_each_tasks_latest_progress_and_every_other_event() -> None:
    batch = [
        event(1, PROGRESS, task_id=7),
        event(2, TASK_STATUS),
        event(3, PROGRESS, task_id=8),
        event(4, PROGRESS, task_id=7),
        event(5, OUTPUT),
    ]
    assert [e.seq for e in coalesce(batch)] == [2, 3, 4, 5]
    keeping_up = [event(1, PROGRESS, task_id=7), event(2)]
    assert coalesce(keeping_up) == keeping_up


def test_an_event_is_shared_as_a_serialized_watch_response() -> None:
    from taskstream.v1 import event_pb2
    from taskstream.v1 import instance_service_pb2 as pb
    from taskstreamd.core.watch import Snapshot
    from taskstreamd.wire import watch_messages

    data = event_pb2.InstanceEvent(seq=300, task_progress_updated={"task": "t" * 200}).SerializeToString()
    event = StoredEvent("i", 300, PROGRESS, data)
    shared = watch_messages.message(event)
    assert isinstance(shared, bytes) and watch_messages.message(event) is shared  # framed once, then shared
    assert not isinstance(event, Snapshot)
    assert pb.WatchInstanceResponse.FromString(shared).event.seq == 300
    assert (
        shared == pb.WatchInstanceResponse(event=event_pb2.InstanceEvent.FromString(data)).SerializeToString()
    )


async def test_progress_alone_wakes_watchers_at_a_paced_interval_and_status_at_once() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        hub.publish([event(1, PROGRESS, task_id=7)])  # the first wake is immediate
        mark = channel.mark()
        hub.publish([event(2, PROGRESS, task_id=7)])
        assert not mark.done(), "a second progress within the interval waits"
        assert [e.seq for e in channel.after(1) or []] == [2], "but it is in the ring already"
        assert await Channel.wait(mark, 5.0), "the held wake comes when the interval ends"
        mark = channel.mark()
        hub.publish([event(3, PROGRESS, task_id=7)])
        hub.publish([event(4, TASK_STATUS)])
        assert mark.done(), "a status change wakes at once"


async def test_a_shared_result_is_reloaded_once_an_event_arrived_even_if_its_wake_is_held() -> None:
    hub = EventHub()
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        return loads

    with hub.subscribe("i") as channel:
        hub.publish([event(1, PROGRESS, task_id=7)])
        assert await channel.shared(load) == 1
        assert await channel.shared(load) == 1  # nothing new: the same read serves everyone
        hub.publish([event(2, PROGRESS, task_id=7)])  # its wake is held back, the event is not
        assert await channel.shared(load) == 2


async def test_a_note_from_another_replica_sends_watchers_to_the_store_until_the_ring_catches_up() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        hub.publish([event(1), event(2)])
        mark = channel.mark()
        hub.note("i", 3, progress_only=False)  # seq 3 was committed by another replica
        assert mark.done()
        assert channel.after(2) is None  # the ring lacks 3: read the store
        assert channel.after(3) is None
        hub.publish([event(4)])  # a local commit after it: the ring starts again at 4
        assert [e.seq for e in channel.after(3) or []] == [4]


async def test_a_late_local_publish_cannot_hide_a_remote_commit() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        hub.note("i", 2, progress_only=False)  # another replica's seq 2 was heard of first
        hub.publish([event(1)])  # then this replica's own seq 1 is published
        assert channel.after(0) is None  # the ring alone would end at 1 and miss 2


async def test_resync_makes_every_watcher_reread_the_store() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        hub.publish([event(1)])
        mark = channel.mark()
        hub.resync()
        assert mark.done()
        assert channel.after(0) is None


def test_each_event_is_framed_once_and_the_same_bytes_go_to_every_watcher() -> None:
    from taskstreamd.wire import watch_messages

    shared = event(1, PROGRESS, task_id=7)
    assert watch_messages.message(shared) is watch_messages.message(shared)


async def test_an_armed_waiter_cannot_sleep_through_a_publish() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        waiter = channel.waiter(heartbeat_interval=60.0)
        waiter.arm()  # armed, then (in a watcher) the ring is read; the publish comes in between
        hub.publish([event(1)])
        assert await waiter.wait()
        waiter.arm()
        waiter.arm()  # arming again before a wake keeps the one pending future
        hub.publish([event(2)])
        assert await waiter.wait()
        waiter.close()


async def test_a_waiter_is_due_a_heartbeat_only_when_it_sent_nothing_for_its_interval() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        waiter = channel.waiter(heartbeat_interval=0.01)
        waiter.arm()
        assert not await waiter.wait(), "nothing came: a heartbeat is due"
        waiter.sent()
        waiter.arm()
        hub.publish([event(1)])
        assert await waiter.wait(), "a wake is not a heartbeat"
        waiter.close()


async def test_many_watchers_are_woken_a_chunk_per_loop_turn_and_all_of_them() -> None:
    from taskstreamd.core.fanout import WAKE_CHUNK

    hub = EventHub()
    with hub.subscribe("i") as channel:
        waiters = [channel.waiter(heartbeat_interval=60.0) for _ in range(3 * WAKE_CHUNK + 1)]
        for waiter in waiters:
            waiter.arm()
        hub.publish([event(1)])
        woken = [w._future is not None and w._future.done() for w in waiters]
        assert sum(woken) == WAKE_CHUNK, "the first chunk at once, the others on the next turns"
        for _ in range(10):  # bounded: four chunks need four turns
            await asyncio.sleep(0)
        assert all(await asyncio.gather(*(w.wait() for w in waiters)))
        assert channel._round_left > 0, "the round is timed until most of its watchers wrote"
        for waiter in waiters:
            waiter.sent()
        assert channel._round_left == 0, "and then it was timed, for the progress interval"
        for waiter in waiters:
            waiter.close()


async def test_a_lagging_watcher_gets_every_status_change_the_terminal_event_and_the_latest_progress() -> (
    None
):
    hub = EventHub()
    with hub.subscribe("i") as channel:
        history = [event(1, PROGRESS, task_id=7), event(2, TASK_STATUS)]
        history += [event(seq, PROGRESS, task_id=7) for seq in range(3, 50)]
        history += [event(50, TASK_STATUS), event(51, PROGRESS, task_id=7)]
        history += [StoredEvent("i", 52, TASK_STATUS, b"end", terminal=True)]
        for one in history:
            hub.publish([one])  # a watcher that read nothing meanwhile finds all of it in the ring
        sent = coalesce(channel.after(0) or [])
        assert [e.seq for e in sent] == [2, 50, 51, 52]  # progress 49 is replaced by 51, as in the log
        assert sent[-1].terminal


async def test_the_coalesced_batch_is_worked_out_once_per_cursor_until_the_ring_changes() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        hub.publish([event(1, PROGRESS, task_id=7), event(2, PROGRESS, task_id=7), event(3)])
        first = channel.coalesced_after(0)
        assert first is not None and [e.seq for e in first] == [2, 3]
        assert channel.coalesced_after(0) is first, "the next watcher with that cursor gets the same list"
        assert [e.seq for e in channel.coalesced_after(1) or []] == [2, 3]
        hub.publish([event(4, PROGRESS, task_id=7)])
        assert [e.seq for e in channel.coalesced_after(0) or []] == [3, 4], "a new event: worked out again"
        hub.note("i", 5, progress_only=False)
        assert channel.coalesced_after(0) is None, "another replica's commit sends watchers to the store"


async def test_a_channel_complete_after_a_snapshot_answers_nothing_new_without_the_store() -> None:
    hub = EventHub()
    with hub.subscribe("i") as channel:
        assert channel.after(5) is None, "nothing known yet: the store has the answer"
        channel.complete_after(5)  # a snapshot at seq 5 was read after subscribing
        assert channel.after(5) == [] and channel.after(6) == []
        assert channel.after(4) is None, "a cursor before the snapshot still reads the store"
        hub.note("i", 6, progress_only=False)  # another replica committed seq 6
        assert channel.after(5) is None
    with hub.subscribe("i") as channel:
        channel.complete_after(5)
        hub.publish([event(6)])
        assert [e.seq for e in channel.after(5) or []] == [6]


async def test_a_hole_left_by_progress_superseded_in_its_commit_keeps_the_ring() -> None:
    """Seq 3 (a progress that seq 5 replaced before either was written) was never published: watchers
    before and after the hole keep reading the ring, not the store."""
    hub = EventHub()
    with hub.subscribe("i") as channel:
        hub.publish([event(1), event(2, PROGRESS, task_id=7)])
        later = event(4)
        later.follows = 2
        hub.publish([later, event(5, PROGRESS, task_id=7)])
        assert [e.seq for e in channel.after(2) or []] == [4, 5]
        assert [e.seq for e in channel.after(1) or []] == [2, 4, 5]
        assert [e.seq for e in channel.after(4) or []] == [5]
        assert [e.seq for e in channel.coalesced_after(1) or []] == [4, 5]  # 5 replaces 2


async def test_a_ring_that_starts_after_a_hole_serves_cursors_in_the_hole() -> None:
    hub = EventHub(ring_size=2)
    with hub.subscribe("i") as channel:
        hub.publish([event(1), event(2)])
        after_hole = event(5)
        after_hole.follows = 2
        hub.publish([after_hole, event(6)])  # 1 and 2 fall out of the two-event ring
        assert [e.seq for e in channel.after(2) or []] == [5, 6]
        assert channel.after(1) is None  # 2 is not in the ring any more: read the store
