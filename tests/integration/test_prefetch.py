"""A server that sends workers assignments beyond their slots (--prefetch, and short tasks by default)
still spreads work over idle workers first, runs every task exactly once, keeps each task's outcome, and
takes back what waits behind a task that turned out long."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

import taskstream
from taskstream import TaskSpec, TaskStatus
from taskstream.v1 import instance_service_pb2, instance_service_pb2_grpc
from tests.integration.conftest import eventually, until_task_status
from tests.support.scrape import scrape, value
from tests.support.server import ServerProcess
from tests.support.workers import WorkerProcess


@pytest.fixture(scope="module")
def prefetching(tmp_path_factory: pytest.TempPathFactory) -> Iterator[taskstream.Client]:
    server = ServerProcess(tmp_path_factory.mktemp("prefetch"), "--prefetch", "2", workers=2).start()
    try:
        # Both local workers connected: with one, prefetch rightly sends it everything.
        with grpc.insecure_channel(server.address) as channel:
            stub = instance_service_pb2_grpc.InstanceServiceStub(channel)

            def both_connected() -> bool:
                types = stub.ListTaskTypes(instance_service_pb2.ListTaskTypesRequest()).task_types
                return any(t.name == "gate" and t.worker_count == 2 for t in types)

            eventually(both_connected, what="two connected workers")
        with taskstream.connect(server.address, project="prefetch") as client:
            yield client
    finally:
        server.stop()


def test_two_tasks_go_to_two_idle_workers_not_both_to_the_first(
    prefetching: taskstream.Client, tmp_path: Path
) -> None:
    gate = tmp_path / "open"
    instance = prefetching.create_instance(
        [TaskSpec("gate", {"path": str(gate)}, name=name) for name in ("a", "b")]
    )
    # Both run at once only if each went to its own worker: a prefetched one would wait behind the other.
    until_task_status(instance, "a", TaskStatus.RUNNING)
    until_task_status(instance, "b", TaskStatus.RUNNING)
    gate.write_text("open")
    instance.wait_for_success(timeout=60)


def test_every_task_of_a_large_instance_runs_once(prefetching: taskstream.Client) -> None:
    count = 300
    instance = prefetching.create_instance([TaskSpec("echo", {"i": i}, name=f"t{i}") for i in range(count)])
    instance.wait_for_success(timeout=120)
    tasks = instance.get_tasks()
    assert len(tasks) == count
    assert all(t.task_status == TaskStatus.SUCCESS and t.attempts == 1 for t in tasks)
    assert sorted(instance.get_task_result(f"t{i}")["i"] for i in range(0, count, 37)) == list(
        range(0, count, 37)
    )


def test_short_tasks_waiting_behind_a_hung_one_are_taken_back_for_an_idle_worker(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", workers=1).start()
    spare: WorkerProcess | None = None
    try:
        with taskstream.connect(server.address, project="takeback") as client:
            opened, shut, started = tmp_path / "open", tmp_path / "shut", tmp_path / "started"
            opened.write_text("open")
            # Eight quick runs of each type make both short.
            warm = [TaskSpec("gate", {"path": str(opened)}, name=f"g{i}") for i in range(8)]
            warm += [TaskSpec("noop", name=f"n{i}") for i in range(8)]
            client.create_instance(warm).wait_for_success(timeout=60)
            hung = client.run_task("gate", {"path": str(shut), "started": str(started)})
            eventually(
                lambda: [t.task_status for t in hung.get_task_statuses().values()] == [TaskStatus.RUNNING],
                what="the hung gate to be RUNNING",
            )
            behind = [client.run_task("noop") for _ in range(2)]
            # Sent to the only worker, behind the gate, since a gate has been short so far.
            assert value(scrape(server.http_address), "taskstream_worker_tasks_waiting") == 2
            spare = WorkerProcess(server.address, "spare").start()
            for instance in behind:  # taken back once the gate is overdue, and run by the spare worker
                instance.wait_for_success(timeout=60)
                assert [t.attempts for t in instance.get_tasks()] == [1]
            assert [t.task_status for t in hung.get_task_statuses().values()] == [TaskStatus.RUNNING]
            shut.write_text("open")
            hung.wait_for_success(timeout=60)
    finally:
        if spare is not None:
            spare.stop()
        server.stop()
