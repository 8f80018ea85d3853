"""Worker reports that queued up while the server was busy: only each attempt's latest progress stays."""

from __future__ import annotations

from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.api.worker_servicer import MAX_REPORTS_PER_TRANSACTION, chunks, latest_progress_only


def progress(assignment: str, percent: int) -> wpb.ConnectRequest:
    report = wpb.TaskProgressReport(assignment_id=assignment, progress=task_pb2.Progress(percent=percent))
    return wpb.ConnectRequest(progress=report)


def finished(assignment: str) -> wpb.ConnectRequest:
    return wpb.ConnectRequest(finished=wpb.TaskFinished(assignment_id=assignment))


def describe(batch: list[wpb.ConnectRequest]) -> list[tuple[str, str, int]]:
    out = []
    for r in batch:
        kind = r.WhichOneof("message")
        if kind == "progress":
            out.append((kind, r.progress.assignment_id, r.progress.progress.percent))
        else:
            out.append((kind, r.finished.assignment_id, 0))
    return out


def test_each_attempts_latest_progress_stays_in_place_before_its_end() -> None:
    batch = [
        progress("1-1", 10),
        progress("2-1", 5),
        progress("1-1", 20),
        finished("1-1"),
        progress("2-1", 7),
    ]
    assert describe(latest_progress_only(batch)) == [
        ("progress", "1-1", 20),
        ("finished", "1-1", 0),
        ("progress", "2-1", 7),
    ]


def test_a_batch_without_repeats_is_unchanged() -> None:
    batch = [progress("1-1", 10), finished("1-1")]
    assert latest_progress_only(batch) == batch


def test_a_batch_is_cut_into_bounded_transactions_in_order() -> None:
    batch = [progress(f"{i}-1", i) for i in range(MAX_REPORTS_PER_TRANSACTION * 2 + 1)]
    cut = chunks(batch)
    assert [len(c) for c in cut] == [MAX_REPORTS_PER_TRANSACTION, MAX_REPORTS_PER_TRANSACTION, 1]
    assert [r for c in cut for r in c] == batch
