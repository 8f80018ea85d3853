"""The Task handle: STK's result, output, properties and cancellation, decoded from GetTaskResult."""

from __future__ import annotations

import dataclasses

import pytest

from taskstream import Task
from taskstream.status import CancellationReason, TaskStatus
from taskstream.v1 import instance_pb2, task_pb2
from taskstream.values import PickledValue, RemoteTaskError, encode_error, encode_property, encode_result
from tests.unit.test_client_fake import FakeInstanceService, serve, task

SUCCESS = task_pb2.TASK_STATUS_SUCCESS
FAILED = task_pb2.TASK_STATUS_FAILED


@dataclasses.dataclass
class MachineResult:
    machine_name: str
    load: float


def _one_task(fake: FakeInstanceService, status: int = SUCCESS, **fields: object) -> instance_pb2.Instance:
    data = fake.add([task("t", status, **fields)])
    fake.finish(data, status)
    return data


@pytest.mark.parametrize("value", ["Hello from task", b"\x00\x01", {"a": [1, 2.5, None, True]}, 42, None])
def test_result_decodes_every_kind_of_value(value: object) -> None:
    with serve() as (fake, client):
        data = _one_task(fake)
        fake.set_output(data, "t", result=encode_result(value))
        the_task = client.get_instance(data.id).get_task("t")
        assert the_task.result == value
        assert the_task.task_status is TaskStatus.COMPLETED
        assert the_task.error is None


def test_a_python_object_result_is_shown_by_its_repr_until_loaded() -> None:
    value = MachineResult("agent-1", 0.5)
    with serve() as (fake, client):
        data = _one_task(fake)
        fake.set_output(data, "t", result=encode_result(value))
        result = client.get_instance(data.id).get_task("t").result
    assert isinstance(result, PickledValue)
    assert str(result) == "MachineResult(machine_name='agent-1', load=0.5)"
    assert result.type_name == "tests.unit.test_client_task.MachineResult"
    assert result.load() == value


def test_result_without_a_value_is_none() -> None:
    with serve() as (fake, client):
        data = _one_task(fake)
        assert client.get_instance(data.id).get_task("t").result is None


def test_a_failed_task_result_is_its_exception_and_stderr_has_the_traceback() -> None:
    try:
        raise ValueError("Task failure")
    except ValueError as caught:
        error = encode_error(caught)
    with serve() as (fake, client):
        data = _one_task(
            fake,
            FAILED,
            error=error,
            properties={"Property1": encode_property("Property1", 100)},
        )
        fake.set_output(data, "t", stderr=error.traceback.encode())
        the_task = client.get_instance(data.id).get_task("t")
        assert the_task.task_status is TaskStatus.FAILED
        assert isinstance(the_task.result, RemoteTaskError)  # not unpickled unless asked for
        assert str(the_task.result) == "Task failure" and the_task.result.type_name == "ValueError"
        assert the_task.result is the_task.error  # decoded once per fetch
        assert isinstance(the_task.result.pickled, PickledValue)
        loaded = the_task.result.pickled.load()
        assert isinstance(loaded, ValueError) and str(loaded) == "Task failure"
        assert "Traceback" in the_task.standard_error
        assert "ValueError: Task failure" in the_task.standard_error
        assert the_task.properties == {"Property1": 100}


def test_an_unpicklable_exception_arrives_as_remote_task_error_with_its_message() -> None:
    error = task_pb2.TaskError(type="mylib.Unpicklable", message="cannot talk to db", traceback="tb")
    with serve() as (fake, client):
        data = _one_task(fake, task_pb2.TASK_STATUS_ENVIRONMENT_ERROR, error=error)
        result = client.get_instance(data.id).get_task("t").result
    assert isinstance(result, RemoteTaskError)
    assert (result.message, result.type_name, result.traceback) == (
        "cannot talk to db",
        "mylib.Unpicklable",
        "tb",
    )


def test_a_timed_out_task_has_an_error_but_no_result() -> None:
    error = task_pb2.TaskError(type="taskstream.TimedOut", message="ran longer than 1s")
    with serve() as (fake, client):
        data = _one_task(fake, task_pb2.TASK_STATUS_TIMED_OUT, error=error)
        the_task = client.get_instance(data.id).get_task("t")
        assert the_task.result is None
        assert isinstance(the_task.error, RemoteTaskError)


