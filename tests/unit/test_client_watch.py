"""Instance.watch() against the fake's event log: the events, resuming a dropped stream, how it ends."""

from __future__ import annotations

import datetime as dt
import itertools

import grpc
import pytest

import taskstream
from taskstream import _retry, errors
from taskstream._events import (
    Heartbeat,
    InstanceSnapshot,
    InstanceStatusChanged,
    SubInstanceCreated,
    TaskOutputAppended,
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskStatusChanged,
)
from taskstream._watch import Handles, WatchCursor, build_event
from taskstream.status import InstanceStatus, TaskStatus
from taskstream.v1 import event_pb2, instance_pb2, instance_service_pb2, task_pb2
from tests.unit.client_fake_streams import Fault
from tests.unit.test_client_fake import serve, task

RUNNING = task_pb2.TASK_STATUS_RUNNING
SUCCESS = task_pb2.TASK_STATUS_SUCCESS
FAILED = task_pb2.TASK_STATUS_FAILED
DRAINING = instance_service_pb2.WATCH_END_REASON_SERVER_DRAINING
DELETED = instance_service_pb2.WATCH_END_REASON_INSTANCE_DELETED


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry, "STREAM_RETRY", _retry.RetryPolicy(first_delay=0, max_delay=0))


def seqs(events: list[object]) -> list[int]:
    return [event.seq for event in events]  # type: ignore[attr-defined]


def test_a_watch_yields_a_snapshot_then_each_change_then_the_terminal_snapshot() -> None:
    with serve() as (fake, client):
        data = fake.add([task("a"), task("b")])
        instance = client.get_instance(data.id)
        events = instance.watch()
        first = next(events)
        assert isinstance(first, InstanceSnapshot) and first.seq == 0 and first.instance is instance
        fake.emit_task_status(data, "a", RUNNING)
        fake.emit_progress(data, "a", 40, "reading")
        fake.finish_with_events(data, SUCCESS, FAILED)
        rest = list(events)

    assert [type(e) for e in rest] == [
        TaskStatusChanged, TaskProgressUpdated, TaskStatusChanged, TaskStatusChanged, InstanceStatusChanged,
        InstanceSnapshot,
    ]  # fmt: skip
    assert seqs(rest) == [1, 2, 3, 4, 5, 5]
    started, progress, _, b_done, ended, last = rest
    assert isinstance(started, TaskStatusChanged)
    assert (started.task_name, started.previous_status, started.status) == (
        "a",
        TaskStatus.WAITING,
        TaskStatus.RUNNING,
    )
    assert started.task is instance.get_task("a")
    assert started.time == dt.datetime.fromtimestamp(1_700_000_001, dt.UTC)
    assert isinstance(progress, TaskProgressUpdated)
    assert (progress.task_name, progress.progress.percent, progress.progress.message) == ("a", 40, "reading")
    assert isinstance(b_done, TaskStatusChanged) and b_done.status is TaskStatus.FAILED
    assert isinstance(ended, InstanceStatusChanged)
    assert (ended.previous_status, ended.status, ended.successful) == (
        InstanceStatus.RUNNING, InstanceStatus.TERMINATED, False,
    )  # fmt: skip
    assert isinstance(last, InstanceSnapshot) and last.instance is instance
    # The snapshots refreshed the handle: a terminated instance needs no further call.
    calls = len(fake.calls)
    assert instance.status is InstanceStatus.TERMINATED
    statuses = instance.get_task_statuses()
    assert {name: t.task_status for name, t in statuses.items()} == {
        "a": TaskStatus.SUCCESS,
        "b": TaskStatus.FAILED,
    }
    assert len(fake.calls) == calls


def test_a_terminated_instance_yields_its_snapshot_only() -> None:
    with serve() as (fake, client):
        data = fake.add(status=instance_pb2.INSTANCE_STATUS_TERMINATED)
        events = list(client.get_instance(data.id).watch())
    assert len(events) == 1 and isinstance(events[0], InstanceSnapshot)


def test_after_seq_resumes_without_a_snapshot() -> None:
    with serve() as (fake, client):
        data = fake.add()
        fake.emit_task_status(data, "AnonymousSQLTask", RUNNING)
        fake.emit_progress(data, "AnonymousSQLTask", 10)
        fake.finish_with_events(data)
        events = list(client.get_instance(data.id).watch(after_seq=2))
        (request,) = fake.requests("WatchInstance")
    assert request.after_seq == 2 and request.include_output is False
    assert [type(e) for e in events] == [TaskStatusChanged, InstanceStatusChanged, InstanceSnapshot]
    assert seqs(events) == [3, 4, 4]
    with pytest.raises(ValueError):
        client.get_instance(data.id).watch(after_seq=-1)


