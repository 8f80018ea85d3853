"""The child side of the worker, run in this process: tasks with their output captured at fd level into
one pair of slot files, each task's output the range between its start and end offsets."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from taskstream import values as _values
from taskstream.authoring import PendingCancellation, TaskContext, TaskEnvironment
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2, worker_service_pb2
from taskstreamd.workers.capture import SlotStreams
from taskstreamd.workers.environments import EnvironmentCache
from taskstreamd.workers.executor import Executor, Outcome
from taskstreamd.workers.messages import FromChild, OutputPaths, RunProgress, RunProperty
from tests.unit import worker_tasks


class Harness:
    """An Executor whose messages are collected, running tasks with fds 1 and 2 on two files under
    tmp_path that every task shares, as a slot's do."""

    def __init__(self, tmp_path: Path) -> None:
        self.messages: list[FromChild] = []
        self.on_message: Any = None
        self.executor = Executor(self._send)
        self.paths = OutputPaths(
            str(tmp_path / "slot.stdout"), str(tmp_path / "slot.stderr"), str(tmp_path / "slot.started")
        )
        for path in self.paths:
            Path(path).touch()
        self.streams = SlotStreams()
        self.streams.switch(self.paths)
        self.ranges: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
        self.ctx: TaskContext | None = None
        self._count = 0

    def _send(self, message: FromChild) -> None:
        self.messages.append(message)
        if self.on_message is not None:
            self.on_message(message)

    def run(
        self,
        task_type: str = "",
        params: dict[str, Any] | str | None = None,
        *,
        cancel_first: PendingCancellation | None = None,
        **fields: Any,
    ) -> Outcome:
        self._count += 1
        aid = f"a{self._count}"
        parameters_json = params if isinstance(params, str) else json.dumps(params or {})
        assignment = worker_service_pb2.TaskAssignment(
            assignment_id=aid, type=task_type, parameters_json=parameters_json, attempt=1, **fields
        )
        self.messages.clear()
        self.ctx = self.executor.context(assignment)
        if cancel_first is not None:
            self.ctx.deliver_cancellation(cancel_first)
        with fd_backed_streams():
            try:
                start = self.streams.begin()
                finished = self.executor.run(assignment, self.ctx)
                end = self.streams.end()
            finally:
                self.streams.restore()
        self.ranges = ((start[0], end[0]), (start[1], end[1]))
        return finished

    @property
    def stdout(self) -> str:
        return self._read(self.paths.stdout, self.ranges[0])

    @property
    def stderr(self) -> str:
        return self._read(self.paths.stderr, self.ranges[1])

    def properties(self) -> dict[str, Any]:
        return {m.key: _values.decode_property(m.value) for m in self.messages if isinstance(m, RunProperty)}

    @staticmethod
    def _read(path: str, offsets: tuple[int, int]) -> str:
        return Path(path).read_bytes()[offsets[0] : offsets[1]].decode()


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path)
    yield h
    h.executor.close()


@contextlib.contextmanager
def fd_backed_streams() -> Iterator[None]:
    """As in a task process, make sys.stdout / sys.stderr write to fds 1 and 2 (pytest swaps them)."""
    saved = sys.stdout, sys.stderr
    with open(1, "w", buffering=1, closefd=False) as out, open(2, "w", buffering=1, closefd=False) as err:
        sys.stdout, sys.stderr = out, err
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved


def test_success_captures_python_raw_fd_and_subprocess_output(harness: Harness) -> None:
    before = os.fstat(1).st_ino, os.fstat(2).st_ino
    finished = harness.run("t.echo", {"x": 1, "y": [1, 2]})
    assert finished.status == task_pb2.TASK_STATUS_SUCCESS
    assert finished.result is not None and _values.decode_result(finished.result) == {"x": 1, "y": [1, 2]}
    assert harness.stdout.splitlines() == ["to stdout", "raw fd 1", "hi", "from C"]
    assert harness.stderr == "to stderr\n"
    assert (os.fstat(1).st_ino, os.fstat(2).st_ino) == before  # fds restored
    print("after the task")  # goes to pytest's capture, not to the task's file
    sys.stdout.flush()
    assert "after" not in harness.stdout


