"""The PyODPS-style Client and Instance against the fake InstanceService over a real channel."""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict

import grpc
import pytest

from taskstream import Instance, errors
from taskstream._specs import TaskSpec
from taskstream._sync.client import connect
from taskstream._waiting import WAIT_CAP
from taskstream.status import CancellationReason, InstanceStatus, TaskStatus, WaitingReason
from taskstream.v1 import instance_pb2, task_pb2
from taskstream.values import PickledValue, RemoteTaskError, encode_error, encode_result
from tests.unit.test_client_fake import serve, task

RUNNING = instance_pb2.INSTANCE_STATUS_RUNNING
TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED
SUCCESS = task_pb2.TASK_STATUS_SUCCESS
FAILED = task_pb2.TASK_STATUS_FAILED
CANCELLED = task_pb2.TASK_STATUS_CANCELLED

# -- handles


def test_get_instance_is_lazy_and_cached_per_id_and_name() -> None:
    with serve() as (fake, client):
        data = fake.add()
        instance = client.get_instance(data.id)
        assert fake.calls == []
        assert client.get_instance(data.id) is instance
        assert client.get_instance(f"projects/default/instances/{data.id}") is instance
        assert (instance.id, instance.name, instance.project) == (data.id, data.name, "default")
        assert repr(instance) == f"<Instance {data.id}>"
        assert str(instance) == data.id
        assert fake.calls == []
        assert instance.owner == "alice"
        assert repr(instance) == f"<Instance {data.id} Running>"
        other = client.get_instance(f"projects/other/instances/{data.id}")
        assert other is not instance and other.project == "other"


def test_bad_instance_names_are_value_errors() -> None:
    with serve() as (_, client):
        for bad in ("", "projects/p/jobs/1", "projects//instances/1", "a/b"):
            with pytest.raises(ValueError):
                client.get_instance(bad)


@pytest.mark.parametrize(
    ("proto", "status"),
    [
        (instance_pb2.INSTANCE_STATUS_RUNNING, InstanceStatus.RUNNING),
        (instance_pb2.INSTANCE_STATUS_SUSPENDED, InstanceStatus.SUSPENDED),
        (instance_pb2.INSTANCE_STATUS_TERMINATED, InstanceStatus.TERMINATED),
    ],
)
def test_status_maps_to_pyodps_status(proto: int, status: InstanceStatus) -> None:
    with serve() as (fake, client):
        instance = client.get_instance(fake.add(status=proto).id)
        assert instance.status is status
        assert instance.status == Instance.Status[status.name]
        assert instance.is_terminated() is (status is InstanceStatus.TERMINATED)
        assert instance.is_running() is (status is InstanceStatus.RUNNING)
    assert Instance.Status.RUNNING.value == "Running"
    assert Instance.Status.TERMINATED.value == "Terminated"


def test_status_is_fetched_again_until_terminated_then_kept() -> None:
    with serve() as (fake, client):
        data = fake.add()
        instance = client.get_instance(data.id)
        assert instance.status is InstanceStatus.RUNNING
        assert instance.status is InstanceStatus.RUNNING
        fake.finish(data)
        assert instance.status is InstanceStatus.TERMINATED
        assert instance.status is InstanceStatus.TERMINATED
        assert instance.is_successful()
        assert len(fake.requests("GetInstance")) == 3


def test_fields_and_times() -> None:
    with serve() as (fake, client):
        data = fake.add(priority=3, labels={"team": "a"}, parent_instance="projects/default/instances/p1")
        instance = client.get_instance(data.id)
        assert instance.priority == 3
        assert instance.labels == {"team": "a"}
        assert instance.create_time == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
        assert instance.start_time is None and instance.end_time is None
        parent = instance.parent_instance
        assert parent is not None and parent.id == "p1"
        fake.finish(data)
        assert instance.end_time == dt.datetime(2023, 11, 14, 22, 15, tzinfo=dt.UTC)
        assert instance.end_time.tzinfo is not None


def test_is_successful_is_false_while_running_and_when_a_task_did_not_succeed() -> None:
    with serve() as (fake, client):
        ok = fake.add([task("a"), task("b")])
        bad = fake.add([task("a"), task("b")])
        assert client.get_instance(ok.id).is_successful() is False
        fake.finish(ok)
        fake.finish(bad, SUCCESS, FAILED)
        assert client.get_instance(ok.id).is_successful() is True
        assert client.get_instance(bad.id).is_successful() is False


# -- listing


