"""taskstream.aio against the fake InstanceService: the sync client's behaviour, awaited."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import error_details_pb2

import taskstream.aio
from taskstream import (
    InstanceSnapshot,
    InstanceStatus,
    OutputChunk,
    TaskProgressUpdated,
    TaskSpec,
    TaskStatus,
    TaskStatusChanged,
    _retry,
    errors,
)
from taskstream.aio import AsyncInstance
from taskstream.v1 import instance_pb2, task_pb2
from taskstream.values import encode_error, encode_result
from tests.unit.client_fake_streams import Fault
from tests.unit.test_client_fake import PROJECT, USER, FakeInstanceService, serve, task

RUNNING = task_pb2.TASK_STATUS_RUNNING
SUCCESS = task_pb2.TASK_STATUS_SUCCESS
FAILED = task_pb2.TASK_STATUS_FAILED
TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry, "STREAM_RETRY", _retry.RetryPolicy(first_delay=0, max_delay=0))


@contextlib.asynccontextmanager
async def aserve() -> AsyncIterator[tuple[FakeInstanceService, taskstream.aio.AsyncClient]]:
    with serve() as (fake, client):
        async with taskstream.aio.connect(client.target, project=PROJECT, owner=USER) as aclient:
            yield fake, aclient


async def test_get_instance_is_lazy_and_exist_instance_answers() -> None:
    async with aserve() as (fake, client):
        data = fake.add()
        instance = client.get_instance(data.id)
        assert fake.calls == []
        assert (instance.id, instance.name, instance.project) == (data.id, data.name, PROJECT)
        assert await instance.status is InstanceStatus.RUNNING and await instance.owner == USER
        assert client.get_instance(data.name) is instance
        assert await client.exist_instance(data.id) is True
        assert await client.exist_instance("missing") is False
        with pytest.raises(errors.NotFoundError):
            await client.get_instance("missing").reload()
        bad_name = error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field="name", description="bad")]
        )
        fake.errors["GetInstance"] = (grpc.StatusCode.INVALID_ARGUMENT, "name: bad", [bad_name])
        assert await client.exist_instance("x") is False
        assert set(fake.users) == {USER}
        assert repr(client) == f"<AsyncClient {client.target} project={PROJECT}>"


async def test_errors_carry_the_status_details() -> None:
    async with aserve() as (fake, client):
        info = error_details_pb2.ErrorInfo(reason="INSTANCE_TERMINATED", domain="taskstream")
        fake.errors["StopInstance"] = (grpc.StatusCode.FAILED_PRECONDITION, "already terminated", [info])
        with pytest.raises(errors.InvalidStateSetting) as caught:
            await client.stop_instance("x")
    assert caught.value.reason == "INSTANCE_TERMINATED"
    assert caught.value.details == "already terminated"


async def test_attributes_that_may_call_the_server_are_awaited() -> None:
    async with aserve() as (fake, client):
        data = fake.add([task("t", RUNNING)])
        data.start_time.FromSeconds(1_700_000_005)
        handle = client.get_instance(data.id)
        assert repr(handle) == f"<AsyncInstance {data.id}>"  # never calls the server
        assert await handle.start_time == dt.datetime.fromtimestamp(1_700_000_005, dt.UTC)
        assert await handle.start_time is not None
        # While it runs, each read asks again (as the sync client's does): no stale cache.
        assert len(fake.requests("GetInstance")) == 2
        task_handle = await handle.get_task("t")
        assert await task_handle.task_status is TaskStatus.RUNNING
        assert await task_handle.result is None


async def test_list_instances_pages_lazily() -> None:
    async with aserve() as (fake, client):
        ids = [fake.add().id for _ in range(3)]
        listed = [instance.id async for instance in client.list_instances(page_size=2)]
        assert listed == list(reversed(ids))
        assert len(fake.requests("ListInstances")) == 2
        (request, _) = fake.requests("ListInstances")
        assert request.parent == f"projects/{PROJECT}"


async def test_run_wait_and_read_results() -> None:
    async with aserve() as (fake, client):
        instance = await client.run_task("echo", {"text": "hi"}, priority=3)
        (request,) = fake.requests("CreateInstance")
        assert request.priority == 3 and request.tasks[0].parameters_json == '{"text": "hi"}'
        assert await instance.is_terminated() is False
        fake.set_output(fake.instances[instance.name], "echo", result=encode_result({"text": "hi"}))
        fake.on_wait = fake.finish
        await instance.wait_for_success()
        assert await instance.status is InstanceStatus.TERMINATED
        assert await instance.is_successful() is True
        assert await instance.get_task_names() == ["echo"]
        assert await instance.get_task_result() == {"text": "hi"}
        assert await instance.get_task_result("nope") is None
        assert list((await instance.get_task_results()).items()) == [("echo", {"text": "hi"})]
        statuses = await instance.get_task_statuses()
        assert statuses["echo"].status is AsyncInstance.Task.TaskStatus.SUCCESS
        task_handle = await instance.get_task()
        assert [t.name for t in await instance.get_tasks()] == ["echo"]
        assert await task_handle.task_status is TaskStatus.SUCCESS
        assert await task_handle.result == {"text": "hi"}


async def test_wait_for_success_raises_for_a_failed_task_and_waits_time_out() -> None:
    async with aserve() as (fake, client):
        data = fake.add([task("ok", SUCCESS), task("bad", RUNNING)])
        instance = client.get_instance(data.id)
        with pytest.raises(errors.WaitTimeoutError):
            await instance.wait_for_completion(timeout=0.01)
        fake.finish(data, SUCCESS, FAILED)
        data.tasks[1].error.CopyFrom(encode_error(ValueError("boom")))
        with pytest.raises(errors.InstanceFailedError, match="boom") as caught:
            await instance.wait_for_success()
        assert caught.value.task_name == "bad" and isinstance(caught.value.error, errors.RemoteTaskError)
        assert await instance.get_task_result("bad") == "boom"


@pytest.mark.parametrize("waits_in_create", [True, False], ids=["one_call", "server_without_create_wait"])
async def test_execute_waits_in_the_create_call(waits_in_create: bool) -> None:
    async with aserve() as (fake, client):
        fake.waits_in_create = waits_in_create
        fake.on_wait = fake.finish
        assert await (await client.execute_task("echo", {"x": 1})).is_successful()
        await client.execute_sql("select 1")
        await client.execute_xflow("flow")
        creates = fake.requests("CreateInstance")
        assert len(creates) == 3 and all(c.HasField("wait_timeout") for c in creates)
        assert len(fake.requests("WaitInstance")) == (0 if waits_in_create else 3)
        fake.on_wait = lambda data: fake.finish(data, FAILED)
        with pytest.raises(errors.InstanceFailedError):
            await client.execute_task("echo")


async def test_execute_with_a_timeout_names_the_callers_timeout() -> None:
    async with aserve() as (fake, client):
        fake.waits_in_create = True
        with pytest.raises(errors.WaitTimeoutError, match=r"within 0\.05 seconds"):
            await client.execute_task("echo", timeout=0.05)  # nothing finishes it


async def test_create_and_stop() -> None:
    async with aserve() as (fake, client):
        instance = await client.create_instance([TaskSpec("echo", name="a"), TaskSpec("echo", name="b")])
        assert [t.name for t in fake.instances[instance.name].tasks] == ["a", "b"]
        await instance.stop(message="enough")
        assert await instance.status is InstanceStatus.TERMINATED
        with pytest.raises(errors.FailedPreconditionError):
            await client.stop_instance(instance.id)
        with pytest.raises(ValueError):
            await client.create_instance([])


async def test_watch_yields_the_same_events_and_resumes_a_dropped_stream() -> None:
    async with aserve() as (fake, client):
        data = fake.add([task("t")])
        fake.watch_faults.append(Fault(after=2, code=grpc.StatusCode.UNAVAILABLE))
        instance = client.get_instance(data.id)
        events = instance.watch()
        first = await anext(events)
        assert isinstance(first, InstanceSnapshot) and first.instance is instance
        fake.emit_task_status(data, "t", RUNNING)
        fake.emit_progress(data, "t", 70, "nearly")
        fake.finish_with_events(data)
        rest = [event async for event in events]
        requests = fake.requests("WatchInstance")
    assert [r.after_seq for r in requests] == [0, 1]
    assert [e.seq for e in rest] == [1, 2, 3, 4, 4]
    changed, progress = rest[0], rest[1]
    assert isinstance(changed, TaskStatusChanged) and changed.task is await instance.get_task("t")
    assert isinstance(progress, TaskProgressUpdated) and progress.progress.percent == 70
    last = rest[-1]
    assert isinstance(last, InstanceSnapshot) and last.status is InstanceStatus.TERMINATED


async def test_closing_an_async_watch_cancels_the_call_and_not_found_is_raised() -> None:
    async with aserve() as (fake, client):
        data = fake.add()
        events = client.get_instance(data.id).watch()
        assert isinstance(await anext(events), InstanceSnapshot)
        await events.aclose()
        assert fake.stream_ended.wait(5)
        with pytest.raises(errors.NotFoundError):
            await anext(client.get_instance("missing").watch())


async def test_wait_instances() -> None:
    async with aserve() as (fake, client):
        first, second = fake.add(), fake.add()
        fake.on_wait_many = lambda found: fake.finish(found[0])
        result = await client.wait_instances([first.id, second.id], mode="any")
        assert [await i.is_terminated() for i in result] == [True, False]
        with pytest.raises(errors.WaitTimeoutError) as caught:
            await client.wait_instances(result, timeout=0.01)
        assert caught.value.instance_id == second.id
        assert await client.wait_instances(result[:1]) == result[:1]  # known terminated: no call
        assert len(fake.requests("WaitInstances")) == 2


async def test_read_output_follows_to_the_end() -> None:
    async with aserve() as (fake, client):
        data = fake.add([task("t", RUNNING)])
        fake.write_output(data, "t", b"one\n")
        chunks = (await client.get_instance(data.id).get_task("t")).read_output(follow=True)
        assert await anext(chunks) == OutputChunk(0, b"one\n")
        fake.write_output(data, "t", b"two\n", cut=3)
        fake.finish(data)
        assert [chunk async for chunk in chunks] == [OutputChunk(7, b"two\n", 3)]
        with pytest.raises(ValueError):
            (await client.get_instance(data.id).get_task("t")).read_output("both")


async def test_a_closed_client_refuses_calls() -> None:
    async with aserve() as (fake, client):
        data = fake.add()
        instance = client.get_instance(data.id)
        await instance.reload()
    with pytest.raises(RuntimeError, match="closed"):
        await instance.reload()
    with pytest.raises(RuntimeError, match="closed"):
        await anext(instance.watch())


async def test_create_held_watch_then_resume() -> None:
    async with aserve() as (fake, client):
        instance = await client.run_task("echo", hold=True)
        (request,) = fake.requests("CreateInstance")
        assert request.hold is True
        data = fake.instances[instance.name]
        data.status = instance_pb2.INSTANCE_STATUS_SUSPENDED
        seen = []
        async for event in instance.watch():
            seen.append(event)
            if len(seen) == 1:
                assert isinstance(event, InstanceSnapshot) and event.status is InstanceStatus.SUSPENDED
                await instance.resume()
                assert await instance.is_running()
                fake.emit_task_status(data, "echo", RUNNING)
                fake.finish_with_events(data)
        assert [type(e).__name__ for e in seen] == [
            "InstanceSnapshot", "TaskStatusChanged", "TaskStatusChanged", "InstanceStatusChanged", "InstanceSnapshot"
        ]  # fmt: skip
        await instance.suspend() if False else None
        assert [name for name, _ in fake.calls if name.endswith("Instance")][-2:] == [
            "ResumeInstance",
            "GetInstance",
        ]


async def test_suspend_and_parent_instance() -> None:
    async with aserve() as (fake, client):
        parent = fake.add()
        child = fake.add(parent_instance=parent.name)
        handle = client.get_instance(child.id)
        assert await handle.parent_instance is client.get_instance(parent.id)
        assert await client.get_instance(parent.id).parent_instance is None
        await handle.suspend()
        assert await handle.status is InstanceStatus.SUSPENDED


class Double:
    def __init__(self, n: int) -> None:
        self.n = n

    def execute(self) -> None:
        self.result = 2 * self.n


async def test_a_job_runs_on_the_asyncio_client_with_async_handlers() -> None:
    async with aserve() as (fake, client):
        job = client.create_job("double")
        assert job.add_task(Double(21)) == "Task0"
        (handle,) = job.tasks
        assert await handle.task_status is TaskStatus.NOT_SUBMITTED and handle.id is None
        completed: list[str] = []

        async def on_completed(task_handle: taskstream.aio.AsyncTask) -> None:
            completed.append(f"{task_handle.name}={await task_handle.result}")

        job.task_completed = on_completed
        instance = await job.submit()
        assert handle.id == f"{instance.name}/tasks/Task0"
        data = fake.instances[instance.name]
        fake.set_output(data, "Task0", result=encode_result({"n": 42}))
        fake.finish_with_events(data)
        assert await job.wait_until_done() is True
        assert completed == ["Task0={'n': 42}"]


async def test_the_asyncio_cluster_job_scheduler() -> None:
    with serve() as (fake, client):
        host, port = client.target.rsplit(":", 1)
        async with taskstream.aio.AsyncClusterJobScheduler(host, int(port), project="stk") as scheduler:
            await scheduler.connect()
            job = scheduler.create_job()
            job.add_task(Double(2))
            instance = await job.submit()
            assert instance.project == "stk" and await job.tasks[0].task_status is TaskStatus.WAITING
        assert not scheduler.is_connected
        assert fake.requests("CreateInstance")[0].parent == "projects/stk"
    with pytest.raises(errors.UnavailableError):
        await taskstream.aio.AsyncClusterJobScheduler("127.0.0.1", int(port)).connect()  # the fake is gone
