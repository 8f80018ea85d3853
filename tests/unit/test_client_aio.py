"""taskstream.aio against the fake InstanceService: the sync client's behaviour, awaited."""

from __future__ import annotations

import contextlib
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
from taskstream._values import encode_error, encode_result
from taskstream.v1 import instance_pb2, task_pb2
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


async def test_get_instance_fetches_and_exist_instance_answers() -> None:
    async with aserve() as (fake, client):
        data = fake.add()
        instance = await client.get_instance(data.id)
        assert (instance.id, instance.name, instance.project) == (data.id, data.name, PROJECT)
        assert instance.status is InstanceStatus.RUNNING and instance.owner == USER
        assert await client.get_instance(data.name) is instance
        assert await client.exist_instance(data.id) is True
        assert await client.exist_instance("missing") is False
        with pytest.raises(errors.NotFoundError):
            await client.get_instance("missing")
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


async def test_a_handle_never_fetched_says_so() -> None:
    async with aserve() as (_, client):
        handle = client._lazy("someid")
        with pytest.raises(RuntimeError, match="reload"):
            _ = handle.status
        with pytest.raises(RuntimeError, match="refresh"):
            _ = handle.get_task("t").result
        assert repr(handle) == "<AsyncInstance someid>"


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
        assert instance.status is InstanceStatus.TERMINATED
        assert await instance.is_successful() is True
        assert await instance.get_task_names() == ["echo"]
        assert await instance.get_task_result() == {"text": "hi"}
        assert await instance.get_task_result("nope") is None
        assert list((await instance.get_task_results()).items()) == [("echo", {"text": "hi"})]
        assert await instance.get_task_statuses() == {"echo": TaskStatus.SUCCESS}
        task_handle = instance.get_task("echo")
        await task_handle.refresh()
        assert task_handle.task_status is TaskStatus.SUCCESS and task_handle.result == {"text": "hi"}


async def test_wait_for_success_raises_for_a_failed_task_and_waits_time_out() -> None:
    async with aserve() as (fake, client):
        data = fake.add([task("ok", SUCCESS), task("bad", RUNNING)])
        instance = await client.get_instance(data.id)
        with pytest.raises(errors.WaitTimeoutError):
            await instance.wait_for_completion(timeout=0.01)
        fake.finish(data, SUCCESS, FAILED)
        data.tasks[1].error.CopyFrom(encode_error(ValueError("boom")))
        with pytest.raises(errors.InstanceFailedError, match="boom") as caught:
            await instance.wait_for_success()
        assert caught.value.task_name == "bad" and isinstance(caught.value.error, ValueError)
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
        assert instance.status is InstanceStatus.TERMINATED
        with pytest.raises(errors.FailedPreconditionError):
            await client.stop_instance(instance.id)
        with pytest.raises(ValueError):
            await client.create_instance([])


async def test_watch_yields_the_same_events_and_resumes_a_dropped_stream() -> None:
    async with aserve() as (fake, client):
        data = fake.add([task("t")])
        fake.watch_faults.append(Fault(after=2, code=grpc.StatusCode.UNAVAILABLE))
        instance = await client.get_instance(data.id)
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
    assert isinstance(changed, TaskStatusChanged) and changed.task is instance.get_task("t")
    assert isinstance(progress, TaskProgressUpdated) and progress.progress.percent == 70
    last = rest[-1]
    assert isinstance(last, InstanceSnapshot) and last.instance.status is InstanceStatus.TERMINATED


async def test_closing_an_async_watch_cancels_the_call_and_not_found_is_raised() -> None:
    async with aserve() as (fake, client):
        data = fake.add()
        events = (await client.get_instance(data.id)).watch()
        assert isinstance(await anext(events), InstanceSnapshot)
        await events.aclose()
        assert fake.stream_ended.wait(5)
        with pytest.raises(errors.NotFoundError):
            await anext(client._lazy("missing").watch())


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
        chunks = client._lazy(data.id).get_task("t").read_output(follow=True)
        assert await anext(chunks) == OutputChunk(0, b"one\n")
        fake.write_output(data, "t", b"two\n", cut=3)
        fake.finish(data)
        assert [chunk async for chunk in chunks] == [OutputChunk(7, b"two\n", 3)]
        with pytest.raises(ValueError):
            client._lazy(data.id).get_task("t").read_output("both")


async def test_a_closed_client_refuses_calls() -> None:
    async with aserve() as (fake, client):
        data = fake.add()
        instance = await client.get_instance(data.id)
    with pytest.raises(RuntimeError, match="closed"):
        await instance.reload()
    with pytest.raises(RuntimeError, match="closed"):
        await anext(instance.watch())