def test_list_instances_pages_lazily_newest_first() -> None:
    with serve() as (fake, client):
        ids = [fake.add().id for _ in range(5)]
        listed = client.list_instances(page_size=2)
        assert fake.calls == []
        assert [instance.id for instance in listed] == list(reversed(ids))
        requests = fake.requests("ListInstances")
        assert [r.page_token for r in requests] == ["", "2", "4"]
        assert {r.page_size for r in requests} == {2}
        assert all(r.parent == "projects/default" for r in requests)


def test_list_instances_sends_filters_and_reuses_handles() -> None:
    with serve() as (fake, client):
        data = fake.add()
        held = client.get_instance(data.id)
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        (listed,) = client.list_instances(
            status=["Running", InstanceStatus.SUSPENDED],
            owner="alice",
            start_time=start,
            end_time=1_800_000_000.5,
            labels={"team": "a"},
        )
        (request,) = fake.requests("ListInstances")
        assert list(request.statuses) == [RUNNING, instance_pb2.INSTANCE_STATUS_SUSPENDED]
        assert request.owner == "alice"
        assert request.create_time_start.ToDatetime(tzinfo=dt.UTC) == start
        assert (request.create_time_end.seconds, request.create_time_end.nanos) == (
            1_800_000_000,
            500_000_000,
        )
        assert dict(request.labels) == {"team": "a"}
        assert listed is held
        assert listed.status is InstanceStatus.RUNNING
        # the list has no task details, so asking for tasks fetches the instance
        assert listed.get_task_names() == ["AnonymousSQLTask"]
        assert len(fake.requests("GetInstance")) >= 1


def test_a_datetime_is_sent_to_the_microsecond() -> None:
    # 18:00:00.899 through a float POSIX time would arrive as 18:00:00.898999.
    start = dt.datetime(2026, 12, 5, 18, 0, 0, 899_000, tzinfo=dt.UTC)
    naive = dt.datetime(2026, 12, 5, 18, 0, 0, 290_001)  # local time
    with serve() as (fake, client):
        client.run_task("echo", start_time=start)
        list(client.list_instances(start_time=naive))
        (created,) = fake.requests("CreateInstance")
        assert created.start_time.ToDatetime(tzinfo=dt.UTC) == start
        (listed,) = fake.requests("ListInstances")
        assert listed.create_time_start.ToDatetime(tzinfo=dt.UTC) == naive.astimezone(dt.UTC)


def test_list_instances_rejects_an_unknown_status() -> None:
    with serve() as (_, client), pytest.raises(ValueError):
        client.list_instances(status="Done")


# -- creating


def test_run_task_builds_the_request_and_returns_without_waiting() -> None:
    with serve() as (fake, client):
        instance = client.run_task(
            "echo",
            {"text": "hi", "n": [1, 2]},
            name="greet",
            priority=1,
            labels={"team": "a"},
            cancel_on_task_failure=True,
            max_interrupted_retries=0,
            task_timeout=1.5,
            request_id="req-1",
        )
        (request,) = fake.requests("CreateInstance")
        assert fake.requests("WaitInstance") == []
        assert client.get_instance(instance.id) is instance
        assert instance.get_task_names() == ["greet"]
    assert request.parent == "projects/default"
    (spec,) = request.tasks
    assert (spec.name, spec.type) == ("greet", "echo")
    assert json.loads(spec.parameters_json) == {"text": "hi", "n": [1, 2]}
    assert request.priority == 1 and request.HasField("priority")
    assert dict(request.labels) == {"team": "a"}
    assert request.options.cancel_on_task_failure is True
    assert (
        request.options.HasField("max_interrupted_retries") and request.options.max_interrupted_retries == 0
    )
    assert request.options.task_timeout.ToTimedelta() == dt.timedelta(seconds=1.5)
    assert request.request_id == "req-1"


def test_run_task_leaves_unset_options_unset() -> None:
    with serve() as (fake, client):
        client.run_task("echo")
        (request,) = fake.requests("CreateInstance")
    assert not request.HasField("priority")
    assert not request.options.HasField("max_interrupted_retries")
    assert not request.options.HasField("task_timeout")
    assert request.tasks[0].parameters_json == "" and request.tasks[0].name == ""
    assert request.request_id == ""


@pytest.mark.parametrize(
    "options",
    [{"priority": 10}, {"priority": -1}, {"task_timeout": 0}, {"max_interrupted_retries": -1}],
)
def test_bad_options_are_rejected_before_any_call(options: dict[str, float]) -> None:
    with serve() as (fake, client):
        with pytest.raises(ValueError):
            client.run_task("echo", **options)  # type: ignore[arg-type]
        assert fake.calls == []


