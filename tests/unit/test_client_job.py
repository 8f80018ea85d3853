"""The STK-style Job: what submit() sends, its state rules, waiting and cancelling."""

from __future__ import annotations

import datetime as dt
import pickle

import grpc
import pytest

from taskstream import ClusterJobScheduler, Job, JobPriority, errors
from taskstream.status import InstanceStatus, TaskStatus
from taskstream.v1 import task_pb2
from tests.unit.test_client_fake import serve


class Multiply:
    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b
        self.result: int | None = None

    def execute(self) -> None:
        self.result = self.a * self.b


class Named:
    name = "custom"

    def execute(self) -> None:
        pass


class NotAString:
    name = 7

    def execute(self) -> None:
        pass


class Environment:
    def __init__(self, url: str) -> None:
        self.url = url

    def setup(self) -> None:
        pass

    def teardown(self) -> None:
        pass


def test_submit_sends_one_create_instance_with_pickled_objects() -> None:
    with serve() as (fake, client):
        job = client.create_job(
            "nightly", cancel_on_task_failure=True, priority=2, max_interrupted_retries=1, task_timeout=30,
            labels={"team": "a"},
        )  # fmt: skip
        assert job.add_task(Multiply(6, 7)) == "Task0"
        assert job.add_task(Named()) == "custom"
        assert job.add_task(NotAString()) == "Task2"
        job.set_task_environment(Environment("sqlite://"))
        instance = job.submit()
        (request,) = fake.requests("CreateInstance")
        assert fake.calls == [("CreateInstance", request)]
    assert job.instance is instance and job.id == instance.id
    assert request.parent == "projects/default"
    assert [spec.name for spec in request.tasks] == ["Task0", "custom", "Task2"]
    assert all(spec.type == "" for spec in request.tasks)
    task = pickle.loads(request.tasks[0].python_object)
    assert isinstance(task, Multiply) and (task.a, task.b) == (6, 7)
    task.execute()
    assert task.result == 42
    environments = [pickle.loads(spec.python_environment) for spec in request.tasks]
    assert [type(env) for env in environments] == [Environment] * 3
    assert {env.url for env in environments} == {"sqlite://"}
    assert dict(request.labels) == {"team": "a", "job_name": "nightly"}
    assert request.priority == 2
    assert request.options.cancel_on_task_failure is True
    assert request.options.max_interrupted_retries == 1
    assert request.options.task_timeout.ToTimedelta() == dt.timedelta(seconds=30)
    assert request.request_id


def test_a_job_without_name_or_environment() -> None:
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Multiply(1, 2))
        job.submit()
        (request,) = fake.requests("CreateInstance")
    assert dict(request.labels) == {}
    assert request.tasks[0].python_environment == b""
    assert not request.HasField("priority")
    assert request.options.cancel_on_task_failure is False


def test_options_set_as_attributes_before_submit_are_sent() -> None:
    with serve() as (fake, client):
        job = client.create_job()
        job.priority = 0
        job.cancel_on_task_failure = True
        job.add_task(Multiply(1, 2))
        job.submit()
        (request,) = fake.requests("CreateInstance")
    assert request.priority == 0 and request.options.cancel_on_task_failure is True


def test_a_failed_submit_can_be_retried_with_the_same_request_id() -> None:
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Multiply(1, 2))
        fake.errors["CreateInstance"] = (grpc.StatusCode.UNAVAILABLE, "draining", [])
        with pytest.raises(errors.UnavailableError):
            job.submit()
        assert not job.is_submitted and job.id is None
        job.submit()
        first, second = fake.requests("CreateInstance")
    assert first.request_id == second.request_id != ""


def test_state_errors() -> None:
    with serve() as (_, client):
        job = client.create_job()
        with pytest.raises(errors.JobStateError):
            job.submit()  # no tasks
        assert job.tasks == []
        with pytest.raises(errors.JobStateError):
            _ = job.instance
        with pytest.raises(errors.JobStateError):
            job.wait_until_done()
        with pytest.raises(errors.JobStateError):
            job.cancel()
        job.add_task(Multiply(1, 2))
        job.submit()
        with pytest.raises(errors.JobStateError, match="already submitted"):
            job.submit()
        with pytest.raises(errors.JobStateError):
            job.add_task(Multiply(1, 2))
        with pytest.raises(errors.JobStateError):
            job.set_task_environment(Environment("x"))
    assert isinstance(errors.JobStateError("x"), RuntimeError)


