"""Worker reports that queued up while the server was busy: only each attempt's latest progress stays."""

from __future__ import annotations

from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.api.worker_servicer import latest_progress_only, runs_of_reports


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


def test_runs_of_plain_reports_are_grouped_and_status_reports_stand_alone() -> None:
    started = wpb.ConnectRequest(started=wpb.TaskStarted(assignment_id="1-1"))
    output = wpb.ConnectRequest(output=wpb.TaskOutputChunk(assignment_id="1-1", data=b"x"))
    batch = [started, progress("1-1", 1), output, progress("2-1", 3), finished("1-1"), output]
    groups = runs_of_reports(batch)
    assert [[r.WhichOneof("message") for r in g] for g in groups] == [
        ["started"],
        ["progress", "output", "progress"],
        ["finished"],
        ["output"],
    ]
