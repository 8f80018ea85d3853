"""A worker's unsent reports: order kept, stale progress of an attempt dropped, progress paced."""

from __future__ import annotations

from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.workers.outbox import Outbox


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


async def drain(outbox: Outbox, count: int) -> list[str]:
    return [describe(await outbox.get()) for _ in range(count)]


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
    assert await drain(outbox, 3) == ["started", "progress 2-1 5", "progress 1-1 3"]


async def test_progress_within_the_interval_is_held_and_the_latest_released() -> None:
    outbox = Outbox(progress_interval=0.05)
    outbox.put(progress("1-1", 1))
    outbox.put(progress("1-1", 2))  # within the interval: held
    outbox.put(progress("1-1", 3))  # replaces the held one
    assert await drain(outbox, 2) == ["progress 1-1 1", "progress 1-1 3"]  # the second once the timer fires


async def test_an_attempts_end_releases_its_held_progress_first() -> None:
    outbox = Outbox(progress_interval=60)
    outbox.put(progress("1-1", 1))
    assert await drain(outbox, 1) == ["progress 1-1 1"]
    outbox.put(progress("1-1", 100))  # held for a minute
    outbox.put(finished("1-1"))
    assert await drain(outbox, 2) == ["progress 1-1 100", "finished"]
    assert len(outbox) == 0
