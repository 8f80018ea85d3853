"""Instances end to end against a real server with real worker processes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import taskstream
from taskstream import CancellationReason, Instance, InstanceStatus, TaskStatus
from tests.integration.conftest import eventually, until_task_status


def test_noop_runs_to_success(client: taskstream.Client) -> None:
    instance = client.execute_task("noop")
    assert instance.status == Instance.Status.TERMINATED and instance.status.value == "Terminated"
    assert instance.is_terminated() and instance.is_successful()
    assert instance.get_task_names() == ["noop"]
    assert {name: t.task_status for name, t in instance.get_task_statuses().items()} == {
        "noop": TaskStatus.SUCCESS
    }
    assert instance.get_task_result() is None


def test_echo_returns_json_params_and_is_listed(client: taskstream.Client) -> None:
    instance = client.execute_task(
        "echo", {"n": 10_000, "x": [1.5, "a"]}, name="first", labels={"suite": "echo"}
    )
    assert instance.get_task_result("first") == {"n": 10_000, "x": [1.5, "a"]}
    assert client.exist_instance(instance.id)
    listed = [i.id for i in client.list_instances(labels={"suite": "echo"})]
    assert listed == [instance.id]
    assert instance.id in [i.id for i in client.list_instances(status=InstanceStatus.TERMINATED)]


def test_output_is_captured_at_fd_level(client: taskstream.Client) -> None:
    instance = client.execute_task("chatty", {"text": "hi"})
    task = instance.get_task()
    assert task.result == "HI"
    for line in ("py-out hi", "c-out", "sub-out"):
        assert line in task.standard_output
    assert "py-err hi" in task.standard_error and "sub-err" in task.standard_error


def test_failure_keeps_properties_error_and_traceback(client: taskstream.Client) -> None:
    instance = client.run_task("fail", {"message": "Task failure"})
    with pytest.raises(taskstream.InstanceFailedError) as failed:
        instance.wait_for_success(timeout=60)
    assert failed.value.task_name == "fail" and "Task failure" in str(failed.value)
    task = instance.get_task("fail")
    assert task.task_status == TaskStatus.FAILED
    # The client does not unpickle unless asked: the exception reads as its type and message, and the
    # worker's pickle of it loads on request.
    assert isinstance(task.result, taskstream.RemoteTaskError) and str(task.result) == "Task failure"
    assert task.result.pickled is not None and isinstance(task.result.pickled.load(), ValueError)
    assert task.properties == {
        "Property1": 100,
        "Property2": "one hundred",
        "ratio": 0.5,
        "blob": b"\x00\x01",
    }
    assert "Traceback" in task.standard_error and "ValueError: Task failure" in task.standard_error


def test_property_of_a_wrong_type_is_a_type_error_in_the_task(client: taskstream.Client) -> None:
    instance = client.run_task("bad_property")
    instance.wait_for_completion(timeout=60)
    task = instance.get_task()
    assert task.task_status == TaskStatus.FAILED
    assert isinstance(task.result, taskstream.RemoteTaskError) and task.result.type_name == "TypeError"


def test_progress_is_reported_and_formatted_like_pyodps(client: taskstream.Client) -> None:
    instance = client.execute_task("progress")
    progress = instance.get_task_progress()
    assert progress.percent == 40 and progress.message == "reading"
    text = progress.get_stage_progress_formatted_string()
    assert text.endswith("M1_Stg1_job0:0/1/1[100%]\tR2_1_Stg1_job0:1/0/2(+1 backups)[50%]\t")


def test_environment_failure_is_environment_error_without_running(client: taskstream.Client) -> None:
    instance = client.run_task("needs_env")
    instance.wait_for_completion(timeout=60)
    task = instance.get_task()
    assert task.task_status == TaskStatus.ENVIRONMENT_ERROR
    assert isinstance(task.result, taskstream.RemoteTaskError) and task.result.type_name == "RuntimeError"
    assert "database unreachable" in str(task.result)
    assert "database unreachable" in task.standard_error


def test_environment_is_set_up_once_per_worker_process(client: taskstream.Client) -> None:
    runs = [
        (client.execute_task("env_ok").get_task_result(), client.execute_task("pid").get_task_result())
        for _ in range(4)
    ]
    # Each process set its environment up exactly once, however many of its tasks used it.
    assert [setups for setups, _ in runs] == [1, 1, 1, 1]


@pytest.mark.parametrize("how", ["exit", "segfault"])
def test_a_crashing_task_fails_with_a_reason_and_workers_keep_going(
    client: taskstream.Client, how: str
) -> None:
    instance = client.run_task("crash", {"how": how})
    instance.wait_for_completion(timeout=60)
    task = instance.get_task()
    assert task.task_status == TaskStatus.FAILED
    assert isinstance(task.error, taskstream.RemoteTaskError) and "ProcessCrashed" in task.error.type_name
    assert "about to crash" in task.standard_output
    assert task.properties == {"before": "crash"}
    assert client.execute_task("noop").is_successful()


def test_timeout_ends_timed_out(client: taskstream.Client) -> None:
    instance = client.run_task("stubborn", task_timeout=0.5)
    instance.wait_for_completion(timeout=60)
    task = instance.get_task()
    assert task.task_status == TaskStatus.TIMED_OUT
    assert task.task_cancellation_reason == CancellationReason.TIMEOUT


def test_stop_cancels_with_reason_message_and_who(client: taskstream.Client, files: Path) -> None:
    marker = files / "running"
    instance = client.create_instance(
        [
            taskstream.TaskSpec("wait_cancel", name="coop"),
            taskstream.TaskSpec("stubborn", {"marker": str(marker)}, name="stubborn"),
        ]
    )
    eventually(lambda: marker.exists(), what="the stubborn task to start")
    until_task_status(instance, "coop", TaskStatus.RUNNING)
    started = time.monotonic()
    instance.stop(message="no longer needed")
    instance.wait_for_completion(timeout=60)
    assert time.monotonic() - started < 30
    for name in ("coop", "stubborn"):
        task = instance.get_task(name)
        assert task.task_status == TaskStatus.CANCELLED
        assert task.task_cancellation_reason == CancellationReason.DIRECT
        assert task.task_cancellation_message == "no longer needed"
    assert instance.get_task("coop").result == "saw cancellation"
    with pytest.raises(taskstream.FailedPreconditionError):
        instance.stop()


def test_cancel_on_task_failure_cancels_the_rest_consequentially(
    client: taskstream.Client, files: Path
) -> None:
    instance = client.create_instance(
        [
            taskstream.TaskSpec("fail", name="bad"),
            taskstream.TaskSpec("gate", {"path": str(files / "never")}, name="slow"),
        ],
        cancel_on_task_failure=True,
    )
    instance.wait_for_completion(timeout=60)
    slow = instance.get_task("slow")
    assert slow.task_status == TaskStatus.CANCELLED
    assert slow.task_cancellation_reason == CancellationReason.CONSEQUENTIAL


def test_suspend_holds_and_resume_continues(client: taskstream.Client, files: Path) -> None:
    gate, started = files / "go", files / "started"
    instance = client.run_task("gate", {"path": str(gate), "started": str(started)})
    eventually(started.exists, what="the task to start")
    instance.suspend()
    assert instance.status == InstanceStatus.SUSPENDED
    assert {name: t.task_status for name, t in instance.get_task_statuses().items()} == {
        "gate": TaskStatus.SUSPENDED
    }
    gate.write_text("go")
    # Paused with SIGSTOP, it cannot see the gate open until resumed.
    with pytest.raises(taskstream.WaitTimeoutError):
        instance.wait_for_completion(timeout=0.5)
    assert instance.status == InstanceStatus.SUSPENDED
    instance.resume()
    instance.wait_for_success(timeout=60)
    assert instance.get_task_result() == "opened"


def test_priority_orders_waiting_work(client: taskstream.Client, files: Path) -> None:
    # Fill both workers, queue a low and a high priority instance, then free one worker: it must take
    # the high priority task first (freeing both at once would race their two start reports).
    gates = [files / "open-0", files / "open-1"]
    blockers = [client.run_task("gate", {"path": str(gate)}) for gate in gates]
    for blocker in blockers:
        until_task_status(blocker, "gate", TaskStatus.RUNNING)
    low = client.run_task("noop", priority=9)
    high = client.run_task("noop", priority=0)
    gates[0].write_text("open")
    high.wait_for_success(timeout=60)
    low.wait_for_success(timeout=60)
    gates[1].write_text("open")
    assert high.get_task().start_time <= low.get_task().start_time  # type: ignore[operator]


def test_python_object_tasks_stk_style(client: taskstream.Client) -> None:
    class PropertiesExampleTask:
        def execute(self) -> None:
            self.set_property("Property1", 100)  # type: ignore[attr-defined]
            self.set_property("Property2", "one hundred")  # type: ignore[attr-defined]
            self.result = "This won't get back to the scheduler"
            raise Exception("Task failure")

    class Adds:
        def __init__(self, a: int, b: int) -> None:
            self.a, self.b = a, b

        def execute(self) -> None:
            print("adding", self.a, self.b)
            self.result = {"sum": self.a + self.b}

    job = client.create_job(name="stk")
    job.add_task(PropertiesExampleTask())
    job.add_task(Adds(2, 3))
    job.submit()
    assert job.wait_until_done(timeout=60)
    failed, ok = job.tasks
    assert failed.task_status == TaskStatus.FAILED and str(failed.result) == "Task failure"
    assert failed.properties["Property1"] == 100 and failed.properties["Property2"] == "one hundred"
    assert ok.task_status == TaskStatus.COMPLETED and ok.result == {"sum": 5}
    assert "adding 2 3" in ok.standard_output
    assert job.instance.get_task(ok.name).result == ok.result


def test_output_over_the_cap_keeps_head_and_tail(client: taskstream.Client) -> None:
    instance = client.execute_task("spam", {"lines": 20_000})  # 280 KB against a 64 KiB cap
    out = instance.get_task().standard_output
    assert out.startswith("line 00000000\n") and out.endswith("line 00019999\n")
    assert "taskstream cut" in out and len(out) < 70_000
