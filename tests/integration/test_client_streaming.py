"""The Python client's streaming API against a real server: watch (sync and asyncio), wait_instances,
read_output and STK's event handlers on a Job.

Tasks of type ``steps`` and ``gate`` wait for files the tests create, so a test decides when a task
moves on; nothing here sleeps to wait for an event.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import taskstream
import taskstream.aio
from taskstream import (
    InstanceSnapshot,
    InstanceStatus,
    InstanceStatusChanged,
    TaskOutputAppended,
    TaskProgressUpdated,
    TaskStatus,
    TaskStatusChanged,
)
from taskstream._sync.rpc import _Rpc
from taskstream.v1 import instance_service_pb2
from tests.support.proxy import CuttableProxy
from tests.support.server import ServerProcess


@pytest.fixture
def gates(tmp_path: Path) -> Path:
    path = tmp_path / "gates"
    path.mkdir()
    return path


def open_gates(gates: Path, *numbers: int) -> None:
    for n in numbers:
        (gates / str(n)).touch()


def reported_step_0(event: Any) -> bool:
    """Whether the ``steps`` task is known to have reported step 0 (and so waits at gate 0)."""
    if isinstance(event, TaskProgressUpdated):
        return True
    return isinstance(event, InstanceSnapshot) and event.instance.get_task_progress().message == "step 0"


def change_seqs(events: list[Any]) -> list[int]:
    return [e.seq for e in events if not isinstance(e, InstanceSnapshot)]


def test_watching_a_task_to_its_end_shows_its_progress_and_the_terminal_snapshot(
    client: taskstream.Client,
) -> None:
    # Held until the watch has its first snapshot: the task is quick enough to end before a watch of an
    # instance that runs at once opens, and the watch would then get only the terminal snapshot.
    instance = client.run_task("progress", hold=True)
    events = []
    for event in instance.watch():
        events.append(event)
        if len(events) == 1:
            instance.resume()
    first, last = events[0], events[-1]
    assert isinstance(first, InstanceSnapshot) and first.instance is instance
    assert isinstance(last, InstanceSnapshot) and last.instance is instance
    assert instance.status is InstanceStatus.TERMINATED and instance.is_successful()
    assert sum(isinstance(e, InstanceSnapshot) for e in events) == 2
    seqs = change_seqs(events)
    assert seqs == sorted(set(seqs)) and last.seq == seqs[-1]
    statuses = [e.status for e in events if isinstance(e, TaskStatusChanged)]
    assert statuses[-1] is TaskStatus.SUCCESS
    assert all(e.task is instance.get_task("progress") for e in events if isinstance(e, TaskStatusChanged))
    progress = [e.progress for e in events if isinstance(e, TaskProgressUpdated)][-1]
    assert (progress.percent, progress.message) == (40, "reading")  # the latest is never coalesced away
    assert [s.name for s in progress.stages] == ["M1_Stg1_job0", "R2_1_Stg1_job0"]
    ending = [e for e in events if isinstance(e, InstanceStatusChanged)][-1]
    assert ending.status is InstanceStatus.TERMINATED and ending.successful


def test_a_watch_resumes_by_itself_after_the_connection_is_cut(
    server: ServerProcess, client: taskstream.Client, gates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    after_seqs: list[int] = []
    watch_instance = _Rpc.watch_instance

    def recording(self: _Rpc, request: instance_service_pb2.WatchInstanceRequest) -> Any:
        after_seqs.append(request.after_seq)
        return watch_instance(self, request)

    monkeypatch.setattr(_Rpc, "watch_instance", recording)
    instance = client.run_task("steps", {"gates": str(gates), "count": 3})
    proxy = CuttableProxy(server.address)
    seen: list[Any] = []
    cut_at: int | None = None
    try:
        with taskstream.connect(proxy.address, project=client.project) as through:
            for event in through.get_instance(instance.id).watch():
                seen.append(event)
                if cut_at is None and reported_step_0(event):
                    cut_at = event.seq
                    proxy.cut()  # the task waits at gate 0, so the stream is open and idle
                    open_gates(gates, 0, 1, 2)  # the task runs to its end while the watch reconnects
    finally:
        proxy.close()
    assert cut_at is not None and len(after_seqs) >= 2
    assert after_seqs[0] == 0 and after_seqs[1] >= cut_at  # resumed from its cursor, not from scratch
    seqs = change_seqs(seen)
    assert seqs == sorted(set(seqs)), "a duplicate or a reordering"
    assert [type(e) for e in seen].count(InstanceSnapshot) == 2  # the first and the terminal one
    statuses = [e.status for e in seen if isinstance(e, TaskStatusChanged)]
    assert statuses[-1] is TaskStatus.SUCCESS
    last = seen[-1]
    assert isinstance(last, InstanceSnapshot) and last.instance.is_successful()
    progress = [e.progress for e in seen if isinstance(e, TaskProgressUpdated)]
    assert progress[-1].message == "step 2"


async def test_an_async_watch_carries_output_and_ends_with_the_terminal_snapshot(
    server: ServerProcess,
) -> None:
    async with taskstream.aio.connect(server.address, project="tests") as client:
        # Held until the watch has its snapshot: a task that ran to its end first would leave only a
        # terminal snapshot to see.
        instance = await client.run_task("chatty", {"text": "async"}, hold=True)
        events = []
        async for event in instance.watch(include_output=True):
            events.append(event)
            if len(events) == 1:
                await instance.resume()  # the asyncio client has everything the sync one has
        assert isinstance(events[0], InstanceSnapshot) and events[0].instance is instance
        assert events[0].status is InstanceStatus.SUSPENDED
        last = events[-1]
        assert isinstance(last, InstanceSnapshot) and await last.instance.status is InstanceStatus.TERMINATED
        output = [e for e in events if isinstance(e, TaskOutputAppended)]
        stdout = b"".join(e.data for e in output if e.stream == "stdout")
        stderr = b"".join(e.data for e in output if e.stream == "stderr")
        assert b"py-out async" in stdout and b"sub-out" in stdout
        assert b"py-err async" in stderr
        assert await instance.is_successful()
        assert await instance.get_task_result() == "ASYNC"
        chunks = [c async for c in (await instance.get_task("chatty")).read_output("stderr")]
        assert b"".join(c.data for c in chunks) == stderr


def test_wait_instances_any_all_and_timeout(client: taskstream.Client, tmp_path: Path) -> None:
    first = client.run_task("gate", {"path": str(tmp_path / "first")})
    second = client.run_task("gate", {"path": str(tmp_path / "second")})
    (tmp_path / "first").touch()
    done = client.wait_instances([first, second.id], mode="any", timeout=60)
    assert done == [first, second]
    assert done[0].is_terminated() and not done[1].is_terminated()
    with pytest.raises(taskstream.WaitTimeoutError) as caught:
        client.wait_instances([first, second], timeout=0.2)
    assert caught.value.instance_id == second.id
    (tmp_path / "second").touch()
    assert all(i.is_successful() for i in client.wait_instances([first, second], timeout=60))


def test_read_output_follow_delivers_every_byte(client: taskstream.Client) -> None:
    lines = 4000  # 56,000 bytes: under the test server's 64 KiB cap, so all of it is kept
    instance = client.run_task("spam", {"lines": lines})
    task = instance.get_task("spam")
    chunks = list(task.read_output(follow=True))
    assert b"".join(c.data for c in chunks) == "".join(f"line {i:08d}\n" for i in range(lines)).encode()
    assert all(c.cut_bytes == 0 for c in chunks) and chunks[0].offset == 0
    assert instance.is_terminated()
    (tail,) = task.read_output(offset=-14)
    assert tail.data == f"line {lines - 1:08d}\n".encode()


def test_read_output_of_cut_output_reports_the_cut(client: taskstream.Client) -> None:
    lines = 20_000  # 280,000 bytes against a 64 KiB cap: the middle is cut
    chunks = list(client.run_task("spam", {"lines": lines}).get_task().read_output(follow=True))
    kept = b"".join(c.data for c in chunks)
    cut = sum(c.cut_bytes for c in chunks)
    assert cut > 0 and len(kept) + cut == lines * 14
    assert kept.startswith(b"line 00000000\n") and kept.endswith(f"line {lines - 1:08d}\n".encode())


def test_stk_handlers_on_a_real_job(client: taskstream.Client, gates: Path) -> None:
    class Halves:
        def __init__(self, value: int, gate: Path) -> None:
            self.value = value
            self.gate = gate
            self.result: int | None = None

        def execute(self) -> None:
            self.set_progress(50, f"halving {self.value}")  # type: ignore[attr-defined]
            for _ in range(6000):  # at most 60 s
                if self.gate.exists():
                    break
                time.sleep(0.01)
            self.result = self.value // 2

    class Fails:
        name = "fails"

        def execute(self) -> None:
            raise ValueError("no")

    progress: list[tuple[str, int, str]] = []
    completed: list[tuple[str, TaskStatus, Any]] = []
    on_task: list[str] = []
    job = client.create_job(name="handlers")
    job.add_task(Halves(10, gates / "0"))
    job.add_task(Fails())
    job.task_progress_updated = lambda name, info: progress.append(
        (name, info.progress, info.additional_information)
    )
    job.task_completed = lambda task: completed.append((task.name, task.task_status, task.result))
    job.submit()
    job.tasks[0].on_completed = lambda task: on_task.append(task.name)  # set before Task0 can end
    open_gates(gates, 0)
    assert job.wait_until_done(timeout=60) is True
    assert ("Task0", 50, "halving 10") in progress
    by_name = {name: (status, result) for name, status, result in completed}
    assert len(completed) == 2
    assert by_name["Task0"] == (TaskStatus.COMPLETED, 5)
    status, error = by_name["fails"]
    assert status is TaskStatus.FAILED and isinstance(error, ValueError)
    assert on_task == ["Task0"]


def test_a_project_watch_resumes_by_itself_after_the_connection_is_cut(
    server: ServerProcess, gates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    after_seqs: list[int] = []
    watch_instances = _Rpc.watch_instances

    def recording(self: _Rpc, request: instance_service_pb2.WatchInstancesRequest) -> Any:
        after_seqs.append(request.after_seq)
        return watch_instances(self, request)

    monkeypatch.setattr(_Rpc, "watch_instances", recording)
    project = f"project-watch-{time.monotonic_ns()}"
    proxy = CuttableProxy(server.address)
    seen: list[Any] = []
    try:
        with (
            taskstream.connect(server.address, project=project) as direct,
            taskstream.connect(proxy.address, project=project) as through,
        ):
            done = direct.run_task("echo", {"n": 0}, labels={"feed": "yes"})
            done.wait_for_success(timeout=60)
            direct.run_task("echo", {"n": 1}, labels={"feed": "no"}).wait_for_success(timeout=60)
            gated = direct.run_task("gate", {"path": str(gates / "go")}, labels={"feed": "yes"})
            for event in through.watch_instances(labels={"feed": "yes"}):
                seen.append(event)
                if isinstance(event, taskstream.ProjectSnapshot):
                    proxy.cut()  # the stream is open and idle: the gate holds the task
                    (gates / "go").touch()
                elif isinstance(event, taskstream.InstanceStatusUpdated) and event.instance.id == gated.id:
                    break
    finally:
        proxy.close()
    snapshot, *changes = seen
    assert isinstance(snapshot, taskstream.ProjectSnapshot) and not snapshot.truncated
    assert [i.id for i in snapshot.instances] == [gated.id, done.id]  # newest first, the filter's
    assert snapshot.instances[0].status is InstanceStatus.RUNNING and snapshot.instances[0].task_types == (
        "gate",
    )
    assert snapshot.instances[1].instance == done and snapshot.instances[1].successful
    (ended,) = changes  # nothing repeated after the resume, nothing of the other instance
    assert isinstance(ended, taskstream.InstanceStatusUpdated)
    assert ended.status is InstanceStatus.TERMINATED and ended.successful and ended.seq > snapshot.seq
    assert len(after_seqs) >= 2 and after_seqs[0] == 0 and after_seqs[1] == snapshot.seq


async def test_an_async_project_watch_sees_creations_and_ends(server: ServerProcess) -> None:
    project = f"project-watch-{time.monotonic_ns()}"
    async with taskstream.aio.connect(server.address, project=project) as client:
        events: list[Any] = []
        created: list[str] = []
        async for event in client.watch_instances(task_types=["echo"], heartbeats=True):
            events.append(event)
            if isinstance(event, taskstream.ProjectSnapshot):
                assert event.instances == () and event.seq == 0
                created.append((await client.run_task("noop", {})).id)  # another type: not followed
                created.append((await client.run_task("echo", {"n": 1})).id)
            if isinstance(event, taskstream.InstanceStatusUpdated):
                break
        kinds = [type(e).__name__ for e in events if not isinstance(e, taskstream.Heartbeat)]
        assert kinds == ["ProjectSnapshot", "InstanceCreated", "InstanceStatusUpdated"]
        assert {e.instance.id for e in events[1:] if not isinstance(e, taskstream.Heartbeat)} == {created[1]}
