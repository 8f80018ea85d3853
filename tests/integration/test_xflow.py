"""XFlow workflows against a real server: AppendID as the PyODPS page runs it, failures, stops, nesting.

The module has its own server with three local workers: a workflow holds a worker while it waits, so a
nested workflow needs one for itself, one for its inner workflow and one for the SQL it starts.
"""

from __future__ import annotations

import urllib.request
import uuid
from collections import OrderedDict
from collections.abc import Iterator

import grpc
import pytest

import taskstream
from taskstream import CancellationReason, TaskStatus
from taskstream.v1 import instance_service_pb2
from tests.integration.conftest import until_task_status
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def xflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("xflow"),
        "--tasks",
        "tests.support.workflows",
        "--grace-period",
        "5",
        workers=3,
    ).start()
    yield process
    process.stop()


@pytest.fixture
def o(xflow_server: ServerProcess) -> Iterator[taskstream.Client]:
    with taskstream.connect(xflow_server.address, project="xflow") as client:
        yield client


def _table() -> str:
    return f"ids_{uuid.uuid4().hex[:12]}"


def test_seed_run_xflow_and_sub_instance_logviews(o: taskstream.Client, xflow_server: ServerProcess) -> None:
    output = _table()
    instance = o.run_xflow(
        "AppendID", "algo_public", {"inputTableName": "pyodps_iris", "outputTableName": output}
    )
    instance.wait_for_success(timeout=120)
    subs = o.get_xflow_sub_instances(instance)
    assert isinstance(subs, OrderedDict)
    assert list(subs) == ["DescInputTable", "AppendID"]
    addresses = []
    for sub_inst_name, sub_inst in o.get_xflow_sub_instances(instance).items():
        address = sub_inst.get_logview_address()
        addresses.append(address)
        assert f"i={sub_inst.id}" in address, sub_inst_name
        assert sub_inst.parent_instance == instance
        assert sub_inst.is_successful() and sub_inst.get_task_names() == ["AnonymousSQLTask"]
        with urllib.request.urlopen(address, timeout=30) as page:
            assert page.status == 200
    assert len(set(addresses)) == 2
    assert instance.get_task_names() == ["AppendID"]
    assert instance.get_task_result() == output

    copied = o.execute_sql(f"select count(*) as n, min(append_id) as lo, max(append_id) as hi from {output}")
    assert copied.get_task_result() == '"n","lo","hi"\n150,0,149\n'
    first = o.execute_sql(f"select * from {output} where append_id = 0").get_task_result()
    assert first == (
        '"sepallength","sepalwidth","petallength","petalwidth","name","append_id"\n'
        '5.1,3.5,1.4,0.2,"Iris-setosa",0\n'
    )


def test_id_column_name_is_a_parameter(o: taskstream.Client) -> None:
    output = _table()
    o.execute_xflow(
        "AppendID",
        "algo_public",
        {"inputTableName": "pyodps_iris", "outputTableName": output, "IDColName": "row_id"},
    )
    result = o.execute_sql(f"select max(row_id) as m from {output}").get_task_result()
    assert result == '"m"\n149\n'


def test_iter_sub_instances_follows_the_watch_stream(o: taskstream.Client) -> None:
    instance = o.run_xflow(
        "AppendID", "algo_public", {"inputTableName": "pyodps_iris", "outputTableName": _table()}
    )
    seen = [(name, sub.id) for name, sub in o.iter_xflow_sub_instances(instance, check=True)]
    assert [name for name, _ in seen] == ["DescInputTable", "AppendID"]
    # After the end, a fresh iteration lists the same ones from the snapshot, once each.
    again = [(name, sub.id) for name, sub in o.iter_xflow_sub_instances(instance)]
    assert again == seen
    assert [(n, s.id) for n, s in o.get_xflow_sub_instances(instance).items()] == seen


def test_failing_sub_instance_fails_the_workflow(o: taskstream.Client) -> None:
    instance = o.run_xflow("FailingStep", "tests")
    with pytest.raises(taskstream.InstanceFailedError) as failed:
        instance.wait_for_success(timeout=120)
    assert "no such table: no_such_table" in str(failed.value)
    assert instance.get_task("FailingStep").task_status == TaskStatus.FAILED
    broken = o.get_xflow_sub_instances(instance)["Broken"]
    assert broken.get_task().task_status == TaskStatus.FAILED
    with pytest.raises(taskstream.InstanceFailedError):
        list(o.iter_xflow_sub_instances(instance, check=True))


def test_stopping_a_workflow_stops_its_sub_instances(o: taskstream.Client) -> None:
    instance = o.run_xflow("Endless", "tests")
    for name, sub in o.iter_xflow_sub_instances(instance):
        assert name == "Forever"
        until_task_status(sub, "AnonymousSQLTask", TaskStatus.RUNNING)
        instance.stop(message="no more")
        break
    instance.wait_for_completion(timeout=120)
    workflow_task = instance.get_task("Endless")
    assert workflow_task.task_status == TaskStatus.CANCELLED
    assert workflow_task.task_cancellation_reason == CancellationReason.DIRECT
    forever = o.get_xflow_sub_instances(instance)["Forever"]
    forever.wait_for_completion(timeout=120)
    task = forever.get_task()
    assert task.task_status == TaskStatus.CANCELLED
    assert task.task_cancellation_reason == CancellationReason.CONSEQUENTIAL
    assert instance.id in task.task_cancellation_message
    assert "statement interrupted" in task.standard_output


