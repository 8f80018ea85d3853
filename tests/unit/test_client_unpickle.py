"""Issue 20 item 4: a pickle a worker (or anyone, with authentication off) hands back is never unpickled
unless the caller asked for it, so reading a result cannot run someone else's code.

The "malicious" result here unpickles by writing a file (``Path.write_text``), which makes running it
visible without running anything worse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import taskstream.aio
from taskstream import PickledValue, RemoteTaskError, TaskStatus
from taskstream._sync.client import connect
from taskstream.cli import main as cli_main
from taskstream.v1 import task_pb2
from taskstream.values import encode_result
from tests.unit.test_client_fake import PROJECT, USER, FakeInstanceService, serve, task

SUCCESS = task_pb2.TASK_STATUS_SUCCESS
FAILED = task_pb2.TASK_STATUS_FAILED


class Exploit:
    """Unpickling it writes ``marker``: any code could run there instead."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.marker, "the pickle ran"))

    def __repr__(self) -> str:
        return "Exploit()"


def _malicious_instance(fake: FakeInstanceService, marker: Path) -> Any:
    """A finished instance whose task answered with a malicious pickle, and failed with another."""
    exploit = encode_result(Exploit(marker)).python.pickle
    data = fake.add(
        [
            task("answer", SUCCESS),
            task(
                "raiser",
                FAILED,
                error=task_pb2.TaskError(type="x.Y", message="boom", pickled_exception=exploit),
            ),
        ]
    )
    fake.set_output(data, "answer", result=encode_result(Exploit(marker)))
    fake.finish(data, SUCCESS, FAILED)
    return data


def test_a_malicious_pickle_is_not_run_by_default(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with serve() as (fake, client):
        data = _malicious_instance(fake, marker)
        instance = client.get_instance(data.id)
        result = instance.get_task("answer").result
        assert isinstance(result, PickledValue)
        assert (result.repr, result.type_name) == ("Exploit()", "tests.unit.test_client_unpickle.Exploit")
        assert instance.get_task_result("answer") == result
        error = instance.get_task("raiser").result
        assert isinstance(error, RemoteTaskError) and (error.type_name, str(error)) == ("x.Y", "boom")
        with pytest.raises(taskstream.InstanceFailedError) as failed:
            instance.wait_for_success()
        assert isinstance(failed.value.error, RemoteTaskError)
    assert not marker.exists()
    # Asked for, value by value: the pickle runs.
    result.load()
    assert marker.read_text() == "the pickle ran"


def test_a_client_made_with_unpickle_loads_results_and_exceptions(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with serve() as (fake, client):
        data = _malicious_instance(fake, marker)
        trusting = connect(client.target, project=PROJECT, owner=USER, unpickle=True)
        with trusting:
            assert trusting.unpickle is True and client.unpickle is False
            assert trusting.get_instance(data.id).get_task("answer").result == len("the pickle ran")
    assert marker.read_text() == "the pickle ran"


async def test_the_asyncio_client_does_not_run_it_either(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with serve() as (fake, client):
        data = _malicious_instance(fake, marker)
        async with taskstream.aio.connect(client.target, project=PROJECT) as aclient:
            answer = await aclient.get_instance(data.id).get_task("answer")
            assert isinstance(await answer.result, PickledValue)
            assert isinstance(await aclient.get_instance(data.id).get_task_result("answer"), PickledValue)
    assert not marker.exists()


def test_the_command_line_shows_the_repr_and_never_unpickles(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "marker"
    with serve() as (fake, client):
        data = _malicious_instance(fake, marker)
        code = cli_main(["--server", client.target, "--project", PROJECT, "result", data.id, "answer"])
        out, err = capfd.readouterr()
        assert (code, out, err) == (0, "Exploit()\n", "")
        code = cli_main(["--server", client.target, "--project", PROJECT, "result", data.id, "raiser"])
        out, err = capfd.readouterr()
        assert (code, out) == (1, "")  # a failed task has no result: its error goes to stderr
        assert err.startswith("taskstream: task raiser FAILED: ") and "boom" in err
    assert not marker.exists()


class Square:
    def __init__(self, n: int) -> None:
        self.n = n

    def execute(self) -> None:
        self.result = self.n * self.n


def test_a_job_unpickles_its_own_tasks_only(tmp_path: Path) -> None:
    """STK's contract is that ``task.result`` is the object ``execute()`` set: the job opts in for the
    tasks it submitted, and nothing else of the client does."""
    marker = tmp_path / "marker"
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Square(3))
        instance = job.submit()
        fake.set_output(fake.instances[instance.name], "Task0", result=encode_result(Exploit(marker)))
        fake.finish(fake.instances[instance.name])
        job.wait_until_done()
        other = connect(client.target, project=PROJECT, owner=USER)
        with other:  # another client's handle on the same instance: not the job's
            assert isinstance(other.get_instance(instance.id).get_task("Task0").result, PickledValue)
        assert not marker.exists()
        assert job.tasks[0].task_status is TaskStatus.COMPLETED
        assert job.tasks[0].result == len("the pickle ran")  # the job's own task: unpickled
        assert marker.exists()
        cautious = client.create_job(unpickle=False)
        cautious.add_task(Square(4))
        submitted = cautious.submit()
        fake.set_output(fake.instances[submitted.name], "Task0", result=encode_result(Square(4)))
        fake.finish(fake.instances[submitted.name])
        assert isinstance(cautious.tasks[0].result, PickledValue)
