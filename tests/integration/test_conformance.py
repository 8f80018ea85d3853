"""The shared conformance scenario (tests/conformance/scenario.json), run through the Python client.

Go, TypeScript and Java run the same cases with their own clients; each action is implemented once here.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

import taskstream
from taskstream import CancellationReason, InstanceStatus, TaskStatus
from taskstream.v1 import instance_pb2, task_pb2
from tests.support.server import ServerProcess

SCENARIO = json.loads((Path(__file__).parents[1] / "conformance" / "scenario.json").read_text())
CASES = {case["name"]: case for case in SCENARIO["cases"]}


def task_status(name: str) -> TaskStatus:
    return TaskStatus.from_proto(task_pb2.TaskStatus.Value(name))


def instance_status(name: str) -> InstanceStatus:
    return InstanceStatus.from_proto(instance_pb2.InstanceStatus.Value(name))


def reason(name: str) -> CancellationReason:
    return CancellationReason.from_proto(task_pb2.CancellationReason.Value(name))


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> Any:
    with taskstream.connect(server.address, project=SCENARIO["project"]) as c:
        yield c


def start(client: taskstream.Client, case: dict[str, Any]) -> taskstream.Instance:
    task = case["task"]
    return client.run_task(task["type"], task["parameters"], hold=task.get("hold", False))


def watch_held(instance: taskstream.Instance) -> list[Any]:
    """Watches a held instance to its end, resuming it once the first snapshot arrived."""
    events = []
    for event in instance.watch():
        events.append(event)
        if len(events) == 1:
            instance.resume()
    return events


def check_result(task: taskstream.Task, expect: dict[str, Any]) -> None:
    if "task_status" in expect:
        assert task.task_status == task_status(expect["task_status"])
    if "result_json" in expect:
        assert task.result == expect["result_json"]
    for text in expect.get("stdout_contains", []):
        assert text in task.standard_output
    for text in expect.get("stderr_contains", []):
        assert text in task.standard_error
    if "error_type_ends_with" in expect:
        assert task.error is not None and type(task.error).__name__ == expect["error_type_ends_with"]
    if "error_message" in expect:
        assert str(task.error) == expect["error_message"]
    for key, value in expect.get("properties", {}).items():
        (kind, expected), *_ = value.items()
        if kind == "bytes_value_base64":
            expected = base64.b64decode(expected)
        assert task.properties[key] == expected
    if "cancellation_reason" in expect:
        assert task.task_cancellation_reason == reason(expect["cancellation_reason"])
    if "cancellation_message" in expect:
        assert task.task_cancellation_message == expect["cancellation_message"]


def kind_of(event: object) -> str:
    return "snapshot" if isinstance(event, taskstream.InstanceSnapshot) else "event"


def watch_to_end(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    instance = start(client, case)
    events = watch_held(instance)
    assert kind_of(events[0]) == expect["first_message"] and kind_of(events[-1]) == expect["last_message"]
    first = events[0]
    assert isinstance(first, taskstream.InstanceSnapshot)
    assert first.status == instance_status(expect["snapshot_status"])
    final = events[-1]
    assert isinstance(final, taskstream.InstanceSnapshot)
    assert final.instance.status == instance_status(expect["instance_status"])
    assert final.instance.is_successful() == expect["successful"]
    changes = [e.status for e in events if isinstance(e, taskstream.TaskStatusChanged)]
    tail = [task_status(s) for s in expect["task_status_changes_end_with"]]
    assert changes[-len(tail) :] == tail
    progress = [e.progress for e in events if isinstance(e, taskstream.TaskProgressUpdated)]
    assert len(progress) >= expect["min_progress_events"]
    latest = final.instance.get_task_progress()
    assert latest.percent == expect["progress_percent"] and latest.message == expect["progress_message"]
    assert [s.name for s in latest.stages] == expect["stage_names"]
    check_result(instance.get_task(), expect)


def run_and_read_result(client: taskstream.Client, case: dict[str, Any]) -> None:
    instance = start(client, case)
    instance.wait_for_completion(timeout=60)
    if "successful" in case["expect"]:
        assert instance.is_successful() == case["expect"]["successful"]
    check_result(instance.get_task(), case["expect"])


def stop_when_running(client: taskstream.Client, case: dict[str, Any]) -> None:
    instance = start(client, case)
    events = instance.watch()
    for event in events:
        running = isinstance(event, taskstream.TaskStatusChanged) and event.status == TaskStatus.RUNNING
        snapshot_running = isinstance(event, taskstream.InstanceSnapshot) and (
            event.instance.get_task_statuses().get(case["task"]["type"]) == TaskStatus.RUNNING
        )
        if running or snapshot_running:
            break
    instance.stop(reason=reason(case["stop"]["reason"]), message=case["stop"]["message"])
    final = list(events)[-1]
    assert isinstance(final, taskstream.InstanceSnapshot)
    assert final.instance.status == instance_status(case["expect"]["instance_status"])
    check_result(instance.get_task(), case["expect"])


def resume_watch(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    instance = start(client, case)
    first_pass = watch_held(instance)
    cursor = next(e.seq for e in first_pass if kind_of(e) == "event")
    resumed = list(instance.watch(after_seq=cursor))
    assert kind_of(resumed[0]) == expect["first_message"] and kind_of(resumed[-1]) == expect["last_message"]
    seqs = [e.seq for e in resumed if kind_of(e) == "event"]
    assert all(seq > cursor for seq in seqs) == expect["all_seqs_after_cursor"]
    assert (seqs == sorted(set(seqs))) == expect["seqs_strictly_increasing"]
    final = resumed[-1]
    assert isinstance(final, taskstream.InstanceSnapshot)
    assert final.instance.status == instance_status(expect["instance_status"])


def wait_with_timeout(client: taskstream.Client, case: dict[str, Any]) -> None:
    instance = start(client, case)
    with pytest.raises(taskstream.WaitTimeoutError):
        instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert instance.is_terminated() == case["expect"]["terminated"]
    instance.stop()
    instance.wait_for_completion(timeout=60)
    assert instance.is_terminated() == case["expect"]["after_stop_terminated"]


def execute(client: taskstream.Client, case: dict[str, Any]) -> None:
    task, expect = case["task"], case["expect"]
    if not expect["timed_out"]:
        instance = client.execute_task(task["type"], task["parameters"], timeout=case["timeout_seconds"])
        assert instance.status == instance_status(expect["instance_status"])
        assert instance.is_successful() == expect["successful"]
        check_result(instance.get_task(), expect)
        return
    with pytest.raises(taskstream.WaitTimeoutError) as timed_out:
        client.execute_task(task["type"], task["parameters"], timeout=case["timeout_seconds"])
    instance = client.get_instance(timed_out.value.instance_id)
    assert instance.status == instance_status(expect["instance_status"])
    instance.stop()
    instance.wait_for_completion(timeout=60)
    assert instance.is_terminated() == expect["after_stop_terminated"]


def not_found(client: taskstream.Client, case: dict[str, Any]) -> None:
    assert set(case["expect"].values()) == {"NOT_FOUND"}
    instance_id = case["instance"].rsplit("/", 1)[1]
    missing = client.get_instance(instance_id)
    with pytest.raises(taskstream.NotFoundError):
        missing.reload()
    with pytest.raises(taskstream.NotFoundError):
        list(missing.watch())
    with pytest.raises(taskstream.NotFoundError):
        missing.wait_for_completion(timeout=1)


ACTIONS = {
    f.__name__: f
    for f in (
        watch_to_end,
        run_and_read_result,
        stop_when_running,
        resume_watch,
        wait_with_timeout,
        execute,
        not_found,
    )
}


@pytest.mark.parametrize("name", list(CASES))
def test_conformance(client: taskstream.Client, name: str) -> None:
    case = CASES[name]
    ACTIONS[case["action"]](client, case)
