"""What the command line prints of a task that did not succeed: escaped, shortened, in order."""

from __future__ import annotations

from taskstream.cli._format import TRACEBACK_LINES, printable, task_failure, task_json, task_status_text
from taskstream.v1 import task_pb2


def test_control_characters_from_tasks_are_shown_escaped() -> None:
    assert printable("a\x1b]0;pwned\x07b\tc\nd\x9be") == "a\\x1b]0;pwned\\x07b\tc\nd\\x9be"


def test_a_failure_names_the_task_its_error_and_the_last_traceback_lines_escaped() -> None:
    traceback = "".join(f"  line {i}\n" for i in range(20)) + "RuntimeError: \x1b[2Jcleared\n"
    task = task_pb2.Task(
        name="t\x1b[31m",
        status=task_pb2.TASK_STATUS_FAILED,
        error=task_pb2.TaskError(
            type="RuntimeError", message="\x1b[2Jcleared\nsecond line", traceback=traceback
        ),
    )
    lines = task_failure(task)
    assert lines[0] == "task t\\x1b[31m FAILED: RuntimeError: \\x1b[2Jcleared second line"
    assert lines[1] == "  ..."
    assert lines[2:] == [f"    line {i}" for i in range(15, 20)] + ["  RuntimeError: \\x1b[2Jcleared"]
    assert len(lines[2:]) == TRACEBACK_LINES
    assert not any("\x1b" in line for line in lines)


def test_a_cancelled_task_says_why_and_who_first() -> None:
    task = task_pb2.Task(
        name="t",
        status=task_pb2.TASK_STATUS_CANCELLED,
        cancellation=task_pb2.Cancellation(
            reason=task_pb2.CANCELLATION_REASON_DIRECT, message="wrong input", requested_by="alice"
        ),
        error=task_pb2.TaskError(type="ProcessKilled", message="killed after the grace period"),
    )
    assert task_failure(task) == [
        "task t CANCELLED: cancelled (direct by alice: wrong input); ProcessKilled: killed after the grace period"
    ]


def test_a_waiting_task_says_why_and_a_dependent_which_tasks_it_waits_on() -> None:
    dependent = task_pb2.Task(
        name="report",
        status=task_pb2.TASK_STATUS_WAITING,
        waiting_reason=task_pb2.WAITING_REASON_DEPENDENCY,
        waiting_on=["extract", "lo\x1bad"],
    )
    assert task_status_text(dependent) == "WAITING (DEPENDENCY: extract, lo\\x1bad)"
    assert task_json(dependent)["waiting_on"] == ["extract", "lo\x1bad"]
    queued = task_pb2.Task(status=task_pb2.TASK_STATUS_WAITING, waiting_reason=task_pb2.WAITING_REASON_QUEUED)
    assert task_status_text(queued) == "WAITING (QUEUED)"
    assert task_status_text(queued, 1) == "WAITING (QUEUED behind 0)"
    assert task_status_text(queued, 4) == "WAITING (QUEUED behind 3)"
    assert task_status_text(task_pb2.Task(status=task_pb2.TASK_STATUS_RUNNING)) == "RUNNING"
