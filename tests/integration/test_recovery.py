"""Restarts and lost workers: nothing acknowledged is lost, nothing stays RUNNING forever."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import taskstream
from taskstream import TaskStatus
from tests.integration.conftest import eventually
from tests.support.integrity import assert_store_sound
from tests.support.server import ServerProcess


def test_tasks_running_when_the_server_died_are_retried_after_restart(tmp_path: Path) -> None:
    data, gate, started = tmp_path / "data", tmp_path / "gate", tmp_path / "started"
    server = ServerProcess(data, "--lease-seconds", "2", workers=1).start()
    with taskstream.connect(server.address, project="recovery") as client:
        running = client.run_task("gate", {"path": str(gate), "started": str(started)})
        queued = client.run_task("echo", {"kept": True})
        eventually(started.exists, what="the task to start")
        instance_id, queued_id = running.id, queued.id
    server.kill()  # SIGKILL: no chance to clean up

    gate.write_text("open")
    restarted = ServerProcess(data, "--lease-seconds", "2", workers=1).start()
    try:
        with taskstream.connect(restarted.address, project="recovery") as client:
            again = client.get_instance(instance_id)
            again.wait_for_success(timeout=60)
            task = again.get_task()
            assert task.result == "opened"
            assert task.attempts == 2
            queued_again = client.get_instance(queued_id)
            queued_again.wait_for_success(timeout=60)
            assert queued_again.get_task_result() == {"kept": True}
    finally:
        restarted.stop()
    assert assert_store_sound(data)["counts"]["tasks holding a worker"] == 0


def test_a_killed_worker_interrupts_its_task_which_is_retried(tmp_path: Path) -> None:
    gate, started = tmp_path / "gate", tmp_path / "started"
    server = ServerProcess(tmp_path / "data", workers=1).start()
    try:
        with taskstream.connect(server.address, project="recovery") as client:
            instance = client.run_task("gate", {"path": str(gate), "started": str(started)})
            eventually(started.exists, what="the task to start")
            # Kill the local worker process (the parent of the task's process).
            task_pid = _pid_of_file_writer(started)
            os.kill(_parent_of(task_pid), signal.SIGKILL)
            started.unlink()
            eventually(started.exists, what="the retried task to start")
            gate.write_text("open")
            instance.wait_for_success(timeout=60)
            task = instance.get_task()
            assert task.attempts == 2 and task.task_status == TaskStatus.SUCCESS
    finally:
        server.stop()
    assert assert_store_sound(tmp_path / "data")["counts"]["tasks holding a worker"] == 0


def _pid_of_file_writer(started: Path) -> int:
    return int(started.read_text().split()[-1])


def _parent_of(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1])