def test_output_is_text_with_bad_bytes_replaced() -> None:
    with serve() as (fake, client):
        data = _one_task(fake)
        fake.set_output(data, "t", stdout="héllo\n".encode() + b"\xff", stderr=b"")
        the_task = client.get_instance(data.id).get_task("t")
        assert the_task.standard_output == "héllo\n\ufffd"
        assert the_task.standard_error == ""


def test_properties_keep_their_types() -> None:
    properties = {
        key: encode_property(key, value)
        for key, value in {"s": "one hundred", "i": 100, "f": 1.5, "b": b"\x00"}.items()
    }
    with serve() as (fake, client):
        data = _one_task(fake, properties=properties)
        assert client.get_instance(data.id).get_task("t").properties == {
            "b": b"\x00",
            "f": 1.5,
            "i": 100,
            "s": "one hundred",
        }


def test_cancellation_reason_and_message() -> None:
    cancellation = task_pb2.Cancellation(
        reason=task_pb2.CANCELLATION_REASON_CONSEQUENTIAL, message="task a failed", requested_by="taskstream"
    )
    with serve() as (fake, client):
        cancelled = _one_task(fake, task_pb2.TASK_STATUS_CANCELLED, cancellation=cancellation)
        the_task = client.get_instance(cancelled.id).get_task("t")
        assert the_task.task_status is TaskStatus.CANCELED
        assert the_task.task_cancellation_reason is CancellationReason.CONSEQUENTIAL
        assert the_task.task_cancellation_message == "task a failed"
        done = client.get_instance(_one_task(fake).id).get_task("t")
        assert done.task_cancellation_reason is CancellationReason.NONE
        assert done.task_cancellation_message == ""


def test_other_fields() -> None:
    progress = task_pb2.Progress(percent=70, message="almost")
    with serve() as (fake, client):
        data = _one_task(
            fake, attempts=2, type="python_object", progress=progress, parameters_json='{"x": 1}'
        )
        the_task = client.get_instance(data.id).get_task("t")
        assert the_task.attempts == 2
        assert the_task.type == "python_object"
        assert (the_task.progress.percent, the_task.progress.message) == (70, "almost")
        assert the_task.parameters == {"x": 1}
        assert the_task.status is the_task.task_status
        assert the_task.is_terminated()
        assert the_task.start_time is None
        assert repr(the_task) == f"<Task t of {data.id} SUCCESS>"


def test_data_is_fetched_again_until_the_task_is_terminal_then_kept() -> None:
    with serve() as (fake, client):
        data = fake.add([task("t", task_pb2.TASK_STATUS_RUNNING)])
        the_task = client.get_instance(data.id).get_task("t")
        assert fake.requests("GetTaskResult") == []  # lazy
        assert repr(the_task) == f"<Task t of {data.id}>"
        assert the_task.task_status is TaskStatus.RUNNING
        assert the_task.result is None
        assert len(fake.requests("GetTaskResult")) == 2
        fake.set_output(data, "t", result=encode_result("done"))
        fake.finish(data)
        assert the_task.result == "done"
        assert the_task.task_status is TaskStatus.SUCCESS
        assert the_task.standard_output == ""
        assert len(fake.requests("GetTaskResult")) == 3
        the_task.refresh()
        assert len(fake.requests("GetTaskResult")) == 4
        (request,) = {(r.instance, r.task) for r in fake.requests("GetTaskResult")}
        assert request == (data.name, "t")


def test_the_same_task_handle_comes_from_the_instance_and_the_job() -> None:
    class Hello:
        def execute(self) -> None:
            self.result = "hi"

    with serve() as (_, client):
        job = client.create_job()
        job.add_task(Hello())
        job.submit()
        from_job = job.tasks[0]
        from_instance = job.instance.get_task("Task0")
        assert type(from_job) is Task and type(from_instance) is Task
        assert from_job is from_instance
        assert client.get_instance(job.id or "").get_task() is from_job