def test_exception_fails_with_traceback_on_stderr_and_keeps_properties(harness: Harness) -> None:
    finished = harness.run("t.fail")
    assert finished.status == task_pb2.TASK_STATUS_FAILED
    assert finished.error is not None
    assert (finished.error.type, finished.error.message) == ("ValueError", "boom")
    assert isinstance(_values.decode_error(finished.error, unpickle=True), ValueError)
    assert "Traceback (most recent call last)" in harness.stderr
    assert "ValueError: boom" in harness.stderr
    assert harness.properties() == {"before": 1}


def test_property_of_wrong_type_raises_type_error_in_the_task(harness: Harness) -> None:
    finished = harness.run("t.bad_property")
    assert finished.status == task_pb2.TASK_STATUS_FAILED
    assert finished.error is not None and finished.error.type == "TypeError"
    assert "list is not a property type" in finished.error.message
    assert harness.properties() == {"ok": "yes"}


def test_progress_reports_whole_progress(harness: Harness) -> None:
    harness.run("t.progress")
    reports = [m.progress for m in harness.messages if isinstance(m, RunProgress)]
    assert len(reports) == 5
    assert [s.name for s in reports[-1].stages] == ["M1", "R2"]
    assert reports[-1].percent == 100 and reports[-1].stages[0].input_records == 5


def test_environment_is_set_up_once_per_process(harness: Harness) -> None:
    before = worker_tasks.CountingEnvironment.setups
    first = harness.run("t.counted_env")
    assert "environment setup" in harness.stdout  # setup output belongs to the task that triggered it
    second = harness.run("t.counted_env")
    assert harness.stdout == ""
    for finished in (first, second):
        assert finished.result is not None and _values.decode_result(finished.result) == before + 1


def test_failed_environment_setup_is_environment_error_and_is_retried(harness: Harness) -> None:
    for _ in range(2):
        finished = harness.run("t.broken_env")
        assert finished.status == task_pb2.TASK_STATUS_ENVIRONMENT_ERROR
        assert finished.error is not None
        assert (finished.error.type, finished.error.message) == ("RuntimeError", "no database today")
        assert finished.result is None
        assert "setting up a broken environment" in harness.stdout
        assert "RuntimeError: no database today" in harness.stderr


def test_unknown_type_and_bad_parameters_fail(harness: Harness) -> None:
    unknown = harness.run("t.nope")
    assert unknown.error is not None and unknown.error.type == "taskstream.UnknownTaskType"
    bad_json = harness.run("t.params", "{not json")
    assert bad_json.error is not None and bad_json.error.type == "json.decoder.JSONDecodeError"
    not_object = harness.run("t.params", "[1, 2]")
    assert not_object.error is not None and not_object.error.type == "TypeError"
    missing = harness.run("t.params", {"b": 1})
    assert missing.error is not None and missing.error.type == "TypeError"
    assert "TypeError" in harness.stderr
    ok = harness.run("t.params", {"a": 1})
    assert ok.result is not None and _values.decode_result(ok.result) == 3


def test_async_handler_runs_to_completion(harness: Harness) -> None:
    finished = harness.run("t.async", {"value": "abc"})
    assert finished.result is not None and _values.decode_result(finished.result) == "ABC"


def test_system_exit_in_a_task_is_a_failure_not_an_exit(harness: Harness) -> None:
    class Exits:
        def execute(self) -> None:
            raise SystemExit(4)

    finished = harness.run(python_object=cloudpickle.dumps(Exits()))
    assert finished.status == task_pb2.TASK_STATUS_FAILED
    assert finished.error is not None and finished.error.type == "SystemExit"


