"""A worker's unsent reports: taken all at once in order, stale progress of an attempt dropped, progress
paced, a task's last progress never overtaken by an older one, and packed into batches."""

from __future__ import annotations

from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.workers.outbox import MAX_BATCH_BYTES, Outbox, pack


def progress(assignment: str, percent: int) -> wpb.ConnectRequest:
    report = wpb.TaskProgressReport(assignment_id=assignment, progress=task_pb2.Progress(percent=percent))
    return wpb.ConnectRequest(progress=report)


def started(assignment: str) -> wpb.ConnectRequest:
    return wpb.ConnectRequest(started=wpb.TaskStarted(assignment_id=assignment))


def finished(assignment: str) -> wpb.ConnectRequest:
    return wpb.ConnectRequest(finished=wpb.TaskFinished(assignment_id=assignment))


def describe(r: wpb.ConnectRequest) -> str:
    kind = r.WhichOneof("message") or ""
    return f"{kind} {r.progress.assignment_id} {r.progress.progress.percent}" if kind == "progress" else kind


async def take(outbox: Outbox) -> list[str]:
    return [describe(r) for r in await outbox.take()]


class Clock:
    """The outbox's time, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_everything_ready_is_taken_at_once_in_order() -> None:
    outbox = Outbox(progress_interval=0)
    for request in (started("1-1"), progress("1-1", 5), finished("1-1"), started("2-1")):
        outbox.put(request)
    assert await take(outbox) == ["started", "progress 1-1 5", "finished", "started"]
    assert len(outbox) == 0


async def test_unpaced_queued_progress_collapses_to_the_latest_of_each_attempt() -> None:
    outbox = Outbox(progress_interval=0)
    for request in (
        started("1-1"),
        progress("1-1", 1),
        progress("2-1", 5),
        progress("1-1", 2),
        progress("1-1", 3),
    ):
        outbox.put(request)
    assert len(outbox) == 3
    assert await take(outbox) == ["started", "progress 2-1 5", "progress 1-1 3"]


async def test_progress_within_the_interval_is_held_and_the_latest_released() -> None:
    outbox = Outbox(progress_interval=0.05)
    outbox.put(progress("1-1", 1))
    outbox.put(progress("1-1", 2))  # within the interval: held
    outbox.put(progress("1-1", 3))  # replaces the held one
    assert await take(outbox) == ["progress 1-1 1"]
    assert await take(outbox) == ["progress 1-1 3"]  # once the timer fires


async def test_an_attempts_end_releases_its_held_progress_first() -> None:
    outbox = Outbox(progress_interval=60)
    outbox.put(progress("1-1", 1))
    assert await take(outbox) == ["progress 1-1 1"]
    outbox.put(progress("1-1", 100))  # held for a minute
    outbox.put(finished("1-1"))
    assert await take(outbox) == ["progress 1-1 100", "finished"]
    assert len(outbox) == 0


async def test_a_held_progress_is_never_sent_after_a_newer_one() -> None:
    # The interval ends before the timer releasing the held progress has run (a busy loop runs timers
    # late): the newer progress goes out, and the older one must be gone rather than follow it.
    clock = Clock()
    outbox = Outbox(progress_interval=0.05, clock=clock)
    outbox.put(progress("1-1", 10))
    assert await take(outbox) == ["progress 1-1 10"]
    clock.now = 0.01
    outbox.put(progress("1-1", 20))  # within the interval: held
    clock.now = 1.0
    outbox.put(progress("1-1", 30))  # past it: queued at once
    assert await take(outbox) == ["progress 1-1 30"]
    assert len(outbox) == 0  # nothing left that could still go out after 30
    outbox.put(finished("1-1"))
    assert await take(outbox) == ["finished"]


def test_pack_batches_in_order_and_starts_a_new_batch_past_the_byte_limit() -> None:
    big = wpb.ConnectRequest(
        output=wpb.TaskOutputChunk(assignment_id="1-1", data=b"x" * (MAX_BATCH_BYTES // 2))
    )
    requests = [started("1-1"), big, big, finished("1-1")]
    packed = pack(requests)
    assert [p.WhichOneof("message") for p in packed] == ["batch", "batch"]
    assert [list(p.batch.messages) for p in packed] == [requests[:2], requests[2:]]
    assert pack([started("2-1")]) == [started("2-1")]  # a lone report goes as itself
