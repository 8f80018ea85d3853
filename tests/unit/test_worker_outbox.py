"""A worker's unsent reports: order kept, stale progress of an attempt dropped."""

from __future__ import annotations

from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.workers.outbox import Outbox


def progress(assignment: str, percent: int) -> wpb.ConnectRequest:
    report = wpb.TaskProgressReport(assignment_id=assignment, progress=task_pb2.Progress(percent=percent))
    return wpb.ConnectRequest(progress=report)


def started(assignment: str) -> wpb.ConnectRequest:
    return wpb.ConnectRequest(started=wpb.TaskStarted(assignment_id=assignment))


async def drain(outbox: Outbox) -> list[str]:
    out = []
    while len(outbox):
        r = await outbox.get()
        kind = r.WhichOneof("message")
        out.append(
            f"{kind} {r.progress.assignment_id} {r.progress.progress.percent}" if kind == "progress" else kind
        )
    return out


async def test_queued_progress_collapses_to_the_latest_of_each_attempt() -> None:
    outbox = Outbox()
    for request in (
        started("1-1"),
        progress("1-1", 1),
        progress("2-1", 5),
        progress("1-1", 2),
        progress("1-1", 3),
    ):
        outbox.put(request)
    assert await drain(outbox) == ["started", "progress 2-1 5", "progress 1-1 3"]


async def test_progress_sent_before_a_newer_one_arrives_is_not_lost() -> None:
    outbox = Outbox()
    outbox.put(progress("1-1", 1))
    assert (await outbox.get()).progress.progress.percent == 1
    outbox.put(progress("1-1", 2))
    assert await drain(outbox) == ["progress 1-1 2"]