def test_a_stopped_workflow_starts_nothing(o: taskstream.Client, xflow_server: ServerProcess) -> None:
    instance = o.run_task("xflow.tests.Endless", hold=True)
    instance.stop()
    request = instance_service_pb2.CreateInstanceRequest(
        parent="projects/xflow",
        tasks=[taskstream.TaskSpec("sql", {"sql": "select 1"}).to_proto()],
        parent_instance=instance.name,
        sub_instance_name="late",
    )
    with pytest.raises(taskstream.FailedPreconditionError) as refused:
        o._rpc.create_instance(request)
    assert refused.value.code is grpc.StatusCode.FAILED_PRECONDITION
    assert o.get_xflow_sub_instances(instance) == OrderedDict()


def test_nested_workflows_are_flattened(o: taskstream.Client) -> None:
    output = _table()
    instance = o.execute_xflow("Nested", "tests", {"table": output})
    assert instance.get_task_result() == 150
    expected = ["CountInput", "DescInputTable", "AppendID", "CountOutput"]
    assert list(o.get_xflow_sub_instances(instance)) == expected
    assert [name for name, _ in o.iter_xflow_sub_instances(instance)] == expected
    inner_append = o.get_xflow_sub_instances(instance)["AppendID"]
    inner = inner_append.parent_instance
    assert inner is not None and inner.parent_instance == instance
    assert inner.get_task_names() == ["AppendID"]


def test_sub_instance_listing_errors(o: taskstream.Client) -> None:
    with pytest.raises(taskstream.NotFoundError):
        o.get_xflow_sub_instances("20200101000000000aaaaaaaa")
    with pytest.raises(taskstream.InvalidArgumentError) as bad_token:
        o._rpc.list_sub_instances(
            instance_service_pb2.ListSubInstancesRequest(
                parent=o.execute_sql("select 1").name, page_token="not-a-token"
            )
        )
    assert [v.field for v in bad_token.value.field_violations] == ["page_token"]


def test_paged_listing(o: taskstream.Client) -> None:
    instance = o.execute_xflow(
        "AppendID", "algo_public", {"inputTableName": "pyodps_iris", "outputTableName": _table()}
    )
    first = o._rpc.list_sub_instances(
        instance_service_pb2.ListSubInstancesRequest(parent=instance.name, page_size=1)
    )
    assert [s.name for s in first.sub_instances] == ["DescInputTable"] and first.next_page_token
    second = o._rpc.list_sub_instances(
        instance_service_pb2.ListSubInstancesRequest(
            parent=instance.name, page_size=1, page_token=first.next_page_token
        )
    )
    assert [s.name for s in second.sub_instances] == ["AppendID"]
    assert all(s.task == "AppendID" and not s.workflow for s in [*first.sub_instances, *second.sub_instances])


async def test_asyncio_client_has_the_same_methods(xflow_server: ServerProcess) -> None:
    async with taskstream.aio.connect(xflow_server.address, project="xflow") as client:
        selected = await client.execute_sql("select * from pyodps_iris limit 1", task_name="First")
        assert await selected.get_task_names() == ["First"]
        assert await selected.get_task_result("First") == (
            '"sepallength","sepalwidth","petallength","petalwidth","name"\n5.1,3.5,1.4,0.2,"Iris-setosa"\n'
        )
        output = _table()
        instance = await client.run_xflow(
            "AppendID", "algo_public", {"inputTableName": "pyodps_iris", "outputTableName": output}
        )
        seen = [name async for name, _ in client.iter_xflow_sub_instances(instance, check=True)]
        assert seen == ["DescInputTable", "AppendID"]
        subs = await client.get_xflow_sub_instances(instance)
        assert list(subs) == seen
        for sub in subs.values():
            assert f"i={sub.id}" in await sub.get_logview_address()
        nested = await client.execute_xflow("Nested", "tests", {"table": _table()})
        assert list(await client.get_xflow_sub_instances(nested)) == [
            "CountInput",
            "DescInputTable",
            "AppendID",
            "CountOutput",
        ]
        with pytest.raises(taskstream.InstanceFailedError):
            await client.execute_sql("select * from no_such_table")
        reader = await selected.open_reader(page_size=1)
        assert reader.column_names == ["sepallength", "sepalwidth", "petallength", "petalwidth", "name"]
        assert [row async for row in reader] == [(5.1, 3.5, 1.4, 0.2, "Iris-setosa")]


def test_lists_leave_out_sub_instances_and_filter_by_outcome(xflow_server: ServerProcess) -> None:
    with taskstream.connect(xflow_server.address, project=f"lists-{uuid.uuid4().hex[:8]}") as client:
        failed = client.run_xflow("FailingStep", "tests")
        failed.wait_for_completion(timeout=120)
        succeeded = client.execute_sql("select 1", timeout=60)
        subs = list(client.get_xflow_sub_instances(failed).values())
        assert len(subs) == 1 and not failed.is_successful()

        every = [i.id for i in client.list_instances()]
        assert every == [succeeded.id, subs[0].id, failed.id]  # newest first
        top = [i.id for i in client.list_instances(sub_instances=False)]
        assert top == [succeeded.id, failed.id]
        assert [i.id for i in client.list_instances(successful=True)] == [succeeded.id]
        assert [i.id for i in client.list_instances(successful=False)] == [subs[0].id, failed.id]
        unsuccessful_top = client.list_instances(successful=False, sub_instances=False)
        assert [i.id for i in unsuccessful_top] == [failed.id]
        assert list(client.list_instances(status="Running", successful=True)) == []