def test_add_task_rejects_objects_without_execute_and_duplicate_names() -> None:
    with serve() as (_, client):
        job = client.create_job()
        with pytest.raises(TypeError):
            job.add_task(object())
        job.add_task(Named())
        with pytest.raises(ValueError, match="custom"):
            job.add_task(Named())


def test_an_unpicklable_task_is_a_type_error_at_submit() -> None:
    class Holder:
        def __init__(self) -> None:
            self.lock = __import__("threading").Lock()

        def execute(self) -> None:
            pass

    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Holder())
        with pytest.raises(TypeError, match="Task0"):
            job.submit()
        assert fake.calls == []


def test_tasks_are_handles_in_the_order_added() -> None:
    with serve() as (_, client):
        job = client.create_job()
        job.add_task(Named())
        job.add_task(Multiply(1, 2))
        job.submit()
        assert [task.name for task in job.tasks] == ["custom", "Task1"]
        assert repr(job).endswith(f"2 tasks, instance {job.id}>")


def test_wait_until_done_is_false_on_timeout_and_true_when_done() -> None:
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Multiply(1, 2))
        job.submit()
        assert job.wait_until_done(timeout=0.01) is False
        fake.on_wait = fake.finish
        assert job.wait_until_done() is True
        assert job.instance.status is InstanceStatus.TERMINATED


def test_cancel_stops_the_instance_directly_and_is_harmless_when_done() -> None:
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Multiply(1, 2))
        job.submit()
        job.cancel("no longer needed")
        (request,) = fake.requests("StopInstance")
        assert request.name == job.instance.name
        assert request.reason == task_pb2.CANCELLATION_REASON_DIRECT
        assert request.message == "no longer needed"
        assert job.tasks[0].task_cancellation_message == "no longer needed"
        job.cancel()  # already terminated: FAILED_PRECONDITION is swallowed
        assert len(fake.requests("StopInstance")) == 2


def test_jobs_are_made_by_the_client() -> None:
    with serve() as (_, client):
        assert isinstance(client.create_job("x"), Job)


def test_stk_priorities_map_onto_taskstreams_and_tasks_exist_before_submit() -> None:
    with serve() as (fake, client):
        job = client.create_job(priority=JobPriority.ABOVE_NORMAL)
        job.add_task(Multiply(2, 3))
        (handle,) = job.tasks
        assert handle.task_status is TaskStatus.NOT_SUBMITTED and handle.result is None
        assert (
            handle.standard_output == ""
            and handle.id is None
            and repr(handle) == "<Task Task0 NOT_SUBMITTED>"
        )
        with pytest.raises(errors.JobStateError):
            _ = handle.instance
        instance = job.submit()
        assert job.tasks == [handle] and handle.instance is instance
        (request,) = fake.requests("CreateInstance")
    assert request.priority == 3
    assert [p.instance_priority for p in JobPriority] == [9, 7, 5, 3, 1]  # LOW ... HIGH, smaller first


def test_the_cluster_job_scheduler_connects_then_makes_jobs() -> None:
    with serve() as (fake, client):
        host, port = client.target.rsplit(":", 1)
        scheduler = ClusterJobScheduler(host, int(port), project="stk", owner="carol")
        with pytest.raises(errors.JobStateError, match="connect"):
            scheduler.create_job()
        with scheduler:
            scheduler.connect()
            assert scheduler.is_connected and scheduler.client.project == "stk"
            job = scheduler.create_job("nightly")
            job.add_task(Multiply(1, 1))
            instance = job.submit()
            scheduler.cancel_job(instance.id, "enough")
            scheduler.cancel_job(instance.id)  # already done: nothing happens
        assert not scheduler.is_connected
        stop, _ = fake.requests("StopInstance")
    assert instance.project == "stk" and fake.users[-1] == "carol"
    assert (stop.reason, stop.message) == (task_pb2.CANCELLATION_REASON_DIRECT, "enough")