def test_a_stream_cut_mid_way_resumes_from_the_last_seq_without_duplicates() -> None:
    with serve() as (fake, client):
        data = fake.add()
        fake.replay = 1  # each resumed stream sends an event again, which the client must skip
        fake.watch_faults += [
            Fault(after=3, code=grpc.StatusCode.INTERNAL),  # after the snapshot and two events
            Fault(after=2, code=grpc.StatusCode.UNAVAILABLE),  # after the replayed event and one more
        ]
        events = client.get_instance(data.id).watch()
        assert isinstance(next(events), InstanceSnapshot)
        for percent in (10, 20, 30, 40):
            fake.emit_progress(data, "AnonymousSQLTask", percent)
        fake.finish_with_events(data)
        rest = list(events)
        requests = fake.requests("WatchInstance")
    assert [r.after_seq for r in requests] == [0, 2, 3]
    assert seqs(rest) == [1, 2, 3, 4, 5, 6, 6]
    assert [e.progress.percent for e in rest if isinstance(e, TaskProgressUpdated)] == [10, 20, 30, 40]
    assert isinstance(rest[-1], InstanceSnapshot)


def test_a_stream_that_closes_before_the_end_is_resumed() -> None:
    with serve() as (fake, client):
        data = fake.add()
        fake.watch_faults.append(Fault(after=2, close=True))
        events = client.get_instance(data.id).watch()
        assert isinstance(next(events), InstanceSnapshot)
        fake.emit_progress(data, "AnonymousSQLTask", 10)
        fake.finish_with_events(data)
        rest = list(events)
        requests = fake.requests("WatchInstance")
    assert [r.after_seq for r in requests] == [0, 1]
    assert seqs(rest) == [1, 2, 3, 3]


def test_server_draining_and_consumer_too_slow_are_resumed() -> None:
    with serve() as (fake, client):
        data = fake.add()
        fake.emit_progress(data, "AnonymousSQLTask", 10)
        fake.emit_progress(data, "AnonymousSQLTask", 20)
        fake.finish_with_events(data)
        fake.watch_faults += [
            Fault(after=1, end_reason=DRAINING),
            Fault(after=1, code=grpc.StatusCode.RESOURCE_EXHAUSTED, reason="CONSUMER_TOO_SLOW"),
        ]
        events = list(client.get_instance(data.id).watch(after_seq=1))
        requests = fake.requests("WatchInstance")
    assert [r.after_seq for r in requests] == [1, 2, 3]
    assert seqs(events) == [2, 3, 4, 4]


def test_an_unknown_or_deleted_instance_is_not_found_without_retrying() -> None:
    with serve() as (fake, client):
        with pytest.raises(errors.NotFoundError):
            next(client.get_instance("missing").watch())
        assert len(fake.requests("WatchInstance")) == 1
        data = fake.add()
        fake.watch_faults.append(Fault(after=1, end_reason=DELETED))
        events = client.get_instance(data.id).watch()
        assert isinstance(next(events), InstanceSnapshot)
        with pytest.raises(errors.NotFoundError, match="deleted") as caught:
            next(events)
        assert caught.value.reason == "INSTANCE_DELETED"
        assert len(fake.requests("WatchInstance")) == 2


def test_a_watch_gives_up_after_eight_failures_in_a_row() -> None:
    with serve() as (fake, client):
        data = fake.add(status=instance_pb2.INSTANCE_STATUS_TERMINATED)
        fake.watch_faults += [Fault() for _ in range(8)]
        with pytest.raises(errors.UnavailableError):
            list(client.get_instance(data.id).watch())
        assert len(fake.requests("WatchInstance")) == 8
        fake.watch_faults += [Fault() for _ in range(7)]
        assert len(list(client.get_instance(data.id).watch())) == 1  # the eighth try succeeds


def test_heartbeats_are_yielded_only_when_asked_for() -> None:
    with serve() as (fake, client):
        fake.heartbeats = 2
        data = fake.add()
        fake.emit_progress(data, "AnonymousSQLTask", 10)
        fake.finish_with_events(data)
        quiet = list(client.get_instance(data.id).watch(after_seq=1))
        beating = list(client.get_instance(data.id).watch(after_seq=1, heartbeats=True))
    assert seqs(quiet) == [2, 3, 3]
    assert [type(e) for e in beating[:3]] == [Heartbeat, Heartbeat, TaskStatusChanged]
    assert seqs(beating) == [1, 1, 2, 3, 3]


