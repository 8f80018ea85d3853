"""The worker against a fake WorkerService (tests/unit/fake_worker_service.py), one task at a time: reports,
output, failures, crashes, cancellation, timeouts, suspension, Python objects, connection loss, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from taskstream import values as _values
from taskstream.authoring import TaskEnvironment
from taskstream.v1 import task_pb2, worker_service_pb2
from tests.unit import worker_tasks
from tests.unit.fake_worker_service import (
    CAP,
    REPO,
    TASKS,
    WAIT,
    FakeWorkerService,
    WorkerThread,
    alive,
    duration,
    wait_state,
)

# Task objects defined here are pickled by value, as a client's own classes would be.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def server() -> Iterator[FakeWorkerService]:
    fake = FakeWorkerService()
    worker = WorkerThread(fake.address, slots=2, allow_code=True, worker_name="test-worker")
    fake.wait_for(lambda: fake.registrations or None)
    yield fake
    assert worker.stop() == 0
    fake.stop()


# Registration and success


def test_registers_slots_task_types_and_code_policy(server: FakeWorkerService) -> None:
    registration = server.registrations[0]
    assert registration.worker_name == "test-worker"
    assert registration.slots == 2 and registration.accepts_python_objects
    types = {t.name: t.description for t in registration.task_types}
    assert types["t.echo"] == "Returns its parameters and writes to both streams."
    assert types["t.write"].startswith("Writes ``size`` bytes")
    # Built in, whatever the task modules: SQL and the AppendID workflow.
    assert types["sql"].startswith("Runs one SQL statement")
    assert types["xflow.algo_public.AppendID"] == "Copies a table, adding a 0-based id column."


def test_success_reports_started_result_and_fd_level_output(server: FakeWorkerService) -> None:
    aid = server.assign("t.echo", {"x": 1, "y": "z"})
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_SUCCESS
    assert _values.decode_result(finished.result) == {"x": 1, "y": "z"}
    # os.system's "hi" comes from a subprocess writing to the inherited fd 1.
    assert server.text(aid) == "to stdout\nraw fd 1\nhi\nfrom C\n"
    assert server.text(aid, task_pb2.OUTPUT_STREAM_STDERR) == "to stderr\n"
    assert (finished.stdout_bytes, finished.stderr_bytes) == (len("to stdout\nraw fd 1\nhi\nfrom C\n"), 10)
    kinds = server.kinds(aid)
    assert kinds[0] == "started" and kinds[-1] == "finished"


def test_child_process_is_reused_and_is_not_the_worker(server: FakeWorkerService) -> None:
    pids = [_values.decode_result(server.finished(server.assign("t.pid")).result) for _ in range(2)]
    assert pids[0] == pids[1] != os.getpid()


def test_progress_reports_carry_the_whole_progress(server: FakeWorkerService) -> None:
    aid = server.assign("t.progress")
    server.finished(aid)
    reports = [p.progress for p in server.of(aid, "progress")]
    # Five reports; ones still queued when a newer one comes are replaced by it, so the server may see fewer.
    percents = [r.percent for r in reports]
    assert 1 <= len(percents) <= 5 and percents[-1] == 100 and percents == sorted(percents)
    assert [s.name for s in reports[-1].stages] == ["M1", "R2"]
    assert reports[-1].stages[0].terminated_workers == 2 and reports[-1].message == "done"
    assert all(r.HasField("update_time") for r in reports)


# Failures


def test_exception_fails_with_traceback_on_stderr_and_keeps_properties(server: FakeWorkerService) -> None:
    aid = server.assign("t.fail")
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_FAILED
    assert (finished.error.type, finished.error.message) == ("ValueError", "boom")
    assert "Traceback" in finished.error.traceback
    stderr = server.text(aid, task_pb2.OUTPUT_STREAM_STDERR)
    assert "Traceback (most recent call last)" in stderr and "ValueError: boom" in stderr
    assert server.property(aid, "before") == 1
    assert server.kinds(aid).index("property") < server.kinds(aid).index("finished")


def test_property_of_a_wrong_type_fails_the_task_with_type_error(server: FakeWorkerService) -> None:
    aid = server.assign("t.bad_property")
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_FAILED and finished.error.type == "TypeError"
    assert server.property(aid, "ok") == "yes"


def test_failed_environment_setup_is_environment_error(server: FakeWorkerService) -> None:
    aid = server.assign("t.broken_env")
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_ENVIRONMENT_ERROR
    assert (finished.error.type, finished.error.message) == ("RuntimeError", "no database today")
    assert "RuntimeError: no database today" in server.text(aid, task_pb2.OUTPUT_STREAM_STDERR)
    assert not finished.HasField("result")


def test_unknown_type_and_bad_parameters_fail(server: FakeWorkerService) -> None:
    unknown = server.finished(server.assign("t.not_registered"))
    assert unknown.status == task_pb2.TASK_STATUS_FAILED
    assert unknown.error.type == "taskstream.UnknownTaskType"
    missing = server.finished(server.assign("t.params", {"b": 1}))
    assert missing.status == task_pb2.TASK_STATUS_FAILED and missing.error.type == "TypeError"


@pytest.mark.parametrize(
    ("task_type", "message", "trace"),
    [
        ("t.exit", "task process exited with code 3", "about to exit"),
        ("t.segv", "task process died with signal SIGSEGV", "about to crash"),
    ],
)
def test_crash_fails_the_task_and_the_worker_keeps_serving(
    server: FakeWorkerService, task_type: str, message: str, trace: str
) -> None:
    pid_before = _values.decode_result(server.finished(server.assign("t.pid")).result)
    aid = server.assign(task_type)
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_FAILED
    assert (finished.error.type, finished.error.message) == ("taskstream.ProcessCrashed", message)
    assert trace in server.text(aid)  # output written before the crash is kept
    if task_type == "t.segv":  # faulthandler wrote the Python stack to the task's stderr
        assert "Segmentation fault" in server.text(aid, task_pb2.OUTPUT_STREAM_STDERR)
    pid_after = _values.decode_result(server.finished(server.assign("t.pid")).result)
    assert pid_after != pid_before


def test_a_task_its_process_died_before_starting_runs_in_a_new_process() -> None:
    fake = FakeWorkerService()
    worker = WorkerThread(fake.address, slots=1)
    try:
        first_pid = _values.decode_result(fake.finished(fake.assign("t.die_on_next")).result)
        aid = fake.assign("t.pid")  # reaches the dying process first, then a new one
        finished = fake.finished(aid)
        assert finished.status == task_pb2.TASK_STATUS_SUCCESS
        assert _values.decode_result(finished.result) != first_pid
        assert fake.kinds(aid) in (["started", "finished"], ["finished"])
    finally:
        assert worker.stop() == 0
        fake.stop()


def test_a_task_whose_new_process_dies_too_before_starting_is_reported_crashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "die"
    monkeypatch.setenv(worker_tasks.DIE_AT_IMPORT, str(marker))
    fake = FakeWorkerService()
    worker = WorkerThread(fake.address, slots=1)
    try:
        fake.finished(fake.assign("t.die_on_next"))
        marker.touch()  # from now on every new task process exits before it can start a task
        finished = fake.finished(fake.assign("t.pid"))
        assert finished.status == task_pb2.TASK_STATUS_FAILED
        assert finished.error.type == "taskstream.ProcessCrashed"
        marker.unlink()
        assert fake.finished(fake.assign("t.noop")).status == task_pb2.TASK_STATUS_SUCCESS
    finally:
        assert worker.stop() == 0
        fake.stop()


# Output cap


def test_output_over_the_cap_keeps_head_and_tail_with_a_gap(server: FakeWorkerService) -> None:
    size = 5 * CAP + 123
    aid = server.assign("t.write", {"size": size})
    finished = server.finished(aid)
    assert finished.stdout_bytes == size
    chunks = server.output(aid)
    pattern = bytes(i % 251 for i in range(size))
    head = b"".join(data for offset, data in chunks if offset < CAP // 2)
    tail = [(offset, data) for offset, data in chunks if offset >= CAP // 2]
    assert head == pattern[: CAP // 2]
    assert tail == [(size - CAP // 2, pattern[-(CAP // 2) :])]


def test_output_under_the_cap_is_kept_whole(server: FakeWorkerService) -> None:
    size = CAP - 10  # longer than the live head, shorter than the cap
    aid = server.assign("t.write", {"size": size, "stream": 2})
    finished = server.finished(aid)
    assert finished.stderr_bytes == size
    data = b"".join(d for _, d in server.output(aid, task_pb2.OUTPUT_STREAM_STDERR))
    assert data == bytes(i % 251 for i in range(size))


# Cancellation, timeout, suspension


def test_cooperative_cancel_reports_cancelled_with_the_result(server: FakeWorkerService) -> None:
    aid = server.assign("t.wait_cancel")
    server.property(aid, "pid")  # running
    started = time.monotonic()
    server.cancel(aid, grace=WAIT)
    finished = server.finished(aid)
    assert time.monotonic() - started < WAIT  # it returned by itself, before the grace period ended
    assert finished.status == task_pb2.TASK_STATUS_CANCELLED
    assert _values.decode_result(finished.result) == {"reason": "DIRECT", "message": "stop now"}
    assert "cancelled: DIRECT" in server.text(aid)


def test_a_task_waiting_for_a_slot_is_given_back_and_a_running_one_is_not() -> None:
    fake = FakeWorkerService()
    worker = WorkerThread(fake.address, slots=1)
    try:
        assert fake.wait_for(lambda: fake.registrations or None)[0].gives_back_unstarted_tasks
        running = fake.assign("t.wait_cancel")
        fake.property(running, "pid")  # it runs: the next one waits for the slot
        waiting = fake.assign("t.noop")
        asked = (waiting, running, "77-1")  # "77-1": an assignment the worker never had
        for aid in asked:
            fake.send(take_back=worker_service_pb2.TakeBackTask(assignment_id=aid))

        def answers() -> list[list[Any]] | None:
            found = [fake.of(aid, "taken_back") for aid in asked]
            return found if all(found) else None

        assert [a[0].taken_back for a in fake.wait_for(answers)] == [True, False, False]
        fake.cancel(running, grace=WAIT)
        assert fake.finished(running).status == task_pb2.TASK_STATUS_CANCELLED
        # The slot is free and the given-back task is gone: a new one runs at once, the old never does.
        assert fake.finished(fake.assign("t.noop")).status == task_pb2.TASK_STATUS_SUCCESS
        assert fake.kinds(waiting) == ["taken_back"]
    finally:
        assert worker.stop() == 0
        fake.stop()


def test_cancel_kills_a_task_that_ignores_it_after_the_grace_period(server: FakeWorkerService) -> None:
    aid = server.assign("t.ignore_cancel")
    pid = server.property(aid, "pid")
    server.cancel(aid, grace=0.2)
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_CANCELLED
    assert "ignoring cancellations" in server.text(aid)
    assert not alive(pid)
    assert server.finished(server.assign("t.noop")).status == task_pb2.TASK_STATUS_SUCCESS


def test_timeout_is_delivered_as_a_cancellation_and_reported_timed_out(server: FakeWorkerService) -> None:
    aid = server.assign("t.wait_cancel", timeout=duration(0.3))
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_TIMED_OUT
    assert finished.error.type == "taskstream.TaskTimeout"
    assert "0.3s" in finished.error.message
    assert "cancelled: TIMEOUT" in server.text(aid)


def test_timeout_kills_a_task_that_ignores_it(server: FakeWorkerService) -> None:
    aid = server.assign("t.ignore_cancel", timeout=duration(0.1))
    pid = server.property(aid, "pid")
    finished = server.finished(aid)  # after the timeout and its 2 s grace period
    assert finished.status == task_pb2.TASK_STATUS_TIMED_OUT
    assert finished.error.type == "taskstream.TaskTimeout"
    assert not alive(pid)


def test_suspend_stops_the_process_group_and_resume_continues_it(server: FakeWorkerService) -> None:
    aid = server.assign("t.wait_cancel")
    pid = server.property(aid, "pid")
    server.send(suspend=worker_service_pb2.SuspendTask(assignment_id=aid))
    server.paused(aid, True)
    wait_state(pid, stopped=True)
    server.send(resume=worker_service_pb2.ResumeTask(assignment_id=aid))
    server.paused(aid, False)
    wait_state(pid, stopped=False)
    server.cancel(aid, grace=WAIT)
    assert server.finished(aid).status == task_pb2.TASK_STATUS_CANCELLED


def test_cancel_of_a_paused_task_continues_it_first(server: FakeWorkerService) -> None:
    aid = server.assign("t.wait_cancel")
    server.property(aid, "pid")
    server.send(suspend=worker_service_pb2.SuspendTask(assignment_id=aid))
    server.paused(aid, True)
    server.cancel(aid, grace=WAIT)
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_CANCELLED
    assert _values.decode_result(finished.result)["reason"] == "DIRECT"  # it saw the cancellation


def test_paused_time_does_not_count_toward_the_timeout(server: FakeWorkerService) -> None:
    # The timeout leaves room for a loaded machine between the task's start and its pause.
    aid = server.assign("t.wait_cancel", timeout=duration(2.0))
    server.property(aid, "pid")
    server.send(suspend=worker_service_pb2.SuspendTask(assignment_id=aid))
    server.paused(aid, True)
    time.sleep(2.5)  # deliberately let more than the timeout pass while paused
    assert server.of(aid, "finished") == []
    server.send(resume=worker_service_pb2.ResumeTask(assignment_id=aid))
    server.paused(aid, False)
    assert server.finished(aid).status == task_pb2.TASK_STATUS_TIMED_OUT


# Python-object tasks (STK style)


class Multiply:
    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b

    def execute(self) -> None:
        self.set_property("factor", self.a)  # type: ignore[attr-defined]  # injected by the worker
        self.set_progress(50, "multiplying")  # type: ignore[attr-defined]
        print(f"{self.a} * {self.b}")
        self.result = self.a * self.b


class LabelledEnvironment(TaskEnvironment):
    unique_id = "labelled"

    def setup(self) -> None:
        print("labelled environment ready")


def test_python_object_task_runs_with_injected_methods(server: FakeWorkerService) -> None:
    aid = server.assign(
        python_object=cloudpickle.dumps(Multiply(6, 7)),
        python_environment=cloudpickle.dumps(LabelledEnvironment()),
    )
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_SUCCESS
    assert _values.decode_result(finished.result) == 42
    assert server.property(aid, "factor") == 6
    assert server.of(aid, "progress")[0].progress.message == "multiplying"
    assert "6 * 7" in server.text(aid)


def test_python_object_task_is_refused_without_allow_code() -> None:
    fake = FakeWorkerService()
    worker = WorkerThread(fake.address, allow_code=False)
    try:
        assert not fake.wait_for(lambda: fake.registrations or None)[0].accepts_python_objects
        finished = fake.finished(fake.assign(python_object=cloudpickle.dumps(Multiply(1, 2))))
        assert finished.status == task_pb2.TASK_STATUS_FAILED
        assert finished.error.type == "taskstream.CodeNotAllowed"
    finally:
        assert worker.stop() == 0
        fake.stop()


# Connection loss and signals


def test_lost_connection_kills_running_tasks_and_exits_when_asked() -> None:
    fake = FakeWorkerService()
    worker = WorkerThread(fake.address, exit_on_disconnect=True)
    try:
        aid = fake.assign("t.ignore_cancel")
        pid = fake.property(aid, "pid")
        fake.stop()
        assert worker.join() == 1
        assert not alive(pid)
    finally:
        worker.stop()


def test_worker_reconnects_and_registers_again_after_the_stream_ends() -> None:
    fake = FakeWorkerService()
    worker = WorkerThread(fake.address)
    try:
        aid = fake.assign("t.ignore_cancel")
        pid = fake.property(aid, "pid")
        fake.end_session()
        fake.wait_for(lambda: len(fake.registrations) == 2 or None)
        # The only slot takes the next task once the killed one is gone.
        assert fake.finished(fake.assign("t.noop")).status == task_pb2.TASK_STATUS_SUCCESS
        assert not alive(pid)
        assert fake.of(aid, "finished") == []  # the server, not the worker, decides what became of it
    finally:
        assert worker.stop() == 0
        fake.stop()


def test_sigterm_kills_the_task_processes_and_exits_zero() -> None:
    fake = FakeWorkerService()
    code = f"from taskstreamd.workers import run_worker; raise SystemExit(run_worker({fake.address!r}, task_modules=[{TASKS!r}]))"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env)
    try:
        aid = fake.assign("t.ignore_cancel")
        pid = fake.property(aid, "pid")
        process.send_signal(signal.SIGTERM)
        assert process.wait(WAIT) == 0
        assert not alive(pid)
    finally:
        process.kill()
        fake.stop()
