"""The state machine on plain objects: no store, no gRPC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskstream.status import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.domain import transitions
from taskstreamd.domain.model import Cancellation, Instance, InstanceOptions, Task, TaskFailure
from taskstreamd.errors import FailedPrecondition

NOW = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)


def make(*statuses: TaskStatus, cancel_on_failure: bool = False, retries: int = 3) -> Instance:
    instance = Instance(
        id="20261121103000123abcdefgh",
        project="p",
        owner="me",
        priority=9,
        create_time=NOW,
        options=InstanceOptions(cancel_on_task_failure=cancel_on_failure, max_interrupted_retries=retries),
    )
    for i, status in enumerate(statuses):
        task = Task(id=i + 1, index=i, name=f"t{i}", type="echo", status=status)
        if status in (TaskStatus.ASSIGNED, TaskStatus.RUNNING):
            task.worker, task.assignment_id, task.attempts = "w1", f"{i + 1}-1", 1
            task.started = status == TaskStatus.RUNNING
        instance.tasks.append(task)
    instance.count_tasks()
    return instance


def direct(message: str = "stop") -> Cancellation:
    return Cancellation(CancellationReason.DIRECT, message, "alice", NOW)


def test_start_then_success_terminates_successfully() -> None:
    instance = make(TaskStatus.ASSIGNED)
    task = instance.tasks[0]
    transitions.start(instance, task, NOW)
    assert task.status == TaskStatus.RUNNING and instance.start_time == NOW
    assert transitions.finish(instance, task, TaskStatus.SUCCESS, None, NOW) == []
    assert instance.status == InstanceStatus.TERMINATED and instance.successful


def test_failure_keeps_error_and_instance_is_not_successful() -> None:
    instance = make(TaskStatus.RUNNING, TaskStatus.RUNNING)
    error = TaskFailure("ValueError", "bad")
    transitions.finish(instance, instance.tasks[0], TaskStatus.FAILED, error, NOW)
    assert instance.tasks[0].error == error
    assert instance.status == InstanceStatus.RUNNING
    transitions.finish(instance, instance.tasks[1], TaskStatus.SUCCESS, None, NOW)
    assert instance.status == InstanceStatus.TERMINATED and not instance.successful


def test_cancel_on_task_failure_cancels_the_others_consequentially() -> None:
    instance = make(TaskStatus.RUNNING, TaskStatus.RUNNING, TaskStatus.WAITING, cancel_on_failure=True)
    effects = transitions.finish(instance, instance.tasks[0], TaskStatus.FAILED, TaskFailure("E", "x"), NOW)
    running, waiting = instance.tasks[1], instance.tasks[2]
    assert running.status == TaskStatus.CANCELLING
    assert waiting.status == TaskStatus.CANCELLED
    assert (
        waiting.cancellation is not None and waiting.cancellation.reason == CancellationReason.CONSEQUENTIAL
    )
    assert effects == [transitions.SendCancel("w1", "2-1", running.cancellation, 0.0)]  # type: ignore[arg-type]


def test_stop_cancels_waiting_at_once_and_asks_running_to_stop() -> None:
    instance = make(TaskStatus.WAITING, TaskStatus.RUNNING, TaskStatus.SUCCESS)
    effects = transitions.stop(instance, direct("enough"), 5.0, NOW)
    assert [t.status for t in instance.tasks] == [
        TaskStatus.CANCELLED,
        TaskStatus.CANCELLING,
        TaskStatus.SUCCESS,
    ]
    assert len(effects) == 1 and isinstance(effects[0], transitions.SendCancel)
    assert effects[0].grace_period == 5.0
    # Whatever the running task reports after the stop, it ends CANCELLED with the caller's reason.
    transitions.finish(instance, instance.tasks[1], TaskStatus.SUCCESS, None, NOW)
    assert instance.tasks[1].status == TaskStatus.CANCELLED
    assert instance.tasks[1].cancellation is not None and instance.tasks[1].cancellation.message == "enough"
    assert instance.status == InstanceStatus.TERMINATED


def test_stopping_a_terminated_instance_is_a_failed_precondition() -> None:
    instance = make(TaskStatus.SUCCESS)
    transitions.refresh(instance, NOW)
    with pytest.raises(FailedPrecondition):
        transitions.stop(instance, direct(), 1.0, NOW)


def test_suspend_holds_waiting_pauses_running_and_resume_restores() -> None:
    instance = make(TaskStatus.WAITING, TaskStatus.RUNNING, TaskStatus.ASSIGNED)
    effects = transitions.suspend(instance)
    assert instance.status == InstanceStatus.SUSPENDED
    assert all(t.status == TaskStatus.SUSPENDED for t in instance.tasks)
    assert effects == [transitions.SendSuspend("w1", "2-1"), transitions.SendSuspend("w1", "3-1")]
    with pytest.raises(FailedPrecondition):
        transitions.suspend(instance)
    effects = transitions.resume(instance)
    assert [t.status for t in instance.tasks] == [TaskStatus.WAITING, TaskStatus.RUNNING, TaskStatus.ASSIGNED]
    assert transitions.Enqueue(instance.id, 1) in effects


def test_worker_lost_retries_then_fails_past_the_limit() -> None:
    instance = make(TaskStatus.RUNNING, retries=1)
    task = instance.tasks[0]
    assert transitions.worker_lost(instance, task, NOW) == [transitions.Enqueue(instance.id, 1)]
    assert task.status == TaskStatus.INTERRUPTED and task.interruptions == 1 and task.worker == ""
    task.status, task.worker = TaskStatus.RUNNING, "w2"
    assert transitions.worker_lost(instance, task, NOW) == []
    assert task.status == TaskStatus.FAILED
    assert task.error is not None and task.error.type == "taskstream.WorkerLost"
    assert instance.status == InstanceStatus.TERMINATED


def test_worker_lost_records_why_and_names_the_last_reason_when_giving_up() -> None:
    instance = make(TaskStatus.RUNNING, retries=1)
    task = instance.tasks[0]
    transitions.worker_lost(instance, task, NOW, "the lease of worker A expired")
    assert task.interruption_reason == "the lease of worker A expired"
    task.status, task.worker = TaskStatus.RUNNING, "w2"
    transitions.worker_lost(instance, task, NOW, "worker B disconnected")
    assert task.error is not None and task.error.message.endswith("last: worker B disconnected")


def test_worker_lost_while_cancelling_ends_cancelled() -> None:
    instance = make(TaskStatus.RUNNING)
    transitions.stop(instance, direct(), 5.0, NOW)
    transitions.worker_lost(instance, instance.tasks[0], NOW)
    assert instance.tasks[0].status == TaskStatus.CANCELLED


def test_a_task_given_back_unstarted_is_queued_again_with_its_attempt_number_back() -> None:
    instance = make(TaskStatus.ASSIGNED)
    task = instance.tasks[0]
    assert transitions.taken_back(instance, task, NOW) == [transitions.Enqueue(instance.id, 1)]
    assert (task.status, task.worker, task.attempts, task.interruptions) == (TaskStatus.WAITING, "", 0, 0)


def test_a_started_task_is_not_given_back_and_a_cancelled_one_ends() -> None:
    running = make(TaskStatus.RUNNING)
    assert transitions.taken_back(running, running.tasks[0], NOW) == []
    assert running.tasks[0].status == TaskStatus.RUNNING and running.tasks[0].worker == "w1"
    stopping = make(TaskStatus.ASSIGNED)
    stopping.tasks[0].status = TaskStatus.CANCELLING
    assert transitions.taken_back(stopping, stopping.tasks[0], NOW) == []
    assert stopping.tasks[0].status == TaskStatus.CANCELLED


def test_timeout_records_a_timeout_cancellation() -> None:
    instance = make(TaskStatus.RUNNING)
    task = instance.tasks[0]
    task.timeout = 2.0
    transitions.finish(
        instance, task, TaskStatus.TIMED_OUT, TaskFailure("taskstream.TaskTimeout", "slow"), NOW
    )
    assert task.status == TaskStatus.TIMED_OUT
    assert task.cancellation is not None and task.cancellation.reason == CancellationReason.TIMEOUT


def test_reports_after_the_end_change_nothing() -> None:
    instance = make(TaskStatus.RUNNING)
    task = instance.tasks[0]
    transitions.finish(instance, task, TaskStatus.SUCCESS, None, NOW)
    assert transitions.finish(instance, task, TaskStatus.FAILED, TaskFailure("E", "late"), NOW) == []
    assert task.status == TaskStatus.SUCCESS and task.error is None


# -- the task counts that tell an instance's end without scanning its tasks


def test_ending_one_task_of_many_moves_the_counts_not_a_scan() -> None:
    instance = make(*([TaskStatus.RUNNING] * 3))
    assert (instance.open_tasks, instance.unsuccessful_tasks) == (3, 0)
    transitions.finish(instance, instance.tasks[0], TaskStatus.FAILED, TaskFailure("E", "x"), NOW)
    assert (instance.open_tasks, instance.unsuccessful_tasks) == (2, 1)
    transitions.finish(instance, instance.tasks[1], TaskStatus.SUCCESS, None, NOW)
    assert instance.status == InstanceStatus.RUNNING and instance.end_time is None
    transitions.finish(instance, instance.tasks[2], TaskStatus.SUCCESS, None, NOW)
    assert instance.status == InstanceStatus.TERMINATED and not instance.successful
    assert (instance.open_tasks, instance.unsuccessful_tasks) == (0, 1)


def test_assign_starts_a_new_attempt_named_by_its_assignment_id() -> None:
    instance = make(TaskStatus.WAITING)
    task = instance.tasks[0]
    transitions.assign(instance, task, "w2")
    assert (task.status, task.worker, task.attempts, task.assignment_id) == (
        TaskStatus.ASSIGNED,
        "w2",
        1,
        "1-1",
    )
    transitions.worker_lost(instance, task, NOW, "gone")
    assert task.status == TaskStatus.INTERRUPTED and not task.worker
    transitions.assign(instance, task, "w3")
    assert task.assignment_id == "1-2" and task.attempts == 2
