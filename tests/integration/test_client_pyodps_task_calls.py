"""PyODPS's task calls that need the server's own figures (issue 23 item 3), against real servers and
real workers: get_task_cost (measured per task in the worker's task process), put_task_info /
get_task_info (key/values set from outside, with permissions, kept across a restart) and
get_queueing_info (run-queue positions, made deterministic by a gate task that holds the only slot)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

import taskstream
from taskstream import Instance, RetryPolicy, TaskSpec, TaskStatus, WaitingReason
from taskstream.errors import (
    ApiError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
)
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import task_pb2
from tests.integration.conftest import until_task_status
from tests.integration.test_replicas import Replicas, create
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerProcess

MIB = 1 << 20

# -- get_task_cost (the session's server)


def test_a_task_s_cost_covers_its_cpu_its_waited_children_and_its_memory(client: taskstream.Client) -> None:
    # 0.2 CPU seconds in the task's process, 0.1 in a child it waits for, 64 MiB held (CPU clocks, not
    # wall time: the figures hold however loaded the machine is).
    instance = client.execute_task("costly", {"cpu": 0.2, "child_cpu": 0.1, "megabytes": 64}, timeout=120)
    cost = instance.get_task_cost("costly")
    assert isinstance(cost, Instance.TaskCost)
    assert cost.cpu_seconds >= 0.3 * 0.95  # the child's figure comes through getrusage's rounding
    assert cost.memory_peak_bytes is not None and cost.memory_peak_bytes >= 64 * MIB
    assert (cost.cpu_cost, cost.memory_cost, cost.input_size) == (
        cost.cpu_seconds,
        cost.memory_peak_bytes,
        None,
    )
    assert instance.get_task().cost == cost  # the task handle shows the same


def test_the_next_task_in_the_same_process_starts_its_peak_afresh(client: taskstream.Client) -> None:
    # One worker process runs tasks one after another: a small task after a big one must not show the
    # big one's peak. Both run in one instance whose second task depends on the first, so that they
    # run one after the other; either may land on any task process, which only makes the check weaker
    # (a fresh process has a small peak as well), never wrong.
    instance = client.create_instance(
        [
            TaskSpec("costly", {"cpu": 0.0, "child_cpu": 0.0, "megabytes": 96}, name="big"),
            TaskSpec("noop", name="small", depends_on=["big"]),
        ]
    )
    instance.wait_for_success(timeout=120)
    big, small = instance.get_task_cost("big"), instance.get_task_cost("small")
    assert big is not None and small is not None and big.memory_peak_bytes and small.memory_peak_bytes
    assert small.memory_peak_bytes <= big.memory_peak_bytes - 64 * MIB


def test_each_attempt_keeps_its_cost_and_a_killed_one_has_none(client: taskstream.Client) -> None:
    retried = client.execute_task(
        "flaky", {"succeed_on": 2}, retry=RetryPolicy(max_attempts=2, initial_backoff=0.01), timeout=120
    )
    task = retried.get_task()
    (first,) = task.attempt_history
    assert first.cost is not None and first.cost.cpu_seconds >= 0  # the failed attempt's
    assert task.cost is not None  # the attempt that succeeded
    crashed = client.run_task("crash", {"how": "exit"})
    crashed.wait_for_completion(timeout=120)
    assert crashed.get_task().task_status == TaskStatus.FAILED
    assert crashed.get_task_cost() is None  # its process died: nothing measured it
    held = client.run_task("noop", {}, hold=True)
    assert held.get_task_cost() is None  # never ran
    held.stop()


# -- put_task_info / get_task_info, under authentication

ALICE = "alice-token-0123456789"  # reads and writes alpha
BOB = "bob-token-0123456789abc"  # reads alpha
CAROL = "carol-token-0123456789"  # reads and writes beta only

TOKENS = f"""
[[token]]
principal = "alice"
token = "{ALICE}"
read = ["alpha"]
write = ["alpha"]

[[token]]
principal = "bob"
token = "{BOB}"
read = ["alpha"]