def test_create_instance_sends_several_tasks() -> None:
    with serve() as (fake, client):
        instance = client.create_instance(
            [TaskSpec("echo", {"x": 1}, name="a"), TaskSpec("sql", name="b", timeout=2)], priority=0
        )
        (request,) = fake.requests("CreateInstance")
        assert [(t.name, t.type) for t in request.tasks] == [("a", "echo"), ("b", "sql")]
        assert request.tasks[1].timeout.seconds == 2
        assert instance.get_task_names() == ["a", "b"]
        with pytest.raises(ValueError):
            client.create_instance([])


def test_execute_task_waits_for_success() -> None:
    with serve() as (fake, client):
        fake.on_wait = fake.finish
        instance = client.execute_task("echo", {"x": 1})
        assert instance.is_successful()
        fake.on_wait = lambda data: fake.finish(data, FAILED)
        with pytest.raises(errors.InstanceFailedError):
            client.execute_task("echo")


@pytest.mark.parametrize("waits_in_create", [True, False], ids=["one_call", "server_without_create_wait"])
def test_execute_task_waits_in_its_create_call(waits_in_create: bool) -> None:
    with serve() as (fake, client):
        fake.waits_in_create = waits_in_create
        fake.on_wait = fake.finish
        assert client.execute_task("echo").is_successful()
        (create,) = fake.requests("CreateInstance")
        assert create.wait_timeout.ToTimedelta().total_seconds() == WAIT_CAP
        # A server that waits in the create answers everything in one call; an older one answers at
        # once, and the client goes on with WaitInstance.
        expected = ["CreateInstance"] if waits_in_create else ["CreateInstance", "WaitInstance"]
        assert [name for name, _ in fake.calls] == expected


def test_execute_task_with_a_timeout_raises_wait_timeout_error() -> None:
    with serve() as (fake, client):
        fake.waits_in_create = True
        with pytest.raises(errors.WaitTimeoutError, match=r"within 0\.05 seconds") as caught:
            client.execute_task("echo", timeout=0.05)  # nothing finishes it
        assert caught.value.timeout == 0.05
        (create,) = fake.requests("CreateInstance")
        assert 0 < create.wait_timeout.ToTimedelta().total_seconds() <= 0.05
        with pytest.raises(ValueError):
            client.execute_task("echo", timeout=-1)
        assert len(fake.requests("CreateInstance")) == 1  # refused before any call


def test_execute_sql_and_execute_xflow_wait_in_their_create_call() -> None:
    with serve() as (fake, client):
        fake.waits_in_create = True
        fake.on_wait = fake.finish
        client.execute_sql("select 1", priority=3)
        client.execute_xflow("flow", parameters={"k": "v"}, hints={"h": "1"})
        sql, flow = fake.requests("CreateInstance")
        assert sql.priority == 3 and sql.HasField("wait_timeout")
        assert flow.labels and flow.HasField("wait_timeout")
        assert [name for name, _ in fake.calls] == ["CreateInstance", "CreateInstance"]
        fake.on_wait = lambda data: fake.finish(data, FAILED)
        with pytest.raises(errors.InstanceFailedError):
            client.execute_sql("select 2")


# -- waiting


def test_wait_for_completion_long_polls_with_capped_waits() -> None:
    with serve() as (fake, client):
        data = fake.add()
        waits = 0

        def finish_on_second_wait(instance: instance_pb2.Instance) -> None:
            nonlocal waits
            waits += 1
            if waits == 2:
                fake.finish(instance)

        fake.on_wait = finish_on_second_wait
        fake.max_hold = 0  # the server's wait "times out" at once
        fake.errors["WaitInstance"] = (grpc.StatusCode.DEADLINE_EXCEEDED, "slow", [])  # retried
        instance = client.get_instance(data.id)
        instance.wait_for_completion()
        assert fake.wait_timeouts == [60.0, 60.0]
        assert instance.is_terminated()
        assert len(fake.requests("GetInstance")) == 0  # the wait's answer is used


def test_wait_for_completion_passes_the_remaining_timeout() -> None:
    with serve() as (fake, client):
        data = fake.add()
        fake.on_wait = fake.finish
        client.get_instance(data.id).wait_for_completion(timeout=1000)
        assert fake.wait_timeouts == [60.0]
        other = fake.add()
        fake.on_wait = fake.finish
        client.get_instance(other.id).wait_for_completion(timeout=30)
        assert 29 < fake.wait_timeouts[-1] <= 30


