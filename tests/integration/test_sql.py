"""SQL tasks against a real server and worker processes, starting with the PyODPS page's own examples."""

from __future__ import annotations

import re
import urllib.request
import uuid
from collections import OrderedDict

import grpc
import pytest

import taskstream
from taskstream import CancellationReason, Instance, TaskStatus
from taskstream.v1 import instance_service_pb2
from tests.integration.conftest import until_task_status
from tests.support.server import ServerProcess
from tests.support.workflows import ENDLESS_SQL

IRIS_FIRST_ROW = (
    '"sepallength","sepalwidth","petallength","petalwidth","name"\n5.1,3.5,1.4,0.2,"Iris-setosa"\n'
)


def _table() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


# -- the seed page's examples, with its calls and names


def test_seed_list_and_exist_instances(client: taskstream.Client) -> None:
    known = client.execute_sql("select 1")
    ids = []
    for instance in client.list_instances():
        ids.append(instance.id)
        assert client.exist_instance(instance.id)
    assert known.id in ids
    assert client.exist_instance("my_instance_id") is False


def test_seed_logview_of_a_sql_instance(client: taskstream.Client, server: ServerProcess) -> None:
    instance = client.run_sql("desc pyodps_iris")
    address = instance.get_logview_address()
    again = client.get_instance(instance.id).get_logview_address()
    for url in (address, again):
        assert url.startswith(f"http://{server.http_address}/logview/?")
        assert f"i={instance.id}" in url and "token=" in url
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200
    instance.wait_for_success()
    described = instance.get_task_result("AnonymousSQLTask")
    assert described.splitlines() == [
        '"name","type","nullable","comment"',
        '"sepallength","float","YES",""',
        '"sepalwidth","float","YES",""',
        '"petallength","float","YES",""',
        '"petalwidth","float","YES",""',
        '"name","varchar","YES",""',
    ]


def test_seed_status_of_a_finished_instance(client: taskstream.Client) -> None:
    instance = client.get_instance(client.execute_sql("select 1").id)
    assert instance.status is Instance.Status.TERMINATED
    assert instance.status == Instance.Status.TERMINATED
    assert instance.status.value == "Terminated"
    assert instance.is_terminated() and instance.is_successful()


def test_seed_task_names_results_and_progress(client: taskstream.Client) -> None:
    instance = client.execute_sql("select * from pyodps_iris limit 1")
    assert instance.get_task_names() == ["AnonymousSQLTask"]
    assert instance.get_task_result("AnonymousSQLTask") == IRIS_FIRST_ROW
    results = instance.get_task_results()
    assert isinstance(results, OrderedDict)
    assert results == OrderedDict([("AnonymousSQLTask", IRIS_FIRST_ROW)])
    for task_name in instance.get_task_names():
        line = instance.get_task_progress(task_name).get_stage_progress_formatted_string()
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d M1_Stg1_job0:0/1/1\[100%\]\t", line)


def test_seed_drop_table_task_name(client: taskstream.Client) -> None:
    table = _table()
    client.execute_sql(f"create table {table} (a int)")
    instance = client.execute_sql(f"drop table {table}", task_name="SQLDropTableTask")
    assert instance.get_task_names() == ["SQLDropTableTask"]


def test_seed_progress_while_running(client: taskstream.Client) -> None:
    """The seed prints get_task_progress while the instance runs; the watch stream says when it runs."""
    instance = client.run_sql(ENDLESS_SQL)
    try:
        for event in instance.watch():
            if isinstance(event, taskstream.TaskProgressUpdated) and event.progress.stages:
                break
            # A statement that started before the watch opened reported its stages before the snapshot.
            if isinstance(event, taskstream.InstanceSnapshot) and instance.get_task_progress().stages:
                break
        assert not instance.is_terminated()
        for task_name in instance.get_task_names():
            line = instance.get_task_progress(task_name).get_stage_progress_formatted_string()
            assert line.endswith(" M1_Stg1_job0:1/0/1[0%]\t")
    finally:
        instance.stop()
    instance.wait_for_completion(timeout=60)


# -- beyond the seed


def test_the_whole_iris_table_is_there(client: taskstream.Client) -> None:
    result = client.execute_sql(
        "select name, count(*) as n, round(avg(sepallength), 3) as sl from pyodps_iris group by name order by name"
    ).get_task_result()
    assert result == (
        '"name","n","sl"\n"Iris-setosa",50,5.006\n"Iris-versicolor",50,5.936\n"Iris-virginica",50,6.588\n'
    )


