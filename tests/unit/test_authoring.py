"""The task-authoring API: registration, TaskContext reporting and validation, cancellation."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from taskstream.authoring import (
    PendingCancellation,
    TaskContext,
    TaskEnvironment,
    get_registered_task,
    registered_tasks,
    task,
    workflow,
)
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2


class RecordingReporter:
    def __init__(self) -> None:
        self.progress: list[task_pb2.Progress] = []
        self.properties: list[tuple[str, task_pb2.PropertyValue]] = []

    def report_progress(self, progress: task_pb2.Progress) -> None:
        self.progress.append(progress)

    def report_property(self, key: str, value: task_pb2.PropertyValue) -> None:
        self.properties.append((key, value))


class Env(TaskEnvironment):
    pass


@task("test_authoring.documented", environment=Env)
def documented(ctx: TaskContext, x: int) -> int:
    """Doubles x.

    More text that is not part of the description.
    """
    return 2 * x


def test_task_registers_handler_with_environment_and_docstring_description() -> None:
    entry = get_registered_task("test_authoring.documented")
    assert entry.handler is documented
    assert entry.environment is Env
    assert entry.description == "Doubles x."
    assert registered_tasks()["test_authoring.documented"] is entry
    # The decorator returns the function itself, so it stays callable directly.
    assert documented(TaskContext(), x=4) == 8


def test_explicit_description_wins() -> None:
    @task("test_authoring.described", description="Explicit.")
    def described(ctx: TaskContext) -> None:
        """Docstring."""

    assert get_registered_task("test_authoring.described").description == "Explicit."


def test_duplicate_names_are_an_error() -> None:
    @task("test_authoring.dup")
    def first(ctx: TaskContext) -> None: ...

    with pytest.raises(ValueError, match="already registered"):

        @task("test_authoring.dup")
        def second(ctx: TaskContext) -> None: ...

    assert get_registered_task("test_authoring.dup").handler is first


def test_registry_is_read_only_and_lookup_of_unknown_names_fails() -> None:
    with pytest.raises(TypeError):
        registered_tasks()["x"] = None  # type: ignore[index]
    with pytest.raises(KeyError, match="no task type"):
        get_registered_task("test_authoring.missing")


def test_task_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError):
        task("")
    with pytest.raises(TypeError):
        task(documented)  # type: ignore[arg-type]  # used as a bare @task
    with pytest.raises(TypeError, match="TaskEnvironment"):
        task("test_authoring.bad_env", environment=dict)  # type: ignore[arg-type]


def test_progress_reports_the_whole_progress_with_stages_in_first_reported_order() -> None:
    reporter = RecordingReporter()
    ctx = TaskContext(reporter=reporter)
    ctx.set_progress(10, "loading")
    ctx.update_stage("M1", running_workers=2, terminated_workers=0, total_workers=3, finished_percentage=0)
    ctx.update_stage(
        "R2",
        running_workers=0,
        terminated_workers=0,
        total_workers=1,
        backup_workers=1,
        finished_percentage=0,
    )
    ctx.update_stage(
        "M1",
        running_workers=0,
        terminated_workers=3,
        total_workers=3,
        input_records=30,
        output_records=3,
        finished_percentage=100,
    )
    assert len(reporter.progress) == 4
    last = reporter.progress[-1]
    assert last.percent == 10 and last.message == "loading"
    assert [s.name for s in last.stages] == ["M1", "R2"]
    m1 = last.stages[0]
    assert (m1.running_workers, m1.terminated_workers, m1.total_workers) == (0, 3, 3)
    assert (m1.input_records, m1.output_records, m1.finished_percentage) == (30, 3, 100)
    assert last.stages[1].backup_workers == 1
    assert last.HasField("update_time") and last.update_time.seconds > 0
    assert ctx.progress.stages == last.stages


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda ctx: ctx.set_progress(101), ValueError),
        (lambda ctx: ctx.set_progress(-1), ValueError),
        (lambda ctx: ctx.set_progress(float("nan")), ValueError),
        (lambda ctx: ctx.set_progress("50"), TypeError),
        (lambda ctx: ctx.set_progress(True), TypeError),
        (
            lambda ctx: ctx.update_stage(
                "S", running_workers=-1, terminated_workers=0, total_workers=1, finished_percentage=0
            ),
            ValueError,
        ),
        (
            lambda ctx: ctx.update_stage(
                "S", running_workers=0, terminated_workers=0, total_workers=1, finished_percentage=150
            ),
            ValueError,
        ),
        (
            lambda ctx: ctx.update_stage(
                "S",
                running_workers=0,
                terminated_workers=0,
                total_workers=1,
                input_records=-5,
                finished_percentage=1,
            ),
            ValueError,
        ),
        (
            lambda ctx: ctx.update_stage(
                "", running_workers=0, terminated_workers=0, total_workers=1, finished_percentage=1
            ),
            ValueError,
        ),
    ],
)
def test_progress_is_validated(call: Any, error: type[Exception]) -> None:
    reporter = RecordingReporter()
    with pytest.raises(error):
        call(TaskContext(reporter=reporter))
    assert reporter.progress == []


def test_properties_are_validated_reported_and_readable() -> None:
    reporter = RecordingReporter()
    ctx = TaskContext(reporter=reporter)
    ctx.set_property("name", "x")
    ctx.set_property("count", 1)
    ctx.set_property("count", 2)
    ctx.set_property("ratio", 0.5)
    ctx.set_property("blob", bytearray(b"\x00\x01"))
    for bad in ([1], True, None, {"a": 1}):
        with pytest.raises(TypeError):
            ctx.set_property("bad", bad)  # type: ignore[arg-type]
    assert ctx.get_property("count") == 2
    assert ctx.get_property("blob") == b"\x00\x01"
    assert ctx.get_property("bad") is None
    assert ctx.get_property("missing", "default") == "default"
    assert ctx.properties == {"name": "x", "count": 2, "ratio": 0.5, "blob": b"\x00\x01"}
    assert [key for key, _ in reporter.properties] == ["name", "count", "count", "ratio", "blob"]
    assert reporter.properties[2][1] == task_pb2.PropertyValue(int_value=2)


def test_cancellation_reaches_a_waiting_task_and_the_first_one_wins() -> None:
    ctx = TaskContext()
    assert ctx.cancellation is None and not ctx.cancelled
    assert ctx.wait_for_cancellation(0) is False
    first = PendingCancellation(CancellationReason.DIRECT, "stop", "alice")
    seen: list[bool] = []
    waiter = threading.Thread(target=lambda: seen.append(ctx.wait_for_cancellation(10)))
    waiter.start()
    ctx.deliver_cancellation(first)
    ctx.deliver_cancellation(PendingCancellation(CancellationReason.TIMEOUT, "late", "taskstream"))
    waiter.join(10)
    assert seen == [True]
    assert ctx.cancelled and ctx.cancellation == first


def test_context_without_reporter_still_tracks_state() -> None:
    ctx = TaskContext(task_name="t", attempt=2)
    ctx.set_progress(50, "half")
    ctx.set_property("k", "v")
    assert ctx.progress.percent == 50 and ctx.progress.message == "half"
    assert ctx.get_property("k") == "v"
    assert (ctx.task_name, ctx.attempt) == ("t", 2)


def test_on_cancellation_calls_back_once_and_can_be_forgotten() -> None:
    ctx = TaskContext()
    calls: list[str] = []
    ctx.on_cancellation(lambda c: calls.append("a:" + c.message))
    forget = ctx.on_cancellation(lambda c: calls.append("b:" + c.message))
    forget()
    ctx.deliver_cancellation(PendingCancellation(CancellationReason.DIRECT, "first", "me"))
    ctx.deliver_cancellation(PendingCancellation(CancellationReason.DIRECT, "second", "me"))
    # Registered after the cancellation: called at once with the one that won.
    ctx.on_cancellation(lambda c: calls.append("c:" + c.message))
    assert calls == ["a:first", "c:first"]


def test_workflow_registers_an_xflow_task_type() -> None:
    @workflow("UnitFlow", project="unit_tests", description="for a test")
    def unit_flow(ctx: TaskContext) -> None:
        del ctx

    assert get_registered_task("xflow.unit_tests.UnitFlow").handler is unit_flow
    with pytest.raises(ValueError):
        workflow("a.b", project="p")
    with pytest.raises(RuntimeError, match="does not belong to an instance"):
        TaskContext(server="127.0.0.1:1").run_sql("step", "select 1")
