"""The shared conformance scenario (tests/conformance/scenario.json), run through the Python client.

Go, TypeScript and Java run the same cases with their own clients; each action is implemented once here.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import urllib.request
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

import taskstream
from taskstream import CancellationReason, InstanceStatus, TaskStatus
from taskstream.v1 import instance_pb2, instance_service_pb2, schedule_pb2, task_pb2
from tests.support.server import ServerProcess

SCENARIO = json.loads((Path(__file__).parents[1] / "conformance" / "scenario.json").read_text())
CASES = {case["name"]: case for case in SCENARIO["cases"]}


def task_status(name: str) -> TaskStatus:
    return TaskStatus.from_proto(task_pb2.TaskStatus.Value(name))


def instance_status(name: str) -> InstanceStatus:
    return InstanceStatus.from_proto(instance_pb2.InstanceStatus.Value(name))


def reason(name: str) -> CancellationReason:
    return CancellationReason.from_proto(task_pb2.CancellationReason.Value(name))


def column_type(name: str) -> str:
    """The client's name of a ColumnType: "double" for COLUMN_TYPE_DOUBLE."""
    instance_service_pb2.ColumnType.Value(name)  # a name the API has
    return name.removeprefix("COLUMN_TYPE_").lower()


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> Any:
    with taskstream.connect(server.address, project=SCENARIO["project"]) as c:
        yield c


def start(client: taskstream.Client, case: dict[str, Any], **options: Any) -> taskstream.Instance:
    return start_task(client, case["task"], **options)


def start_task(client: taskstream.Client, task: dict[str, Any], **options: Any) -> taskstream.Instance:
    options.setdefault("hold", task.get("hold", False))
    return client.run_task(task["type"], task["parameters"], **options)


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
    if "error_type_ends_with" in expect or "error_message" in expect:
        check_error(task.error, expect)
    for key, value in expect.get("properties", {}).items():
        (kind, expected), *_ = value.items()
        if kind == "bytes_value_base64":
            expected = base64.b64decode(expected)
        assert task.properties[key] == expected
    if "cancellation_reason" in expect:
        assert task.task_cancellation_reason == reason(expect["cancellation_reason"])
    if "cancellation_message" in expect:
        assert task.task_cancellation_message == expect["cancellation_message"]


def check_error(error: BaseException | None, expect: dict[str, Any]) -> None:
    """A task's error, as the client hands it back without unpickling: its type by name, its message."""
    assert isinstance(error, taskstream.RemoteTaskError)
    if "error_type_ends_with" in expect:
        assert error.type_name.endswith(expect["error_type_ends_with"])
    if "error_message" in expect:
        assert str(error) == expect["error_message"]


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
            event.instance.get_task_statuses()[case["task"]["type"]].task_status == TaskStatus.RUNNING
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
    expect = case["expect"]
    instance = start(client, case)
    with pytest.raises(taskstream.WaitTimeoutError) as timed_out:
        instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert expect["timed_out_error"] and isinstance(timed_out.value, TimeoutError)
    named = client.get_instance(timed_out.value.instance_id)
    assert named is instance and named.status == instance_status(expect["instance_status"])
    instance.stop()
    instance.wait_for_completion()
    assert instance.is_terminated() == expect["after_stop_terminated"]


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


def execute_failed(client: taskstream.Client, case: dict[str, Any]) -> None:
    task, expect = case["task"], case["expect"]
    with pytest.raises(taskstream.InstanceFailedError) as failed:
        client.execute_task(task["type"], task["parameters"], timeout=case["timeout_seconds"])
    error = failed.value
    assert isinstance(error.instance, taskstream.Instance) and error.instance.id == error.instance_id
    assert error.instance.status == instance_status(expect["instance_status"])
    assert error.instance.is_successful() == expect["successful"]
    assert error.task_name == expect["failed_task"]
    assert error.task_status == task_status(expect["task_status"])
    check_error(error.error, expect)