def test_ddl_and_dml_report_affected_rows(client: taskstream.Client) -> None:
    table = _table()
    created = client.execute_sql(f"create table {table} (a integer, b text, c real)")
    assert created.get_task().properties == {"affected_rows": 0}
    inserted = client.execute_sql(
        f"insert into {table} values (1, 'say \"hi\"', 0.5), (2, NULL, NULL), (3, 'x,y', -1.25)"
    )
    assert inserted.get_task_result() == '"affected_rows"\n3\n'
    assert inserted.get_task().properties == {"affected_rows": 3}
    updated = client.execute_sql(f"update {table} set c = 0 where a >= 2")
    assert updated.get_task().properties == {"affected_rows": 2}
    selected = client.execute_sql(f"select * from {table} order by a")
    assert selected.get_task_result() == '"a","b","c"\n1,"say ""hi""",0.5\n2,,0.0\n3,"x,y",0.0\n'


def test_sql_error_fails_the_task_with_the_database_message(client: taskstream.Client) -> None:
    instance = client.run_sql("select * from no_such_table")
    with pytest.raises(taskstream.InstanceFailedError) as failed:
        instance.wait_for_success(timeout=60)
    assert "no such table: no_such_table" in str(failed.value)
    task = instance.get_task()
    assert task.task_status == TaskStatus.FAILED
    # Not unpickled unless the client opts in: the database's exception type travels by name.
    assert isinstance(task.error, taskstream.RemoteTaskError) and task.error.type_name.endswith(
        "OperationalError"
    )
    assert str(task.error) == "no such table: no_such_table"


def test_unknown_data_source_is_invalid_argument(client: taskstream.Client) -> None:
    with pytest.raises(taskstream.InvalidArgumentError) as error:
        client.run_sql("select 1", datasource="nowhere")
    assert error.value.code is grpc.StatusCode.INVALID_ARGUMENT
    fields = [v.field for v in error.value.field_violations]
    assert fields == ["tasks[0].parameters_json.datasource"]
    assert "nowhere" in error.value.field_violations[0].description


def test_named_default_data_source_and_hints(client: taskstream.Client) -> None:
    instance = client.execute_sql(
        "select 1 as one", datasource="default", hints={"odps.sql.mapper.split.size": "16"}, priority=3
    )
    assert instance.priority == 3
    assert instance.get_task_result() == '"one"\n1\n'
    assert instance.get_task().parameters["hints"] == {"odps.sql.mapper.split.size": "16"}


def test_stop_interrupts_a_long_query(client: taskstream.Client) -> None:
    instance = client.run_sql(ENDLESS_SQL, task_name="Endless")
    until_task_status(instance, "Endless", TaskStatus.RUNNING)
    instance.stop(message="enough")
    instance.wait_for_completion(timeout=60)
    task = instance.get_task("Endless")
    assert task.task_status == TaskStatus.CANCELLED
    assert task.task_cancellation_reason == CancellationReason.DIRECT
    assert task.task_cancellation_message == "enough"
    # The statement was interrupted through the connection, not killed with its process.
    assert "statement interrupted: interrupted" in task.standard_output


def test_typed_rows_in_pages(client: taskstream.Client) -> None:
    table = _table()
    client.execute_sql(f"create table {table} (i integer, f real, s text, n integer)")
    values = ", ".join(f"({k}, {k}.5, 'row \"{k}\",\nnext', NULL)" for k in range(25))
    client.execute_sql(f"insert into {table} values {values}")
    instance = client.execute_sql(f"select i, f, s, n, i * 2 as twice from {table} order by i")
    reader = instance.open_reader(page_size=7)
    assert reader.columns == [
        ("i", "integer"),
        ("f", "double"),
        ("s", "string"),
        ("n", ""),
        ("twice", "integer"),
    ]
    rows = list(reader)
    assert rows == [(k, k + 0.5, f'row "{k}",\nnext', None, 2 * k) for k in range(25)]
    iris = list(client.execute_sql("select * from pyodps_iris").open_reader("AnonymousSQLTask", page_size=40))
    assert len(iris) == 150 and iris[0] == (5.1, 3.5, 1.4, 0.2, "Iris-setosa")
    assert iris[-1] == (5.9, 3.0, 5.1, 1.8, "Iris-virginica")


def test_typed_rows_need_a_tabular_result(client: taskstream.Client) -> None:
    failed = client.run_sql("select * from no_such_table")
    failed.wait_for_completion(timeout=60)
    with pytest.raises(taskstream.FailedPreconditionError) as refused:
        failed.open_reader()
    assert refused.value.code is grpc.StatusCode.FAILED_PRECONDITION
    echoed = client.execute_task("echo", {"n": 1})
    with pytest.raises(taskstream.FailedPreconditionError):
        echoed.open_reader()
    selected = client.execute_sql("select 1 as one")
    with pytest.raises(taskstream.InvalidArgumentError) as bad:
        client._rpc.list_task_result_rows(
            instance_service_pb2.ListTaskResultRowsRequest(instance=selected.name, page_token="x")
        )
    assert [v.field for v in bad.value.field_violations] == ["page_token"]