def test_cooperative_cancellation_reaches_the_running_task(harness: Harness) -> None:
    cancellation = PendingCancellation(CancellationReason.DIRECT, "enough", "bob")

    def cancel_once_running(message: FromChild) -> None:
        if isinstance(message, RunProperty) and message.key == "pid":
            assert harness.ctx is not None
            harness.ctx.deliver_cancellation(cancellation)

    harness.on_message = cancel_once_running
    finished = harness.run("t.wait_cancel")
    assert finished.result is not None
    assert _values.decode_result(finished.result) == {"reason": "DIRECT", "message": "enough"}
    assert "cancelled: DIRECT" in harness.stdout


def test_a_task_cancelled_before_it_begins_does_not_run(harness: Harness) -> None:
    early = PendingCancellation(CancellationReason.DIRECT, "", "")
    finished = harness.run("t.echo", cancel_first=early)
    assert finished.status == task_pb2.TASK_STATUS_CANCELLED and finished.result is None
    assert harness.stdout == "" and harness.stderr == ""


def test_tasks_share_the_slot_files_each_in_its_own_range(harness: Harness) -> None:
    harness.run("t.echo", {"x": 1})
    first = harness.ranges
    inode = os.stat(harness.paths.stdout).st_ino
    harness.run("t.write", {"size": 10})
    second = harness.ranges
    assert second[0][0] == first[0][1] and second[1][0] == first[1][1]  # one after the other
    assert harness.stdout == "".join(chr(i % 251) for i in range(10))
    assert harness.stderr == ""
    assert os.stat(harness.paths.stdout).st_ino == inode  # the same file, not a new one per task


class Adder:
    """An STK-style task object: execute() sets self.result."""

    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b
        self.set_property: Any = None
        self.set_progress: Any = None
        self.get_property: Any = None

    def execute(self) -> None:
        self.set_property("a", self.a)
        self.set_progress(50, "half way")
        self.result = self.a + self.b + self.get_property("a")
        print("added")


class SharedEnvironment(TaskEnvironment):
    unique_id = "shared-env"
    setups: int = 0

    def __init__(self, label: str) -> None:
        self.label = label

    def setup(self) -> None:
        type(self).setups += 1


def test_python_object_gets_methods_injected_and_environment_by_unique_id(harness: Harness) -> None:
    before = SharedEnvironment.setups
    for label in ("one", "two"):  # different pickles, same unique_id: one setup
        finished = harness.run(
            python_object=cloudpickle.dumps(Adder(2, 3)),
            python_environment=cloudpickle.dumps(SharedEnvironment(label)),
        )
        assert finished.status == task_pb2.TASK_STATUS_SUCCESS
        assert finished.result is not None and _values.decode_result(finished.result) == 7
        assert harness.properties() == {"a": 2}
        assert harness.stdout == "added\n"
    assert SharedEnvironment.setups == before + 1


def test_python_object_that_does_not_unpickle_fails(harness: Harness) -> None:
    finished = harness.run(python_object=b"not a pickle")
    assert finished.status == task_pb2.TASK_STATUS_FAILED
    assert finished.error is not None and finished.error.type.endswith("UnpicklingError")


def test_environment_cache_tears_down_in_reverse_order_despite_failures(
    capfd: pytest.CaptureFixture[str],
) -> None:
    torn: list[str] = []

    class Recording(TaskEnvironment):
        def __init__(self, name: str, fail: bool = False) -> None:
            self.name, self.fail = name, fail

        def teardown(self) -> None:
            torn.append(self.name)
            if self.fail:
                raise RuntimeError("teardown failed")

    cache = EnvironmentCache()
    first = cache.get("a", lambda: Recording("a"))
    assert cache.get("a", lambda: Recording("other")) is first
    cache.get("b", lambda: Recording("b", fail=True))
    cache.teardown_all()
    assert torn == ["b", "a"]
    assert "RuntimeError: teardown failed" in capfd.readouterr().err