def test_include_output_is_sent_and_closing_the_iterator_cancels_the_call() -> None:
    with serve() as (fake, client):
        data = fake.add()
        events = client.get_instance(data.id).watch(include_output=True)
        assert isinstance(next(events), InstanceSnapshot)
        assert fake.requests("WatchInstance")[0].include_output is True
        events.close()
        assert fake.stream_ended.wait(5)


def test_every_kind_of_change_becomes_its_event() -> None:
    made: list[str] = []
    handles = Handles(
        snapshot=lambda data: "snapshot",
        task=lambda name: made.append(f"task {name}") or f"<task {name}>",
        instance=lambda name: made.append(f"instance {name}") or f"<instance {name}>",
    )
    cases = {
        "task_property_updated": event_pb2.TaskPropertyUpdated(
            task="t", key="k", value=task_pb2.PropertyValue(int_value=7)
        ),
        "task_output_appended": event_pb2.TaskOutputAppended(
            task="t", stream=task_pb2.OUTPUT_STREAM_STDERR, offset=5, data=b"x", attempt=2
        ),
        "sub_instance_created": event_pb2.SubInstanceCreated(
            instance="projects/p/instances/1", name="n", task="t"
        ),
        "task_status_changed": event_pb2.TaskStatusChanged(
            previous_status=RUNNING, task=task_pb2.Task(name="t", status=task_pb2.TASK_STATUS_CANCELLED)
        ),
    }
    seq = itertools.count(1)
    built = {
        kind: build_event(event_pb2.InstanceEvent(seq=next(seq), **{kind: change}), handles)
        for kind, change in cases.items()
    }
    prop = built["task_property_updated"]
    assert isinstance(prop, TaskPropertyUpdated) and (prop.task_name, prop.key, prop.value) == ("t", "k", 7)
    output = built["task_output_appended"]
    assert output == TaskOutputAppended(
        2,
        dt.datetime.fromtimestamp(0, dt.UTC),
        task_name="t",
        stream="stderr",
        offset=5,
        data=b"x",
        attempt=2,
    )
    sub = built["sub_instance_created"]
    assert isinstance(sub, SubInstanceCreated)
    assert (sub.name, sub.instance, sub.task_name) == ("n", "<instance projects/p/instances/1>", "t")
    status = built["task_status_changed"]
    assert isinstance(status, TaskStatusChanged) and status.status is TaskStatus.CANCELLED
    assert made == ["instance projects/p/instances/1", "task t"]
    assert build_event(event_pb2.InstanceEvent(seq=9), handles) is None  # a change this client does not know


def test_retry_delays_start_at_zero_then_double_up_to_the_cap() -> None:
    policy = _retry.RetryPolicy(attempts=8, first_delay=0.1, max_delay=0.5)
    assert [policy.delay(n) for n in range(1, 7)] == [0.0, 0.1, 0.2, 0.4, 0.5, 0.5]


def test_events_are_exported_and_frozen() -> None:
    event = taskstream.Heartbeat(1, dt.datetime.now(dt.UTC))
    with pytest.raises(AttributeError):
        event.seq = 2  # type: ignore[misc]
    assert taskstream.InstanceSnapshot is InstanceSnapshot


def test_a_batch_of_changes_yields_each_in_order_and_none_the_cursor_passed() -> None:
    handles: Handles[object, object] = Handles(lambda data: data, lambda name: name, lambda name: name)
    cursor = WatchCursor(
        "projects/p/instances/i", handles, after_seq=3, include_output=False, heartbeats=False, target="t"
    )
    assert cursor.request().accept_batches  # the client reads batches: the server may send them
    progress = [
        event_pb2.InstanceEvent(seq=seq, task_progress_updated=event_pb2.TaskProgressUpdated(task="t"))
        for seq in (2, 3, 4, 5, 6)
    ]
    response = instance_service_pb2.WatchInstanceResponse(
        events=instance_service_pb2.EventBatch(events=progress)
    )
    events, finished = cursor.receive(response)
    assert [e.seq for e in events] == [4, 5, 6] and not finished  # 2 and 3 were yielded before a resume
    assert cursor.seq == 6 and cursor.request().after_seq == 6