[[token]]
principal = "carol"
token = "{CAROL}"
read = ["beta"]
write = ["beta"]
"""


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("info")
    tokens = data / "tokens.toml"
    tokens.write_text(TOKENS)
    process = ServerProcess(data, "--auth-file", str(tokens), workers=1).start()
    yield process
    process.stop()


def connect(server: ServerProcess, project: str, token: str) -> taskstream.Client:
    return taskstream.connect(server.address, project=project, token=token)


def test_task_info_round_trip_with_permissions(secured: ServerProcess) -> None:
    with (
        connect(secured, "alpha", ALICE) as alice,
        connect(secured, "alpha", BOB) as bob,
        connect(secured, "beta", CAROL) as carol,
    ):
        instance = alice.run_task("noop", {}, name="held", hold=True)  # held: it has not ended
        instance.put_task_info("held", "progress", "42%")
        text = "naïve € text\x00with a NUL, and \n a newline"
        instance.put_task_info("held", "note", text)
        instance.put_task_info("held", "progress", "43%")  # replaces
        instance.put_task_info("held", "empty", "")
        seen = bob.get_instance(instance.id)
        assert seen.get_task_info("held", "progress") == "43%"
        assert seen.get_task_info("held", "note") == text
        assert seen.get_task_info("held", "empty") == ""
        assert seen.get_task_info("held", "never-set") == ""  # as PyODPS: empty, not an error

        with pytest.raises(PermissionDeniedError) as denied:
            seen.put_task_info("held", "progress", "by bob")
        assert denied.value.reason == "PROJECT_WRITE_DENIED"
        elsewhere = carol.get_instance(instance.name)
        with pytest.raises(PermissionDeniedError) as unreadable:
            elsewhere.get_task_info("held", "progress")
        assert unreadable.value.reason == "PROJECT_READ_DENIED"
        with pytest.raises(PermissionDeniedError):
            elsewhere.put_task_info("held", "progress", "by carol")
        assert seen.get_task_info("held", "progress") == "43%"  # nothing the refused calls sent stuck

        instance.stop()
        instance.wait_for_completion(timeout=60)
        assert seen.get_task_info("held", "progress") == "43%"  # an ended instance's, from the store
        with pytest.raises(FailedPreconditionError) as ended:
            instance.put_task_info("held", "progress", "44%")
        assert ended.value.reason == "TASK_TERMINATED"


def test_bad_task_info_calls_get_the_right_status(secured: ServerProcess) -> None:
    with connect(secured, "alpha", ALICE) as alice:
        instance = alice.run_task("noop", {}, name="held", hold=True)
        for key in ("", "with space", "é", "k" * 257, "new\nline", "semi;colon"):
            with pytest.raises(InvalidArgumentError) as bad_key:
                instance.put_task_info("held", key, "v")
            assert [v.field for v in bad_key.value.field_violations] == ["key"]
        instance.put_task_info("held", "k" * 256, "v")  # the longest key
        instance.put_task_info("held", "a-Z_0.9/x:y", "€" * (65536 // 3))  # 65535 bytes
        with pytest.raises(InvalidArgumentError) as too_big:
            instance.put_task_info("held", "big", "€" * (65536 // 3 + 1))  # 65538 bytes
        assert [v.field for v in too_big.value.field_violations] == ["value"]
        with pytest.raises(TypeError):
            instance.put_task_info("held", "number", 1)  # type: ignore[arg-type]
        with pytest.raises(NotFoundError):
            instance.put_task_info("no-such-task", "k", "v")
        with pytest.raises(NotFoundError):
            instance.get_task_info("no-such-task", "k")
        missing = alice.get_instance("20991231235959999zzzzzzzz")
        with pytest.raises(NotFoundError):
            missing.put_task_info("held", "k", "v")
        with pytest.raises(NotFoundError):
            missing.get_task_info("held", "k")
        for i in range(98):  # 100 keys with the two above
            instance.put_task_info("held", f"key{i}", str(i))
        instance.put_task_info("held", "key0", "again")  # a key it has: still allowed at the limit
        with pytest.raises(ApiError) as full:
            instance.put_task_info("held", "one-too-many", "v")
        assert full.value.reason == "TASK_INFO_KEYS" and full.value.metadata == {"limit": "100"}
        assert instance.get_task_info("held", "key0") == "again"
        instance.stop()


def test_task_info_survives_a_restart(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, workers=1).start()
    try:
        with taskstream.connect(server.address, project="restart") as client:
            instance = client.run_task("noop", {}, name="held", hold=True)
            instance.put_task_info("held", "stage", "one")
            instance_id = instance.id
    finally:
        server.stop()
    again = ServerProcess(tmp_path, workers=1).start()
    try:
        with taskstream.connect(again.address, project="restart") as client:
            instance = client.get_instance(instance_id)
            assert instance.get_task_info("held", "stage") == "one"  # loaded with the active instance
            instance.put_task_info("held", "stage", "two")
            instance.resume()
            instance.wait_for_success(timeout=60)
            assert instance.get_task_info("held", "stage") == "two"
    finally:
        again.stop()


# -- get_queueing_info: one slot held by a gate task, no prefetch, so the queue stays as built


@pytest.fixture(scope="module")
def one_slot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("queue"), "--short-task-prefetch", "0", "--prefetch", "0", workers=1
    ).start()
    yield process
    process.stop()


def test_queueing_info_gives_each_waiting_task_its_reason_and_position(
    one_slot: ServerProcess, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    gated = {"path": str(gate)}
    with taskstream.connect(one_slot.address, project="queue") as client:
        holder = client.run_task("gate", gated, name="holder")
        until_task_status(holder, "holder", TaskStatus.RUNNING)  # the only slot is taken from here on
        later = client.create_instance(
            [
                TaskSpec("gate", gated, name="first"),
                TaskSpec("gate", gated, name="second"),
                TaskSpec("noop", name="after", depends_on=["first"]),
            ]
        )
        urgent = client.run_task("gate", gated, name="urgent", priority=0)  # smaller runs first
        try:
            info = later.get_queueing_info()
            assert isinstance(info, Instance.InstanceQueueingInfo)
            assert list(info.tasks) == ["first", "second", "after"]
            first, second, after = info.tasks.values()
            assert (first.position, second.position, after.position) == (2, 3, None)
            assert first.status == TaskStatus.WAITING and first.waiting_reason == WaitingReason.QUEUED
            assert after.waiting_reason == WaitingReason.DEPENDENCY
            assert info.queue_length == 3 and info.position == 2
            assert (info.task_name, info.task_type) == ("first", "gate")
            assert (info.instance_id, info.priority, info.status) == (later.id, 9, Instance.Status.RUNNING)
            assert info.user_account == later.owner and info.start_time is None
            assert urgent.get_queueing_info().tasks["urgent"].position == 1
            assert holder.get_queueing_info().tasks == {}  # it started
            # The CLI's get says how many tasks are queued ahead of each queued one.
            shown = subprocess.run(
                [sys.executable, "-m", "taskstream.cli", "get", later.id],
                env={**os.environ, "TASKSTREAM_SERVER": one_slot.address, "TASKSTREAM_PROJECT": "queue"},
                capture_output=True,
                text=True,
                timeout=60,
            )
            rows = [line.split()[:3] for line in shown.stdout.splitlines()[-3:]]
            assert rows == [
                ["first", "WAITING", "(QUEUED"],
                ["second", "WAITING", "(QUEUED"],
                ["after", "WAITING", "(DEPENDENCY:"],
            ], shown.stderr
            assert "WAITING (QUEUED behind 1)" in shown.stdout and "WAITING (QUEUED behind 2)" in shown.stdout

            later.suspend()  # its tasks leave the queue; their old entries must not count
            held = later.get_queueing_info()
            assert [(t.status, t.position) for t in held.tasks.values()] == [(TaskStatus.SUSPENDED, None)] * 3
            assert held.queue_length == 1 and urgent.get_queueing_info().tasks["urgent"].position == 1
            later.resume()
            assert [t.position for t in later.get_queueing_info().tasks.values()] == [2, 3, None]
        finally:
            gate.touch()
        for instance in (holder, later, urgent):
            instance.wait_for_success(timeout=60)
        done = later.get_queueing_info()
        assert done.status == Instance.Status.TERMINATED and done.tasks == {} and done.position is None


def test_queueing_info_of_an_unknown_instance_is_not_found(one_slot: ServerProcess) -> None:
    with taskstream.connect(one_slot.address, project="queue") as client, pytest.raises(NotFoundError):
        client.get_instance("20991231235959999zzzzzzzz").get_queueing_info()


# -- replicas: a put and a queueing read reaching a replica that does not own the instance


def test_a_replica_forwards_puts_and_queueing_reads_to_the_owner(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    replicas = Replicas(postgres, tmp_path)
    try:
        a, b = replicas.start("a"), replicas.start("b")
        stub_a, stub_b = replicas.stub(a), replicas.stub(b)
        # Created on A, in a shard of A's (no worker anywhere: its task stays WAITING, not terminated).
        instance = create(stub_a, "noop")
        task = f"{instance.name}/tasks/{instance.tasks[0].name}"
        stub_b.PutTaskInfo(pb.PutTaskInfoRequest(name=task, key="via", value="replica b"), timeout=30)
        for stub in (stub_a, stub_b):  # A from its memory, B from the store
            assert dict(stub.GetTaskInfo(pb.GetTaskInfoRequest(name=task), timeout=30).info) == {
                "via": "replica b"
            }
        queued = stub_b.GetQueueingInfo(pb.GetQueueingInfoRequest(name=instance.name), timeout=30)
        (entry,) = queued.tasks
        assert entry.status == task_pb2.TASK_STATUS_WAITING and entry.queue_position == 1  # A's queue
        assert entry.waiting_reason == task_pb2.WAITING_REASON_NO_WORKER_FOR_TYPE  # none anywhere
        stub_b.StopInstance(pb.StopInstanceRequest(name=instance.name), timeout=30)
        with pytest.raises(grpc.RpcError) as ended:
            stub_b.PutTaskInfo(pb.PutTaskInfoRequest(name=task, key="via", value="late"), timeout=30)
        assert ended.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    finally:
        replicas.close()