def test_wait_for_completion_raises_wait_timeout_error() -> None:
    with serve() as (fake, client):
        data = fake.add()
        with pytest.raises(errors.WaitTimeoutError) as caught:
            client.get_instance(data.id).wait_for_completion(timeout=0.02)
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.instance_id == data.id
    assert data.id in str(caught.value)
    assert all(0 < wait <= 0.02 for wait in fake.wait_timeouts)


def test_wait_with_zero_timeout_returns_when_already_terminated() -> None:
    with serve() as (fake, client):
        data = fake.add()
        fake.finish(data)
        instance = client.get_instance(data.id)
        instance.wait_for_completion(timeout=0)
        assert fake.wait_timeouts == [0.001]
        instance.wait_for_success(timeout=0)  # known to be terminated: no call
        assert fake.wait_timeouts == [0.001]


def test_wait_for_success_names_a_failed_task_by_its_error_message() -> None:
    with serve() as (fake, client):
        data = fake.add(
            [task("ok", SUCCESS), task("broken", FAILED, error=encode_error(ValueError("bad row 3")))]
        )
        fake.finish(data, SUCCESS, FAILED)
        with pytest.raises(errors.InstanceFailedError) as caught:
            client.get_instance(data.id).wait_for_success()
    error = caught.value
    assert str(error) == "bad row 3"
    assert (error.instance_id, error.task_name, error.task_status) == (data.id, "broken", TaskStatus.FAILED)
    # Not unpickled by default: the task's exception reads as its type and message.
    assert isinstance(error.error, RemoteTaskError)
    assert (error.error.type_name, error.error.message) == ("ValueError", "bad row 3")
    assert isinstance(error.error.pickled, PickledValue)


def test_a_client_that_opted_in_gets_the_tasks_own_exception() -> None:
    with serve() as (fake, client):
        data = fake.add([task("broken", FAILED, error=encode_error(ValueError("bad row 3")))])
        fake.finish(data, FAILED)
        trusting = connect(client.target, project="default", unpickle=True)
        with trusting, pytest.raises(errors.InstanceFailedError) as caught:
            trusting.get_instance(data.id).wait_for_success()
    assert isinstance(caught.value.error, ValueError) and str(caught.value.error) == "bad row 3"


def test_wait_for_success_names_the_first_unsuccessful_task_in_task_order() -> None:
    with serve() as (fake, client):
        data = fake.add([task("a"), task("b"), task("c")])
        fake.finish(data, SUCCESS, CANCELLED, FAILED)
        with pytest.raises(errors.InstanceFailedError) as caught:
            client.get_instance(data.id).wait_for_success()
    assert str(caught.value) == "b, status=CANCELLED"
    assert caught.value.task_status is TaskStatus.CANCELLED
    assert caught.value.error is None


def test_wait_for_success_returns_when_all_succeeded() -> None:
    with serve() as (fake, client):
        data = fake.add([task("a"), task("b")])
        fake.finish(data)
        client.get_instance(data.id).wait_for_success(timeout=5)


# -- control


def test_stop_sends_reason_and_message_and_updates_the_handle() -> None:
    with serve() as (fake, client):
        data = fake.add()
        instance = client.get_instance(data.id)
        instance.stop(CancellationReason.CONSEQUENTIAL, "enough", grace_period=0.5, request_id="r")
        (request,) = fake.requests("StopInstance")
        assert request.reason == task_pb2.CANCELLATION_REASON_CONSEQUENTIAL
        assert (request.message, request.request_id) == ("enough", "r")
        assert request.grace_period.ToTimedelta() == dt.timedelta(seconds=0.5)
        assert instance.status is InstanceStatus.TERMINATED
        assert fake.requests("GetInstance") == []
        other = fake.add()
        client.stop_instance(other.id)
        assert fake.requests("StopInstance")[-1].reason == task_pb2.CANCELLATION_REASON_UNSPECIFIED


def test_suspend_and_resume() -> None:
    with serve() as (fake, client):
        instance = client.get_instance(fake.add().id)
        instance.suspend()
        assert instance.status is InstanceStatus.SUSPENDED
        assert instance.is_successful() is False
        instance.resume()
        assert instance.status is InstanceStatus.RUNNING


# -- tasks


def test_task_names_and_statuses_in_task_order() -> None:
    with serve() as (fake, client):
        data = fake.add([task("z", task_pb2.TASK_STATUS_RUNNING), task("a")])
        instance = client.get_instance(data.id)
        assert instance.get_task_names() == ["z", "a"]
        statuses = instance.get_task_statuses()
        assert list(statuses) == ["z", "a"]
        assert [t.task_status for t in statuses.values()] == [TaskStatus.RUNNING, TaskStatus.WAITING]
        assert statuses["a"].task_status is TaskStatus.SUBMITTED  # STK's name for the same member


