"""Big and deep CreateInstance requests: limits refused up front, big ones validated off the event loop.

A maximal create (the default 100,000 tasks, none named) must finish and leave the server answering; one
task over the limit is refused before any task is looked at; JSON nested deeper than 64 levels and
oversized label maps are INVALID_ARGUMENT naming the field, never INTERNAL.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from taskstreamd.api import validation
from taskstreamd.api.limits import MAX_JSON_DEPTH, MAX_LABEL_KEY, MAX_LABEL_VALUE, MAX_LABELS, Limits
from taskstreamd.app import Server, ServerConfig
from tests.support.server import ServerProcess

MAX_TASKS = Limits().max_tasks_per_instance
BIG = [("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)]


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of its own with no workers: the big instances here are held and never run."""
    process = ServerProcess(tmp_path_factory.mktemp("create-limits"), workers=0).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def channel(idle: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(idle.address, options=BIG) as channel:
        yield channel


def refused(call: Callable[[], Any]) -> tuple[grpc.StatusCode, list[tuple[str, str]]]:
    """The status code and the BadRequest field violations (field, description) of a failed call."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error: Any = raised.value
    details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin", b"")
    found = []
    for detail in status_pb2.Status.FromString(details).details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found += [(v.field, v.description) for v in bad.field_violations]
    return error.code(), found


def create(tasks: list[task_pb2.TaskSpec], **fields: Any) -> pb.CreateInstanceRequest:
    return pb.CreateInstanceRequest(parent="projects/limits", hold=True, tasks=tasks, **fields)


def nested(depth: int) -> str:
    return '{"x": ' + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "}"


def test_a_maximal_create_finishes_while_the_server_keeps_answering(channel: grpc.Channel) -> None:
    stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
    health = health_pb2_grpc.HealthStub(channel)
    known = stub.CreateInstance(create([task_pb2.TaskSpec(type="noop")])).instance
    # No task is named: every default name is found while the others are taken (quadratic once).
    big = create([task_pb2.TaskSpec(type="noop") for _ in range(MAX_TASKS)])
    future = stub.CreateInstance.future(big, timeout=300)
    answered = 0
    while not future.done():  # ends with the create, within its deadline
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=60).status == 1  # SERVING
        assert stub.GetInstance(pb.GetInstanceRequest(name=known.name), timeout=60).instance.id == known.id
        answered += 1
    instance = future.result().instance
    assert answered >= 1
    names = [task.name for task in instance.tasks]
    assert len(names) == MAX_TASKS
    assert names[:3] == ["noop", "noop_1", "noop_2"] and names[-1] == f"noop_{MAX_TASKS - 1}"
    assert len(set(names)) == MAX_TASKS
    stub.StopInstance(pb.StopInstanceRequest(name=instance.name), timeout=300)


def test_one_task_over_the_limit_is_refused_before_any_task_is_validated(channel: grpc.Channel) -> None:
    stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
    # Every task is invalid too (neither type nor object): only the count may be reported.
    code, violations = refused(
        lambda: stub.CreateInstance(create([task_pb2.TaskSpec() for _ in range(MAX_TASKS + 1)]), timeout=60)
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [("tasks", f"at most {MAX_TASKS} tasks per instance, got {MAX_TASKS + 1}")]


def test_thousands_of_bad_tasks_get_a_bounded_answer(channel: grpc.Channel) -> None:
    stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
    code, violations = refused(
        lambda: stub.CreateInstance(create([task_pb2.TaskSpec() for _ in range(5000)]), timeout=60)
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(violations) == 100 and violations[0][0] == "tasks[0]"


def test_deeply_nested_parameters_are_invalid_argument(channel: grpc.Channel) -> None:
    stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
    for depth in (MAX_JSON_DEPTH + 1, 5000, 200_000):
        spec = task_pb2.TaskSpec(type="echo", parameters_json=nested(depth))
        code, violations = refused(lambda spec=spec: stub.CreateInstance(create([spec]), timeout=60))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert violations == [
            ("tasks[0].parameters_json", f"nested {depth} levels deep; at most {MAX_JSON_DEPTH} are allowed")
        ]
    # Brackets inside strings are text, not nesting; the limit itself is accepted.
    text = json.dumps({"s": "[" * 5000 + '\\"[{' * 100})
    for parameters in (nested(MAX_JSON_DEPTH), text):
        spec = task_pb2.TaskSpec(type="echo", parameters_json=parameters)
        assert stub.CreateInstance(create([spec]), timeout=60).instance.tasks[0].parameters_json == parameters


def test_deeply_nested_page_tokens_are_invalid_argument(channel: grpc.Channel) -> None:
    stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
    instance = stub.CreateInstance(create([task_pb2.TaskSpec(type="noop")])).instance
    token = base64.urlsafe_b64encode(("[" * 5000 + "]" * 5000).encode()).decode()
    calls = [
        lambda: stub.ListInstances(pb.ListInstancesRequest(parent="projects/limits", page_token=token)),
        lambda: stub.ListSubInstances(pb.ListSubInstancesRequest(parent=instance.name, page_token=token)),
    ]
    for call in calls:
        code, violations = refused(call)
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert [field for field, _ in violations] == ["page_token"]


def test_labels_are_bounded_in_count_and_size(channel: grpc.Channel) -> None:
    stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
    noop = task_pb2.TaskSpec(type="noop")
    many = {f"k{i}": "v" * 1000 for i in range(10_000)}
    code, violations = refused(lambda: stub.CreateInstance(create([noop], labels=many), timeout=60))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [("labels", f"at most {MAX_LABELS} labels, got 10000")]

    long_key, long_value = "k" * (MAX_LABEL_KEY + 1), "v" * (MAX_LABEL_VALUE + 1)
    code, violations = refused(
        lambda: stub.CreateInstance(create([noop], labels={long_key: "v", "ok": long_value}), timeout=60)
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(violations) == [
        (f"labels['{'k' * 40}'...]", f"keys are 1-{MAX_LABEL_KEY} of A-Z a-z 0-9 _ . - /"),
        ("labels['ok']", f"values are at most {MAX_LABEL_VALUE} characters"),
    ]

    required = task_pb2.TaskSpec(type="noop", required_labels={f"k{i}": "v" for i in range(MAX_LABELS + 1)})
    code, violations = refused(lambda: stub.CreateInstance(create([required]), timeout=60))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [("tasks[0].required_labels", f"at most {MAX_LABELS} labels, got {MAX_LABELS + 1}")]
    sized = task_pb2.TaskSpec(type="noop", required_labels={"gpu": long_value, " ": "x"})
    code, violations = refused(lambda: stub.CreateInstance(create([sized]), timeout=60))
    assert sorted(violations) == [
        ("tasks[0].required_labels[' ']", f"keys are 1-{MAX_LABEL_KEY} characters, not blank"),
        ("tasks[0].required_labels['gpu']", f"values are at most {MAX_LABEL_VALUE} characters"),
    ]
    code, violations = refused(
        lambda: stub.ListInstances(pb.ListInstancesRequest(parent="projects/limits", labels=many), timeout=60)
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert violations == [("labels", f"at most {MAX_LABELS} labels, got 10000")]

    # At the limits everything is accepted.
    fine = {f"k{i:02}" + "x" * (MAX_LABEL_KEY - 3): "v" * MAX_LABEL_VALUE for i in range(MAX_LABELS)}
    spec = task_pb2.TaskSpec(type="noop", required_labels=fine)
    assert dict(stub.CreateInstance(create([spec], labels=fine), timeout=60).instance.labels) == fine


@pytest.fixture
async def in_process(tmp_path: Path) -> AsyncIterator[Server]:
    """A server in the test's own process and event loop, so that the test can see where validation runs."""
    server = Server(ServerConfig(listen="127.0.0.1:0", http="127.0.0.1:0", data_dir=tmp_path, workers=0))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_health_is_answered_while_a_big_create_is_being_validated(
    in_process: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    validating, health_answered = threading.Event(), threading.Event()
    validate = validation.new_instance

    def held_validation(*args: Any, **kwargs: Any) -> Any:
        # The validation goes on only after a health check was answered. Run on the event loop, it would
        # stop the loop (and the health check with it) until the bound below gives up.
        validating.set()
        if not health_answered.wait(timeout=60):
            raise AssertionError("no health check was answered while the create was validated")
        return validate(*args, **kwargs)

    monkeypatch.setattr(validation, "new_instance", held_validation)
    big = create([task_pb2.TaskSpec(type="noop") for _ in range(1000)])
    async with grpc.aio.insecure_channel(in_process.grpc_address, options=BIG) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        created = asyncio.ensure_future(stub.CreateInstance(big, timeout=120))
        assert await asyncio.to_thread(validating.wait, 60)
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=60)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        health_answered.set()
        assert len((await created).instance.tasks) == 1000
