"""GetInstance answers from the server's answer cache are never stale: right after each kind of change (seen
on a watch stream, which hears of a commit only after the cache dropped the instance), GetInstance answers
the changed instance, never an answer kept from before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

import taskstream
from taskstream import InstanceStatus, TaskStatus
from taskstream.v1 import instance_pb2, instance_service_pb2_grpc
from taskstream.v1 import instance_service_pb2 as pb
from tests.integration.conftest import eventually
from tests.support.server import ServerProcess


@pytest.fixture
def get(server: ServerProcess) -> Iterator[instance_service_pb2_grpc.InstanceServiceStub]:
    with grpc.insecure_channel(server.address) as channel:
        yield instance_service_pb2_grpc.InstanceServiceStub(channel)


def fetch(stub: instance_service_pb2_grpc.InstanceServiceStub, name: str) -> instance_pb2.Instance:
    """GetInstance twice (the second answer may come from the cache): the second is never older."""
    first = stub.GetInstance(pb.GetInstanceRequest(name=name), timeout=10).instance
    again = stub.GetInstance(pb.GetInstanceRequest(name=name), timeout=10).instance
    assert again.seq > first.seq or again == first
    return again


def test_every_change_seen_on_a_watch_is_in_the_next_get_instance(
    client: taskstream.Client, get: instance_service_pb2_grpc.InstanceServiceStub, files: Path
) -> None:
    instance = client.create_instance(
        [
            taskstream.TaskSpec("steps", {"gates": str(files), "count": 2}, name="steps"),
            taskstream.TaskSpec("set_properties", {"values": {"a": 1, "b": "two"}}, name="props"),
        ],
        hold=True,  # resumed once the watch is on, so that it sees every change
    )
    seen = {"progress": 0, "properties": 0, "statuses": 0}
    last_seq = 0
    for event in instance.watch(include_output=True):
        last_seq = event.seq
        answer = fetch(get, instance.name)
        assert answer.seq >= event.seq, f"GetInstance answered seq {answer.seq} after event {event}"
        tasks = {t.name: t for t in answer.tasks}
        if isinstance(event, taskstream.InstanceSnapshot) and event.status == InstanceStatus.SUSPENDED:
            assert InstanceStatus.from_proto(answer.status) == InstanceStatus.SUSPENDED
            instance.resume()
        elif isinstance(event, taskstream.TaskStatusChanged):
            assert (
                TaskStatus.from_proto(tasks[event.task_name].status) == event.status or answer.seq > event.seq
            )
            seen["statuses"] += 1
        elif isinstance(event, taskstream.TaskProgressUpdated):
            assert tasks["steps"].progress.percent >= event.progress.percent
            step = int(event.progress.message.removeprefix("step "))
            (files / str(step)).write_text("open")
            seen["progress"] += 1
        elif isinstance(event, taskstream.TaskPropertyUpdated):
            assert event.key in tasks["props"].properties
            seen["properties"] += 1
    assert seen["progress"] == 2 and seen["properties"] == 2 and seen["statuses"] >= 6
    final = fetch(get, instance.name)
    assert InstanceStatus.from_proto(final.status) == InstanceStatus.TERMINATED and final.successful
    assert final.seq == last_seq
    assert {t.name: TaskStatus.from_proto(t.status) for t in final.tasks} == {
        "steps": TaskStatus.SUCCESS,
        "props": TaskStatus.SUCCESS,
    }
    assert all(t.stdout_info.total_bytes > 0 for t in final.tasks if t.name == "steps")


def test_suspend_resume_and_stop_show_at_once(
    client: taskstream.Client, get: instance_service_pb2_grpc.InstanceServiceStub, files: Path
) -> None:
    gate, started = files / "go", files / "started"
    instance = client.run_task("gate", {"path": str(gate), "started": str(started)})
    eventually(started.exists, what="the task to start")
    before = fetch(get, instance.name)
    assert InstanceStatus.from_proto(before.status) == InstanceStatus.RUNNING

    instance.suspend()
    suspended = fetch(get, instance.name)
    assert InstanceStatus.from_proto(suspended.status) == InstanceStatus.SUSPENDED
    assert TaskStatus.from_proto(suspended.tasks[0].status) == TaskStatus.SUSPENDED
    assert suspended.seq > before.seq

    instance.resume()
    resumed = fetch(get, instance.name)
    assert InstanceStatus.from_proto(resumed.status) == InstanceStatus.RUNNING
    assert TaskStatus.from_proto(resumed.tasks[0].status) != TaskStatus.SUSPENDED

    instance.stop(message="enough")
    stopped = fetch(get, instance.name)
    assert TaskStatus.from_proto(stopped.tasks[0].status) in (TaskStatus.CANCELLING, TaskStatus.CANCELLED)
    assert stopped.tasks[0].cancellation.message == "enough"
    instance.wait_for_completion(timeout=60)
    ended = fetch(get, instance.name)
    assert InstanceStatus.from_proto(ended.status) == InstanceStatus.TERMINATED
    assert TaskStatus.from_proto(ended.tasks[0].status) == TaskStatus.CANCELLED


def test_the_access_check_comes_before_any_cached_answer(
    client: taskstream.Client, get: instance_service_pb2_grpc.InstanceServiceStub
) -> None:
    instance = client.execute_task("noop")
    fetch(get, instance.name)  # cached now
    other_project = instance.name.replace(f"projects/{instance.project}/", "projects/elsewhere/")
    with pytest.raises(grpc.RpcError) as missing:
        get.GetInstance(pb.GetInstanceRequest(name=other_project), timeout=10)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
