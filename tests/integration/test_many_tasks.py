"""10,000 tasks across three remote workers: every task runs exactly once to completion, or was retried
after losing its worker with the reason recorded (then it ran at most once per attempt)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import grpc
import pytest

import taskstream
from taskstream import TaskSpec
from taskstream.v1 import instance_service_pb2 as ipb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.support.server import ServerProcess
from tests.support.workers import WorkerProcess

TASKS = 10_000
PER_INSTANCE = 20
WORKERS = ("w1", "w2", "w3")


@pytest.mark.timeout(3000)  # minutes on a shared 2-core machine; no timing is asserted
def test_ten_thousand_tasks_on_three_workers_each_run_once_or_are_retried_with_a_reason(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"  # the side channel: each execution appends "key worker"
    server = ServerProcess(tmp_path / "data", "--lease-seconds", "10", workers=0).start()
    workers = [WorkerProcess(server.address, name, "--slots", "2").start() for name in WORKERS]
    try:
        for worker in workers:
            worker.registered()
        with taskstream.connect(server.address, project="many") as client:
            instances = [
                client.create_instance(
                    [
                        TaskSpec("where", {"runs": str(runs), "key": f"{first + i}"}, name=f"t{i}")
                        for i in range(PER_INSTANCE)
                    ]
                )
                for first in range(0, TASKS, PER_INSTANCE)
            ]
            for instance in instances:  # one by one: each wait is cheap, most return at once
                instance.wait_for_completion(timeout=3000)
        tasks: dict[str, task_pb2.Task] = {}  # read as protos: one GetInstance per instance
        with grpc.insecure_channel(server.address) as channel:
            stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
            for first, instance in zip(range(0, TASKS, PER_INSTANCE), instances, strict=True):
                got = stub.GetInstance(ipb.GetInstanceRequest(name=instance.name)).instance
                for i, task in enumerate(got.tasks):
                    tasks[str(first + i)] = task
    finally:
        for worker in workers:
            worker.stop()
        server.stop()

    executions = [line.split() for line in runs.read_text().splitlines()]
    counts = Counter(key for key, _ in executions)
    assert len(tasks) == TASKS and set(counts) == set(tasks)
    assert {worker for _, worker in executions} == set(WORKERS)
    for key, task in tasks.items():
        assert task.status == task_pb2.TASK_STATUS_SUCCESS, key
        if task.interruptions == 0:
            assert counts[key] == 1 and task.attempts == 1, key
        else:
            assert task.interruption_reason, key
            assert 1 <= counts[key] <= task.attempts == task.interruptions + 1, key
