"""PyODPS and STK code as their users write it, against a real server (issue 23 items 3 and 4)."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest

import taskstream
from taskstream import Instance, TaskStatus
from taskstream.stk import ClusterJobScheduler, JobPriority
from tests.integration.conftest import until_task_status
from tests.support.server import ServerProcess

# -- PyODPS


@pytest.mark.parametrize("pyodps_id", ["20151119084107183gxyp1ek", "2016042605520945g9k5pvyi2"])
def test_an_id_of_another_shape_is_not_found(client: taskstream.Client, pyodps_id: str) -> None:
    missing = client.get_instance(pyodps_id)
    with pytest.raises(taskstream.NotFoundError):
        missing.reload()
    with pytest.raises(taskstream.NotFoundError):
        missing.wait_for_completion(timeout=5)
    with pytest.raises(taskstream.NotFoundError):
        list(missing.watch())
    assert client.exist_instance(pyodps_id) is False
    with pytest.raises(taskstream.InvalidArgumentError, match="1 to 32 letters"):
        client.get_instance("a" * 33).reload()


def test_pyodps_sql_code_runs_as_written(client: taskstream.Client) -> None:
    instance = client.execute_sql("select * from pyodps_iris")
    assert instance.get_task_names() == ["AnonymousSQLTask"]
    with instance.open_reader() as reader:
        count = reader.count
        records = list(reader[0:count])
    assert count == 150 and len(records) == 150
    first = records[0]
    assert (first[0], first["name"], first.name, first.sepalwidth) == (5.1, "Iris-setosa", "Iris-setosa", 3.5)
    statuses = instance.get_task_statuses()
    task = statuses["AnonymousSQLTask"]
    assert task.status == Instance.Task.TaskStatus.SUCCESS and task.type == "sql"
    assert task.start_time is not None and task.end_time is not None and task.start_time <= task.end_time


def test_delete_table_names_its_task_as_pyodps_does(client: taskstream.Client) -> None:
    client.execute_sql("create table pyodps_drop_me as select * from pyodps_iris limit 2")
    dropped = client.delete_table("pyodps_drop_me")
    assert dropped.get_task_names() == ["SQLDropTableTask"]
    assert dropped.is_successful()
    again = client.delete_table("pyodps_drop_me", if_exists=True, async_=True)
    again.wait_for_success(timeout=60)
    with pytest.raises(taskstream.InstanceFailedError):
        client.delete_table("pyodps_drop_me")


def test_run_sql_and_list_instances_in_another_project(client: taskstream.Client) -> None:
    elsewhere = client.run_sql("select 1 as one", "pyodps_other", hints={"odps.sql.x": "1"})
    elsewhere.wait_for_success(timeout=60)
    assert elsewhere.project == "pyodps_other"
    listed = list(client.list_instances(project="pyodps_other", only_owner=True, status="Terminated"))
    assert [i.id for i in listed] == [elsewhere.id]
    assert list(client.list_instances("pyodps_other", from_time=time.time() + 3600)) == []


def test_task_summary_detail_workers_and_log(client: taskstream.Client) -> None:
    instance = client.execute_task("chatty", {"text": "pyodps"})
    summary = instance.get_task_summary("chatty")
    assert summary["status"] == "SUCCESS" and summary["attempts"] == 1
    assert summary.summary_text is not None and summary.summary_text.startswith("chatty (chatty): SUCCESS")
    detail = instance.get_task_detail("chatty")
    assert detail["stdout"]["bytes"] > 0
    (worker,) = instance.get_task_workers("chatty")
    assert worker.id == instance.get_task("chatty").worker and worker.status == "SUCCESS"
    assert "py-out pyodps" in worker.get_log("stdout")
    assert "py-err pyodps" in instance.get_worker_log(worker.log_id, "stderr")


# -- STK


class Adds:
    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b
        self.result: int | None = None

    def execute(self) -> None:
        print("adding")
        self.set_property("inputs", 2)  # type: ignore[attr-defined]
        self.result = self.a + self.b


class WaitsForGate:
    name = "gated"

    def __init__(self, gate: Path) -> None:
        self.gate = gate

    def execute(self) -> None:
        for _ in range(6000):  # at most 60 s
            if self.gate.exists():
                return
            time.sleep(0.01)
        raise TimeoutError("the gate never opened")


def test_stk_code_runs_as_written(server: ServerProcess, tmp_path: Path) -> None:
    host, port = server.address.rsplit(":", 1)
    events: list[tuple[str, Any]] = []
    with ClusterJobScheduler(host, int(port), project="stk") as scheduler:
        with pytest.raises(taskstream.JobStateError):
            scheduler.create_job()  # as STK's: not connected yet
        scheduler.connect()
        job = scheduler.create_job()
        job.priority = JobPriority.HIGH
        job.add_task(Adds(1, 2))
        job.add_task(WaitsForGate(tmp_path / "gate"))
        added = job.tasks[0]
        assert added.task_status == TaskStatus.NOT_SUBMITTED and added.id is None
        job.job_submitted = lambda j: events.append(("submitted", j.id))
        job.task_state_changed = lambda before, after, task: events.append(
            ("state", (task.name, before, after))
        )
        job.job_completed = lambda j: events.append(("completed", j.id))
        job.submit()
        assert added.id == f"{job.instance.name}/tasks/Task0"
        assert job.instance.priority == JobPriority.HIGH.instance_priority

        beats: list[int] = []

        def heartbeat() -> None:
            beats.append(len(beats))
            (tmp_path / "gate").touch()  # the job can end once a heartbeat came

        assert job.wait_until_done(timeout=60, heartbeat_callback=heartbeat, heartbeat_interval=0.05)
        assert beats
        assert added.task_status == TaskStatus.COMPLETED
        assert (added.result, added.standard_output, added.properties) == (3, "adding\n", {"inputs": 2})
    assert events[0] == ("submitted", job.id) and events[-1] == ("completed", job.id)
    states = [change for kind, change in events if kind == "state" and change[0] == "Task0"]
    assert states[0][1] == TaskStatus.NOT_SUBMITTED and states[-1][2] == TaskStatus.COMPLETED
    assert all(before != after for _, before, after in states)


def test_connect_fails_fast_when_nothing_listens() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        scheduler = ClusterJobScheduler("127.0.0.1", port, connect_timeout=30)
        started = time.monotonic()
        with pytest.raises(taskstream.UnavailableError, match="refused"):
            scheduler.connect()
    assert time.monotonic() - started < 25 and not scheduler.is_connected


class WritesMarker:
    name = "produce"

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def execute(self) -> None:
        self.marker.write_text("produced")


class SeesMarker:
    name = "consume"

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def execute(self) -> None:
        self.result = self.marker.exists()  # only true when it runs after "produce" ended


class Breaks:
    name = "breaks"

    def execute(self) -> None:
        raise ValueError("broken on purpose")


class NeverRuns:
    def __init__(self, name: str, marker: Path) -> None:
        self.name = name
        self.marker = marker

    def execute(self) -> None:
        self.marker.write_text("ran")


class WaitsForCancellation:
    def __init__(self, name: str) -> None:
        self.name = name

    def execute(self) -> None:
        self.task_context.wait_for_cancellation(60)  # type: ignore[attr-defined]
        self.result = "saw the cancellation"


def test_stk_add_dependency_orders_tasks_and_cancels_a_failed_one_s_dependents(
    server: ServerProcess, tmp_path: Path
) -> None:
    host, port = server.address.rsplit(":", 1)
    with ClusterJobScheduler(host, int(port), project="stk") as scheduler:
        scheduler.connect()
        job = scheduler.create_job()
        job.add_task(SeesMarker(tmp_path / "marker"))  # added first, runs second
        job.add_task(WritesMarker(tmp_path / "marker"))
        job.add_task(Breaks())
        job.add_task(NeverRuns("skipped", tmp_path / "skipped"))
        consume, produce, breaks, skipped = job.tasks
        job.add_dependency(consume, produce)  # handles
        job.add_dependency("skipped", "breaks")  # or names
        job.add_dependency("skipped", "breaks")  # twice is once
        with pytest.raises(ValueError, match="no task named"):
            job.add_dependency("consume", "nobody")
        job.submit()
        with pytest.raises(taskstream.JobStateError):
            job.add_dependency("produce", "consume")  # only before submit()
        assert job.wait_until_done(timeout=60)
        assert (produce.task_status, consume.task_status) == (TaskStatus.COMPLETED, TaskStatus.COMPLETED)
        assert consume.result is True
        assert breaks.task_status == TaskStatus.FAILED
        assert skipped.task_status == TaskStatus.CANCELED
        assert skipped.task_cancellation_reason == taskstream.CancellationReason.CONSEQUENTIAL
        assert not (tmp_path / "skipped").exists()


def test_stk_cancel_task_stops_one_task_and_its_dependents_only(
    server: ServerProcess, tmp_path: Path
) -> None:
    host, port = server.address.rsplit(":", 1)
    with ClusterJobScheduler(host, int(port), project="stk") as scheduler:
        scheduler.connect()
        job = scheduler.create_job()
        job.add_task(WaitsForCancellation("waits"))
        job.add_task(Adds(2, 3))
        job.add_task(NeverRuns("follows", tmp_path / "follows"))
        waits, adds, follows = job.tasks
        job.add_dependency(follows, waits)
        job.submit()
        until_task_status(job.instance, "waits", TaskStatus.RUNNING)
        job.cancel_task(waits, message="enough waiting")
        assert job.wait_until_done(timeout=60)
        assert waits.task_status == TaskStatus.CANCELED
        assert waits.task_cancellation_reason == taskstream.CancellationReason.DIRECT
        assert waits.task_cancellation_message == "enough waiting"
        assert (follows.task_status, follows.task_cancellation_reason) == (
            TaskStatus.CANCELED,
            taskstream.CancellationReason.CONSEQUENTIAL,
        )
        assert (adds.task_status, adds.result) == (TaskStatus.COMPLETED, 5)  # the others ran on
        assert not (tmp_path / "follows").exists()
        with pytest.raises(taskstream.FailedPreconditionError):
            job.cancel_task("Task1")  # it ended already


def test_stk_cancel_on_client_disconnection_stops_the_job_once_its_client_is_gone(
    server: ServerProcess,
) -> None:
    host, port = server.address.rsplit(":", 1)
    scheduler = ClusterJobScheduler(host, int(port), project="stk")
    scheduler.connect()
    bound = scheduler.create_job(cancel_on_client_disconnection=True, client_disconnect_grace=0.5)
    bound.add_task(WaitsForCancellation("bound"))
    free = scheduler.create_job()
    free.add_task(WaitsForCancellation("free"))
    bound.submit()
    free.submit()
    try:
        # Three grace periods with the client connected: its job's watch keeps the job alive.
        assert not bound.wait_until_done(timeout=1.5)
    finally:
        scheduler.disconnect()  # the watch ends with the client
    with taskstream.connect(server.address, project="stk") as observer:
        ended = observer.get_instance(bound.instance.id)
        ended.wait_for_completion(timeout=60)
        task = ended.get_task("bound")
        assert task.task_status == TaskStatus.CANCELED
        assert task.task_cancellation_reason == taskstream.CancellationReason.CLIENT_DISCONNECTED
        other = observer.get_instance(free.instance.id)
        assert not other.is_terminated()  # a job not bound to its client runs on
        other.stop()
