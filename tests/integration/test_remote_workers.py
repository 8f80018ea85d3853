"""Remote workers (``taskstreamd worker`` processes) under leases: lost workers, partitions, labels."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

import taskstream
from taskstream import TaskSpec, TaskStatus
from tests.integration.conftest import eventually, until_task_status
from tests.support.proxy import CuttableProxy
from tests.support.server import ServerProcess
from tests.support.workers import WorkerProcess

# Short, so that a lost worker's lease runs out soon; no test depends on how soon.
LEASE = ["--lease-seconds", "3"]
HELD = "held_by_worker"


@pytest.fixture(params=["sqlite", "postgresql"])
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    # On PostgreSQL too: leases, their reaper and the fencing run there on row locks.
    db = (
        ["--db", request.getfixturevalue("postgres").create_database()]
        if request.param == "postgresql"
        else []
    )
    process = ServerProcess(tmp_path / "data", *LEASE, *db, workers=0).start()
    yield process
    process.stop()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def _runs(files: Path) -> list[str]:
    path = files / "runs"
    return path.read_text().splitlines() if path.exists() else []


def test_a_worker_killed_mid_task_makes_it_interrupted_and_retried_on_another(
    server: ServerProcess, workers: list[WorkerProcess], files: Path
) -> None:
    a = WorkerProcess(server.address, "A").start().registered()
    workers.append(a)
    with taskstream.connect(server.address, project="leases") as client:
        instance = client.run_task(HELD, {"dir": str(files)})
        eventually((files / "started-A").exists, what="the task to start on A")
        task_pid = int((files / "started-A").read_text())
        a.kill()
        with contextlib.suppress(ProcessLookupError):
            os.kill(task_pid, signal.SIGKILL)  # its task process too, as a machine crash would
        until_task_status(instance, HELD, TaskStatus.INTERRUPTED)

        workers.append(WorkerProcess(server.address, "B").start())
        (files / "open-B").write_text("")
        instance.wait_for_success(timeout=60)
        task = instance.get_task()
        assert task.result == {"worker": "B"}
        assert (task.attempts, task.interruptions) == (2, 1)
        assert "worker A" in task.interruption_reason
        assert _runs(files) == ["done B"]


def test_a_partitioned_worker_loses_its_lease_and_its_late_reports_are_refused(
    server: ServerProcess, workers: list[WorkerProcess], files: Path
) -> None:
    proxy = CuttableProxy(server.address)
    a = WorkerProcess(proxy.address, "A").start().registered()
    workers.append(a)
    try:
        with taskstream.connect(server.address, project="leases") as client:
            instance = client.run_task(HELD, {"dir": str(files)})
            eventually((files / "started-A").exists, what="the task to start on A")
            proxy.hold()  # A and the server both still see an open stream; no heartbeat gets through
            until_task_status(instance, HELD, TaskStatus.INTERRUPTED)
            interrupted = instance.get_task()
            assert "lease of worker A" in interrupted.interruption_reason

            workers.append(WorkerProcess(server.address, "B").start())
            eventually((files / "started-B").exists, what="the retry to start on B")
            (files / "open-A").write_text("")  # A's attempt ends while it is cut off
            eventually(lambda: "done A" in _runs(files), what="A's attempt to end")

            proxy.release()  # A's heartbeats and its TaskFinished now reach the server
            a.wait_for_log("its TaskFinished was refused")
            retried = instance.get_task()
            assert retried.task_status == TaskStatus.RUNNING and retried.attempts == 2

            (files / "open-B").write_text("")
            instance.wait_for_success(timeout=60)
            task = instance.get_task()
            assert task.result == {"worker": "B"}
            assert (task.attempts, task.interruptions) == (2, 1)
            assert _runs(files) == ["done A", "done B"]  # both ran; only B's outcome counts
    finally:
        proxy.close()


def test_tasks_that_require_labels_run_only_on_workers_that_have_them(
    server: ServerProcess, workers: list[WorkerProcess], files: Path
) -> None:
    gpu = WorkerProcess(server.address, "gpu", "--labels", "gpu=true,zone=a", "--slots", "2")
    plain = WorkerProcess(server.address, "plain", "--slots", "2")
    workers += [gpu.start(), plain.start()]
    gpu.registered()
    plain.registered()
    needs_gpu = [f"gpu{i}" for i in range(4)]
    anywhere = [f"any{i}" for i in range(4)]
    specs = [TaskSpec("where", name=n, required_labels={"gpu": "true"}) for n in needs_gpu]
    specs += [TaskSpec("where", name=n) for n in anywhere]
    specs.append(TaskSpec("where", name="tpu", required_labels={"tpu": "v5"}))
    with taskstream.connect(server.address, project="labels") as client:
        instance = client.create_instance(specs)
        for name in needs_gpu + anywhere:
            until_task_status(instance, name, TaskStatus.SUCCESS)
        assert {instance.get_task(n).result["worker"] for n in needs_gpu} == {"gpu"}
        # Nothing connected has tpu=v5: that task waits for a worker that has it.
        assert instance.get_task("tpu").task_status == TaskStatus.WAITING

        workers.append(WorkerProcess(server.address, "tpu", "--labels", "tpu=v5").start())
        instance.wait_for_success(timeout=60)
        assert instance.get_task("tpu").result["worker"] == "tpu"
