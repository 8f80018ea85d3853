"""Client.wait_instances(): all / any, the order of the answer, timeouts and calls it can skip."""

from __future__ import annotations

import pytest

from taskstream import errors
from taskstream.status import InstanceStatus
from taskstream.v1 import instance_pb2, instance_service_pb2
from tests.unit.test_client_fake import serve

TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED


def test_all_waits_for_every_instance_and_returns_them_refreshed_in_order() -> None:
    with serve() as (fake, client):
        first, second = fake.add(), fake.add()
        fake.on_wait_many = lambda found: [fake.finish(d) for d in found]
        second_handle = client.get_instance(second.id)
        result = client.wait_instances([first.id, second_handle])
        (request,) = fake.requests("WaitInstances")
        calls = len(fake.calls)
        assert [i.id for i in result] == [first.id, second.id] and result[1] is second_handle
        assert all(i.status is InstanceStatus.TERMINATED for i in result)
        assert len(fake.calls) == calls  # the answer refreshed the handles
    assert list(request.names) == [first.name, second.name]
    assert request.mode == instance_service_pb2.WAIT_MODE_ALL


def test_any_returns_when_one_is_terminated() -> None:
    with serve() as (fake, client):
        running, done = fake.add(), fake.add()
        fake.on_wait_many = lambda found: fake.finish(found[1])
        result = client.wait_instances([running.id, done.id], mode="any")
        (request,) = fake.requests("WaitInstances")
        assert [i.is_terminated() for i in result] == [False, True]
    assert request.mode == instance_service_pb2.WAIT_MODE_ANY


def test_a_timeout_raises_wait_timeout_error_naming_the_running_instances() -> None:
    with serve() as (fake, client):
        running, done = fake.add(), fake.add(status=TERMINATED)
        with pytest.raises(errors.WaitTimeoutError) as caught:
            client.wait_instances([running.id, done.id], timeout=0.05)
        assert caught.value.instance_id == running.id
        assert isinstance(caught.value, TimeoutError)
        (request,) = fake.requests("WaitInstances")
        assert request.timeout.ToTimedelta().total_seconds() <= 0.05


def test_no_call_when_the_handles_already_show_the_wait_over() -> None:
    with serve() as (fake, client):
        done, running = fake.add(status=TERMINATED), fake.add()
        handles = [client.get_instance(done.id), client.get_instance(running.id)]
        handles[0].reload()
        assert client.wait_instances(handles, mode="any") == handles
        assert client.wait_instances([]) == []
        assert fake.requests("WaitInstances") == []


def test_a_long_wait_is_repeated_until_done() -> None:
    with serve() as (fake, client):
        fake.max_hold = 0.01  # each call answers "not yet" at once
        data = fake.add()
        answers = iter([None, None, data])
        fake.on_wait_many = lambda found: (d := next(answers)) and fake.finish(d)
        assert client.wait_instances([data.id])[0].is_terminated()
        assert len(fake.requests("WaitInstances")) == 3


def test_bad_arguments_are_value_errors() -> None:
    with serve() as (_, client):
        with pytest.raises(ValueError, match="mode"):
            client.wait_instances(["x"], mode="some")
        with pytest.raises(ValueError, match="1000"):
            client.wait_instances([str(i) for i in range(1001)])
        with pytest.raises(ValueError):
            client.wait_instances(["x"], timeout=-1)
        with pytest.raises(errors.NotFoundError):
            client.wait_instances(["missing"])