def test_task_statuses_are_pyodps_task_objects() -> None:
    with serve() as (fake, client):
        data = fake.add(
            [
                task("q", task_pb2.TASK_STATUS_ASSIGNED, type="sql"),
                task("t", task_pb2.TASK_STATUS_TIMED_OUT),
                task("c", task_pb2.TASK_STATUS_CANCELLING),
                task("s", SUCCESS),
            ]
        )
        data.tasks[3].start_time.FromSeconds(1_700_000_010)
        data.tasks[3].end_time.FromSeconds(1_700_000_020)
        statuses = client.get_instance(data.id).get_task_statuses()
    pyodps = Instance.Task.TaskStatus
    assert [member.value for member in pyodps] == [
        "WAITING", "RUNNING", "SUCCESS", "FAILED", "SUSPENDED", "CANCELLED"
    ]  # fmt: skip
    assert [t.status for t in statuses.values()] == [
        pyodps.WAITING,
        pyodps.FAILED,
        pyodps.RUNNING,
        pyodps.SUCCESS,
    ]
    done = statuses["s"]
    assert isinstance(done, Instance.Task) and (done.name, done.type) == ("s", "echo")
    assert done.status == Instance.Task.TaskStatus.SUCCESS and done.status.value == "SUCCESS"
    assert done.end_time - done.start_time == dt.timedelta(seconds=10)  # type: ignore[operator]
    assert statuses["q"].type == "sql" and statuses["q"].start_time is None
    assert statuses["t"].task_status is TaskStatus.TIMED_OUT


def test_a_waiting_dependent_names_the_tasks_it_waits_on() -> None:
    with serve() as (fake, client):
        data = fake.add(
            [
                task("extract", task_pb2.TASK_STATUS_RUNNING),
                task("load", waiting_reason=task_pb2.WAITING_REASON_DEPENDENCY, waiting_on=["extract"]),
            ]
        )
        instance = client.get_instance(data.id)
        statuses = instance.get_task_statuses()
        assert statuses["load"].waiting_on == ("extract",) and statuses["extract"].waiting_on == ()
        load = instance.get_task("load")
        assert load.waiting_reason is WaitingReason.DEPENDENCY and load.waiting_on == ["extract"]
        assert instance.get_task("extract").waiting_on == []


def test_get_task_without_a_name_needs_exactly_one_task() -> None:
    with serve() as (fake, client):
        single = client.get_instance(fake.add([task("only")]).id)
        assert single.get_task().name == "only"
        several = client.get_instance(fake.add([task("a"), task("b")]).id)
        with pytest.raises(ValueError, match="a, b"):
            several.get_task()
        with pytest.raises(ValueError):
            several.get_task_result()
        assert [t.name for t in several.get_tasks()] == ["a", "b"]


def test_get_task_result_and_results_as_pyodps() -> None:
    csv = '"sepallength","name"\n5.1,"Iris-setosa"\n'
    with serve() as (fake, client):
        data = fake.add(
            [
                task("AnonymousSQLTask", SUCCESS),
                task("numbers", SUCCESS),
                task("broken", FAILED, error=encode_error(KeyError("k"))),
            ]
        )
        fake.set_output(data, "AnonymousSQLTask", result=encode_result(csv))
        fake.set_output(data, "numbers", result=encode_result({"n": [1, 2]}))
        fake.finish(data, SUCCESS, SUCCESS, FAILED)
        instance = client.get_instance(data.id)
        assert instance.get_task_result("AnonymousSQLTask") == csv
        assert instance.get_task_result("numbers") == {"n": [1, 2]}
        assert instance.get_task_result("broken") == "'k'"
        assert instance.get_task_result("unknown") is None
        results = instance.get_task_results()
        assert isinstance(results, OrderedDict)
        assert list(results.items()) == [
            ("AnonymousSQLTask", csv),
            ("numbers", {"n": [1, 2]}),
            ("broken", "'k'"),
        ]
        only = client.get_instance(fake.add([task("t", SUCCESS)]).id)
        assert only.get_task_result() is None


def test_get_task_progress_of_an_unknown_task_is_not_found() -> None:
    with serve() as (fake, client):
        instance = client.get_instance(fake.add().id)
        with pytest.raises(errors.NotFoundError):
            instance.get_task_progress("nope")


def test_a_closed_client_says_so() -> None:
    with serve() as (fake, client):
        instance = client.get_instance(fake.add().id)
        client.close()
        with pytest.raises(RuntimeError, match="closed"):
            instance.reload()