def list_instances(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, label = case["expect"], {case["label_key"]: secrets.token_hex(8)}
    created = [start(client, case, labels=label) for _ in range(case["count"])]
    for instance in created:
        instance.wait_for_completion(timeout=60)
    statuses = [instance_status(name) for name in case["statuses"]]
    listed = list(client.list_instances(status=statuses, labels=label, page_size=case["page_size"]))
    assert len(listed) == expect["count"]
    assert ({i.id for i in listed} == {i.id for i in created}) == expect["same_ids_as_created"]
    ids = [i.id for i in listed]
    assert (ids == sorted(ids, reverse=True)) == expect["newest_first"]


def read_output(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, stream = case["expect"], "stderr" if case["stream"] == "OUTPUT_STREAM_STDERR" else "stdout"
    task = start(client, case).get_task()
    whole = b"".join(chunk.data for chunk in task.read_output(stream, follow=True))
    for text in expect["contains"]:
        assert text.encode() in whole
    tail = b"".join(chunk.data for chunk in task.read_output(stream, offset=-case["tail_bytes"]))
    assert (tail == whole[-case["tail_bytes"] :]) == expect["tail_is_end_of_whole"]


def logview(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, instance = case["expect"], start(client, case)
    instance.wait_for_completion(timeout=60)
    url = instance.get_logview_address(hours=case["hours"])
    assert (instance.id in url) == expect["url_contains_instance_id"]
    with urllib.request.urlopen(url, timeout=30) as page:
        assert page.status == expect["http_status"]


def sub_instances(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, flow = case["expect"], case["xflow"]
    instance = client.run_xflow(flow["name"], flow["project"], flow["parameters"])
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert instance.is_successful() == expect["successful"]
    subs = client.get_xflow_sub_instances(instance)
    assert list(subs) == expect["names"]
    assert all(sub.is_successful() for sub in subs.values()) == expect["all_successful"]


def sql_rows(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, instance = case["expect"], client.run_sql(case["sql"])
    instance.wait_for_success(timeout=case["timeout_seconds"])
    with instance.open_reader(page_size=case["page_size"]) as reader:
        assert reader.columns == [(c["name"], column_type(c["type"])) for c in expect["columns"]]
        rows = list(reader)
    assert len(rows) == expect["row_count"]
    assert json.loads(json.dumps(list(rows[0]))) == expect["first_row"]


def suspend_resume(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, instance = case["expect"], start(client, case, hold=True)
    instance.reload()
    assert instance.status == instance_status(expect["held_status"])
    (held,) = instance.get_task_statuses().values()
    assert held.task_status == task_status(expect["held_task_status"])
    instance.resume()
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert instance.status == instance_status(expect["instance_status"])
    assert instance.is_successful() == expect["successful"]


def wait_many(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    quick, slow = start_task(client, case["quick"]), start_task(client, case["slow"])
    try:
        answered = client.wait_instances([quick, slow], mode="any", timeout=case["timeout_seconds"])
        assert expect["any_done"] and answered == [quick, slow]
        names = {quick.id: "quick", slow.id: "slow"}
        assert [names[i.id] for i in answered if i.is_terminated()] == expect["any_terminated"]
        with pytest.raises(taskstream.WaitTimeoutError) as timed_out:
            client.wait_instances([quick, slow], timeout=expect["all_timeout_seconds"])
        assert expect["all_timed_out_error"] and timed_out.value.instance_id == slow.id
    finally:
        slow.stop()


def task_types(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, offered = case["expect"], {t.name: t for t in client.list_task_types()}
    for name in expect["includes"]:
        assert offered[name].worker_count >= expect["workers_at_least"], name


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


def spec_of(task: dict[str, Any]) -> taskstream.TaskSpec:
    return taskstream.TaskSpec(
        task["type"],
        task["parameters"],
        name=task.get("name"),
        depends_on=[
            taskstream.Dependency(d["task"], d.get("allow_failure", False))
            for d in task.get("depends_on", [])
        ],
    )


def retry_attempts(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, policy = case["expect"], case["retry_policy"]
    retry = taskstream.RetryPolicy(
        max_attempts=policy["max_attempts"],
        initial_backoff=policy["initial_backoff_seconds"],
        backoff_multiplier=policy["backoff_multiplier"],
        non_retryable=policy["non_retryable_error_types"],
    )
    task = case["task"]
    instance = client.create_instance([taskstream.TaskSpec(task["type"], task["parameters"], retry=retry)])
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    handle = instance.get_task()
    check_result(handle, expect)
    assert handle.attempts == expect["attempts"]
    history = handle.attempt_history
    assert [a.status for a in history] == [task_status(s) for s in expect["attempt_history_statuses"]]
    for attempt in history:
        assert isinstance(attempt.error, taskstream.RemoteTaskError)
        assert attempt.error.type_name.endswith(expect["attempt_error_type_ends_with"])


def check_tasks(instance: taskstream.Instance, expect: dict[str, Any]) -> None:
    for name, status in expect.get("task_statuses", {}).items():
        assert instance.get_task(name).task_status == task_status(status), name
    for name, value in expect.get("results_json", {}).items():
        assert instance.get_task(name).result == value, name
    for name, why in expect.get("cancellation_reasons", {}).items():
        assert instance.get_task(name).task_cancellation_reason == reason(why), name


def dependencies(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    instance = client.create_instance([spec_of(t) for t in case["tasks"]])
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert instance.status == instance_status(expect["instance_status"])
    check_tasks(instance, expect)
    first, second = case["tasks"][:2]
    cyclic = [
        taskstream.TaskSpec(
            first["type"], first["parameters"], name=first["name"], depends_on=[second["name"]]
        ),
        taskstream.TaskSpec(
            second["type"], second["parameters"], name=second["name"], depends_on=[first["name"]]
        ),
    ]
    with pytest.raises(taskstream.InvalidArgumentError) as refused:
        client.create_instance(cyclic)
    assert [v.field for v in refused.value.field_violations] == [expect["cycle_field"]]


def cancel_task_and_delete(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, cancel = case["expect"], case["cancel"]
    instance = client.create_instance([spec_of(t) for t in case["tasks"]])
    waiting = instance.get_task_statuses()
    for name, why in expect["waiting_reason_before"].items():
        assert waiting[name].waiting_reason.name == why.removeprefix("WAITING_REASON_"), name
    for name, names in expect["waiting_on_before"].items():
        assert list(waiting[name].waiting_on) == names, name
    for event in instance.watch():
        snapshot_running = isinstance(event, taskstream.InstanceSnapshot) and (
            event.instance.get_task_statuses()[cancel["task"]].task_status == TaskStatus.RUNNING
        )
        running = isinstance(event, taskstream.TaskStatusChanged) and (
            event.task_name == cancel["task"] and event.status == TaskStatus.RUNNING
        )
        if running or snapshot_running:
            break
    instance.cancel_task(cancel["task"], message=cancel["message"])
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    check_tasks(instance, expect)
    assert instance.get_task(cancel["task"]).task_cancellation_message == cancel["message"]
    instance.delete()
    with pytest.raises(taskstream.NotFoundError) as gone:
        client.get_instance(instance.id).reload()
    assert gone.value.code.name == expect["after_delete_code"]
    assert gone.value.reason == expect["after_delete_reason"]


def watch_instances(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    labels = {case["label_key"]: secrets.token_hex(8)}
    first = start_task(client, case["task"], labels=labels)
    first.wait_for_completion(timeout=60)
    watch = client.watch_instances(labels=labels, task_types=[case["task"]["type"]])
    snapshot = next(watch)
    assert isinstance(snapshot, taskstream.ProjectSnapshot)
    assert len(snapshot.instances) == expect["snapshot_instances"]
    (shown,) = snapshot.instances
    assert shown.id == first.id and shown.status == instance_status(expect["snapshot_status"])
    assert list(shown.task_types) == expect["snapshot_task_types"]
    start_task(client, case["other_task"], labels=labels)
    second = start_task(client, case["task"], labels=labels)
    changes: list[Any] = []
    for event in watch:
        assert not isinstance(event, taskstream.ProjectSnapshot)
        changes.append(event)
        if isinstance(event, taskstream.InstanceStatusUpdated) and event.status is InstanceStatus.TERMINATED:
            break
    watch.close()
    kinds = {
        taskstream.InstanceCreated: "instance_created",
        taskstream.InstanceStatusUpdated: "instance_status_changed",
    }
    assert [
        {"change": kinds[type(e)], "status": e.instance.status, "successful": e.instance.successful}
        for e in changes
    ] == [
        {"change": c["change"], "status": instance_status(c["status"]), "successful": c["successful"]}
        for c in expect["changes"]
    ]
    assert {e.instance.id for e in changes} == {second.id}
    seqs = [e.seq for e in changes]
    assert seqs == sorted(set(seqs)) and seqs[0] > snapshot.seq
    resumed = client.watch_instances(labels=labels, task_types=[case["task"]["type"]], after_seq=seqs[0])
    again = next(resumed)
    resumed.close()
    assert kind_of_project(again) == expect["resumed_first_message"]
    assert isinstance(again, taskstream.InstanceStatusUpdated) and again.seq == seqs[1]


def waiting_reason(name: str) -> taskstream.WaitingReason:
    task_pb2.WaitingReason.Value(name)  # a name the API has
    return taskstream.WaitingReason[name.removeprefix("WAITING_REASON_")]


def start_time(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=case["start_after_seconds"])
    start = start.replace(microsecond=start.microsecond // 1000 * 1000)  # whole milliseconds
    instance = start_task(client, case["task"], start_time=start)
    (waiting,) = instance.get_task_statuses().values()
    assert waiting.task_status == task_status(expect["task_status_before"])
    assert waiting.waiting_reason == waiting_reason(expect["waiting_reason_before"])
    assert (instance.scheduled_start_time == start) == expect["scheduled_start_time_is_start_time"]
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert instance.status == instance_status(expect["instance_status"])
    assert instance.is_successful() == expect["successful"]
    task = instance.get_task()
    check_result(task, expect)
    assert task.start_time is not None
    assert (task.start_time >= start) == expect["started_not_before_start_time"]


def watch_until_running(instance: taskstream.Instance, skip: str | None = None) -> str:
    """Watches the instance until a task other than ``skip`` is RUNNING; its name."""
    watch = instance.watch()
    try:
        for event in watch:
            if isinstance(event, taskstream.TaskStatusChanged) and event.status == TaskStatus.RUNNING:
                running = [event.task_name]
            elif isinstance(event, taskstream.InstanceSnapshot):
                running = [t.name for t in event.instance.get_tasks() if t.status == TaskStatus.RUNNING]
            else:
                continue
            found = [name for name in running if name != skip]
            if found:
                return found[0]
    finally:
        watch.close()
    raise AssertionError(f"{instance.id} ended before another task ran")


def concurrency_limit(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    key = f"{case['concurrency_key_prefix']}-{secrets.token_hex(4)}"
    instance = client.create_instance(
        [
            taskstream.TaskSpec(
                t["type"], t["parameters"], name=t["name"], concurrency_key=key,
                concurrency_limit=case["concurrency_limit"],
            )
            for t in case["tasks"]
        ]
    )  # fmt: skip
    first = watch_until_running(instance)
    tasks = instance.get_task_statuses()
    running = [name for name, t in tasks.items() if t.task_status == TaskStatus.RUNNING]
    assert len(running) == expect["running_at_once"] and running == [first]
    for name, task in tasks.items():
        if name != first:
            assert task.task_status == TaskStatus.WAITING, name
            assert task.waiting_reason == waiting_reason(expect["other_waiting_reason"]), name
    instance.cancel_task(first)
    second = watch_until_running(instance, skip=first)
    instance.cancel_task(second)
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    check_tasks(instance, expect)
    ended, started = instance.get_task(first).end_time, instance.get_task(second).start_time
    assert ended is not None and started is not None
    assert (started < ended) == expect["intervals_overlap"]


def retention(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    instance = start(client, case, retention=case["retention_seconds"])
    assert (instance.expire_time is not None) == expect["held_expire_time_set"]
    instance.resume()
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert instance.status == instance_status(expect["instance_status"])
    assert instance.is_successful() == expect["successful"]
    expire, end = instance.expire_time, instance.end_time
    assert expire is not None and end is not None
    assert expire - end == dt.timedelta(seconds=expect["expire_after_end_seconds"])


def bound_to_caller(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect = case["expect"]
    instance = start(
        client,
        case,
        cancel_on_client_disconnection=True,
        client_disconnect_grace=case["client_disconnect_grace_seconds"],
    )
    kept = instance.watch()  # Python's way to keep an instance bound: a watch, open while it should run
    assert isinstance(next(kept), taskstream.InstanceSnapshot)
    try:
        with pytest.raises(taskstream.WaitTimeoutError):
            instance.wait_for_completion(timeout=case["kept_seconds"])
        assert instance.status == instance_status(expect["instance_status_while_kept"])
    finally:
        kept.close()
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert instance.status == instance_status(expect["instance_status"])
    check_result(instance.get_task(), expect)


def kind_of_project(event: object) -> str:
    return "snapshot" if isinstance(event, taskstream.ProjectSnapshot) else "event"


def overlap(name: str) -> taskstream.OverlapPolicy:
    schedule_pb2.OverlapPolicy.Value(name)  # a name the API has
    return taskstream.OverlapPolicy(name.removeprefix("OVERLAP_POLICY_").lower())


def schedule_trigger(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, task = case["expect"], case["task"]
    schedule_id = f"{case['schedule_id_prefix']}-{secrets.token_hex(4)}"
    spec = taskstream.TaskSpec(task["type"], task["parameters"])
    schedule = client.create_schedule(
        schedule_id,
        interval=case["interval_seconds"],
        tasks=[spec],
        overlap=overlap(case["overlap_policy"]),
        labels=case["labels"],
    )
    assert schedule.overlap == overlap(expect["overlap_policy"])
    assert schedule.next_fire_time is not None and schedule.create_time is not None
    assert (schedule.next_fire_time - schedule.create_time).total_seconds() == expect[
        "next_fire_after_create_seconds"
    ]
    with pytest.raises(taskstream.ApiError) as duplicate:
        client.create_schedule(schedule_id, interval=case["interval_seconds"], tasks=[spec])
    assert duplicate.value.code.name == expect["duplicate_code"]
    instance = schedule.trigger()
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert instance.status == instance_status(expect["instance_status"])
    assert instance.is_successful() == expect["successful"]
    assert instance.get_task_result() == expect["result_json"]
    assert instance.schedule == schedule.name
    assert instance.labels == {**expect["instance_labels"], expect["schedule_label"]: schedule_id}
    again = client.get_schedule(schedule_id)
    assert again.fire_count == expect["fire_count"] and again.last_instance == instance
    assert schedule_id in [s.id for s in client.list_schedules()]
    again.delete()
    with pytest.raises(taskstream.NotFoundError) as gone:
        client.get_schedule(schedule_id)
    assert gone.value.code.name == expect["after_delete_code"]


def schedule_pause(client: taskstream.Client, case: dict[str, Any]) -> None:
    expect, task, cron = case["expect"], case["task"], case["cron"]
    schedule_id = f"{case['schedule_id_prefix']}-{secrets.token_hex(4)}"
    spec = taskstream.TaskSpec(task["type"], task["parameters"])
    with pytest.raises(taskstream.InvalidArgumentError) as refused:
        client.create_schedule(schedule_id, cron=expect["bad_cron"], tasks=[spec])
    assert [v.field for v in refused.value.field_violations] == [expect["bad_cron_field"]]
    schedule = client.create_schedule(
        schedule_id, cron=cron["expression"], time_zone=cron["time_zone"], tasks=[spec]
    )
    assert schedule.cron == cron["expression"] and schedule.time_zone == cron["time_zone"]
    assert schedule.next_fire_time is not None
    local = schedule.next_fire_time.astimezone(zoneinfo.ZoneInfo(cron["time_zone"]))
    assert local.strftime("%H:%M") == expect["next_fire_local_time"]
    schedule.pause()
    assert (schedule.next_fire_time is not None) == expect["paused_next_fire_time_set"]
    assert client.get_schedule(schedule_id).paused
    instance = schedule.trigger()  # a paused schedule still starts an instance on demand
    instance.wait_for_completion(timeout=case["timeout_seconds"])
    assert schedule.fire_count == expect["trigger_while_paused_fire_count"]
    schedule.resume()
    assert (schedule.next_fire_time is not None) == expect["resumed_next_fire_time_set"]
    schedule.delete()


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
        execute_failed,
        list_instances,
        read_output,
        logview,
        sub_instances,
        sql_rows,
        suspend_resume,
        wait_many,
        task_types,
        retry_attempts,
        dependencies,
        cancel_task_and_delete,
        watch_instances,
        schedule_trigger,
        schedule_pause,
        start_time,
        concurrency_limit,
        retention,
        bound_to_caller,
    )
}


@pytest.mark.parametrize("name", list(CASES))
def test_conformance(client: taskstream.Client, name: str) -> None:
    case = CASES[name]
    ACTIONS[case["action"]](client, case)
