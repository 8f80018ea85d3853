"""The worker against a fake WorkerService: a grpc.aio server on 127.0.0.1:0 that records every report.

The fake runs its own event loop in a thread; the worker runs ``Worker.run()`` in another thread (or as
a subprocess, for signals), so a test drives both with plain blocking calls that wait on real events
with bounded timeouts.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import cloudpickle
import grpc
import pytest
from google.protobuf import duration_pb2

from taskstream import values as _values
from taskstream.authoring import TaskEnvironment
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2, worker_service_pb2, worker_service_pb2_grpc
from taskstreamd.workers import Worker
from taskstreamd.workers.output import OutputFile
from tests.unit import worker_tasks

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
TASKS = "tests.unit.worker_tasks"
WAIT = 15.0  # upper bound for any single event; tests normally see it in milliseconds
CAP = 1000  # max_output_bytes the fake server hands out

# Task objects defined here are pickled by value, as a client's own classes would be.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class FakeWorkerService:
    """Registers workers, sends what the test asks, and records every ConnectRequest."""

    def __init__(self, max_output_bytes: int = CAP) -> None:
        self.max_output_bytes = max_output_bytes
        self.requests: list[worker_service_pb2.ConnectRequest] = []
        self.registrations: list[worker_service_pb2.RegisterWorker] = []
        self._changed = threading.Condition()
        self._outgoing: asyncio.Queue[worker_service_pb2.ConnectResponse | None] | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-server", daemon=True)
        self._thread.start()
        self.port = self._call(self._start())
        self.address = f"127.0.0.1:{self.port}"

    # Test side (any thread)

    def send(self, **message: Any) -> None:
        response = worker_service_pb2.ConnectResponse(**message)
        outgoing = self.wait_for(lambda: self._outgoing)
        self._loop.call_soon_threadsafe(outgoing.put_nowait, response)

    def assign(self, task_type: str = "", params: dict[str, Any] | None = None, **fields: Any) -> str:
        aid = f"{task_type or 'object'}-{uuid.uuid4().hex[:8]}"
        assignment = worker_service_pb2.TaskAssignment(
            assignment_id=aid,
            instance="projects/p/instances/i",
            task=task_type,
            type=task_type,
            parameters_json=json.dumps(params or {}),
            attempt=1,
            **fields,
        )
        self.send(assignment=assignment)
        return aid

    def cancel(self, aid: str, grace: float, reason: CancellationReason = CancellationReason.DIRECT) -> None:
        cancellation = task_pb2.Cancellation(
            reason=reason.to_proto(), message="stop now", requested_by="alice"
        )
        cancel = worker_service_pb2.CancelTask(
            assignment_id=aid, cancellation=cancellation, grace_period=_duration(grace)
        )
        self.send(cancel=cancel)

    def end_session(self) -> None:
        """End the current stream from the server side (as a server restart would)."""
        outgoing = self._outgoing
        assert outgoing is not None
        self._outgoing = None
        self._loop.call_soon_threadsafe(outgoing.put_nowait, None)

    def wait_for(self, probe: Callable[[], T | None], timeout: float = WAIT) -> T:
        """Wait until ``probe()`` (called under the lock) returns something other than None."""
        found: list[T] = []

        def ready() -> bool:
            value = probe()
            if value is not None:
                found.append(value)
            return value is not None

        with self._changed:
            assert self._changed.wait_for(ready, timeout), "timed out waiting for the worker"
        return found[0]

    def of(self, aid: str, kind: str) -> list[Any]:
        """The reports of one kind ("started", "output", "finished" …) about one assignment."""
        with self._changed:
            return [
                getattr(r, kind)
                for r in self.requests
                if r.WhichOneof("message") == kind and getattr(r, kind).assignment_id == aid
            ]

    def finished(self, aid: str, timeout: float = WAIT) -> worker_service_pb2.TaskFinished:
        return self.wait_for(lambda: next(iter(self.of(aid, "finished")), None), timeout)

    def property(self, aid: str, key: str) -> Any:
        prop = self.wait_for(lambda: next((p for p in self.of(aid, "property") if p.key == key), None))
        return _values.decode_property(prop.value)

    def paused(self, aid: str, paused: bool) -> None:
        self.wait_for(lambda: next((p for p in self.of(aid, "paused") if p.paused == paused), None))

    def output(self, aid: str, stream: int = task_pb2.OUTPUT_STREAM_STDOUT) -> list[tuple[int, bytes]]:
        return [(c.offset, c.data) for c in self.of(aid, "output") if c.stream == stream]

    def text(self, aid: str, stream: int = task_pb2.OUTPUT_STREAM_STDOUT) -> str:
        return b"".join(data for _, data in self.output(aid, stream)).decode()

    def kinds(self, aid: str) -> list[str]:
        with self._changed:
            return [
                kind
                for r in self.requests
                if (kind := r.WhichOneof("message")) != "register" and getattr(r, kind).assignment_id == aid
            ]

    def stop(self) -> None:
        self._call(self._server.stop(grace=None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT)

    # Server side (its own loop)

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(WAIT)

    async def _start(self) -> int:
        self._server = grpc.aio.server()
        worker_service_pb2_grpc.add_WorkerServiceServicer_to_server(_Servicer(self), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        return port

    def _record(self, request: worker_service_pb2.ConnectRequest) -> None:
        with self._changed:
            self.requests.append(request)
            if request.WhichOneof("message") == "register":
                self.registrations.append(request.register)
            self._changed.notify_all()

    def _open_session(self, outgoing: asyncio.Queue[worker_service_pb2.ConnectResponse | None]) -> None:
        with self._changed:
            self._outgoing = outgoing
            self._changed.notify_all()


class _Servicer(worker_service_pb2_grpc.WorkerServiceServicer):
    def __init__(self, fake: FakeWorkerService) -> None:
        self.fake = fake

    async def Connect(self, request_iterator: Any, context: Any) -> None:
        first = await context.read()
        if first is grpc.aio.EOF:
            return
        self.fake._record(first)
        registered = worker_service_pb2.WorkerRegistered(
            worker_id=f"w{len(self.fake.registrations)}", max_output_bytes=self.fake.max_output_bytes
        )
        await context.write(worker_service_pb2.ConnectResponse(registered=registered))
        outgoing: asyncio.Queue[worker_service_pb2.ConnectResponse | None] = asyncio.Queue()

        async def read() -> None:
            while (request := await context.read()) is not grpc.aio.EOF:
                self.fake._record(request)
            outgoing.put_nowait(None)

        reader = asyncio.create_task(read())
        self.fake._open_session(outgoing)
        try:
            while (response := await outgoing.get()) is not None:
                await context.write(response)
        finally:
            reader.cancel()


class WorkerThread:
    """``Worker.run()`` in a thread with its own event loop."""

    def __init__(self, address: str, **options: Any) -> None:
        options.setdefault("task_modules", [TASKS])
        self.worker = Worker(address, **options)
        self.exit_code: int | None = None
        self._thread = threading.Thread(target=self._run, name="worker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.exit_code = asyncio.run(self.worker.run())

    def join(self, timeout: float = WAIT) -> int | None:
        self._thread.join(timeout)
        return self.exit_code

    def stop(self) -> int | None:
        self.worker.stop()
        return self.join()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeWorkerService]:
    fake = FakeWorkerService()
    worker = WorkerThread(fake.address, slots=2, allow_code=True, worker_name="test-worker")
    fake.wait_for(lambda: fake.registrations or None)
    yield fake
    assert worker.stop() == 0
    fake.stop()


def _duration(seconds: float) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromNanoseconds(int(seconds * 1e9))
    return duration


def _wait_state(pid: int, stopped: bool) -> None:
    """Wait (bounded) until /proc shows the process stopped (T) or not; signals land asynchronously."""
    deadline = time.monotonic() + WAIT
    while True:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if (state == "T") == stopped:
            return
        assert time.monotonic() < deadline, f"process {pid} is in state {state}"
        time.sleep(0.001)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


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


def test_output_file_reads_head_live_and_tail_at_the_end(tmp_path: Path) -> None:
    output = OutputFile(str(tmp_path / "out"), max_bytes=10)
    with open(output.path, "ab") as f:
        f.write(b"0123")
        f.flush()
        assert output.poll() == [(0, b"0123")]
        f.write(b"456789abcdefghij")
        f.flush()
        assert output.poll() == [(4, b"4")]  # the live head stops at cap / 2
        assert output.poll() == []
        assert output.finish() == [(15, b"fghij")]
    assert output.total_bytes == 20
    output.close()
    assert not Path(output.path).exists()


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
    assert not _alive(pid)
    assert server.finished(server.assign("t.noop")).status == task_pb2.TASK_STATUS_SUCCESS


def test_timeout_is_delivered_as_a_cancellation_and_reported_timed_out(server: FakeWorkerService) -> None:
    aid = server.assign("t.wait_cancel", timeout=_duration(0.3))
    finished = server.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_TIMED_OUT
    assert finished.error.type == "taskstream.TaskTimeout"
    assert "0.3s" in finished.error.message
    assert "cancelled: TIMEOUT" in server.text(aid)


def test_timeout_kills_a_task_that_ignores_it(server: FakeWorkerService) -> None:
    aid = server.assign("t.ignore_cancel", timeout=_duration(0.1))
    pid = server.property(aid, "pid")
    finished = server.finished(aid)  # after the timeout and its 2 s grace period
    assert finished.status == task_pb2.TASK_STATUS_TIMED_OUT
    assert finished.error.type == "taskstream.TaskTimeout"
    assert not _alive(pid)


def test_suspend_stops_the_process_group_and_resume_continues_it(server: FakeWorkerService) -> None:
    aid = server.assign("t.wait_cancel")
    pid = server.property(aid, "pid")
    server.send(suspend=worker_service_pb2.SuspendTask(assignment_id=aid))
    server.paused(aid, True)
    _wait_state(pid, stopped=True)
    server.send(resume=worker_service_pb2.ResumeTask(assignment_id=aid))
    server.paused(aid, False)
    _wait_state(pid, stopped=False)
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
    aid = server.assign("t.wait_cancel", timeout=_duration(2.0))
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
        assert not _alive(pid)
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
        assert not _alive(pid)
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
        assert not _alive(pid)
    finally:
        process.kill()
        fake.stop()
