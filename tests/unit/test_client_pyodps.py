"""PyODPS code that must run as written (issue 23): readers and records, run_sql / list_instances with
PyODPS's arguments, delete_table, task summaries, details, workers and their logs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import taskstream
import taskstream.aio
from taskstream import Instance, Record, TaskSummary, WorkerDetail, errors
from taskstream.v1 import instance_pb2, instance_service_pb2, task_pb2
from tests.unit.test_client_fake import PROJECT, USER, FakeInstanceService, serve, task

SUCCESS = task_pb2.TASK_STATUS_SUCCESS
STRING, INTEGER, DOUBLE = (
    instance_service_pb2.COLUMN_TYPE_STRING,
    instance_service_pb2.COLUMN_TYPE_INTEGER,
    instance_service_pb2.COLUMN_TYPE_DOUBLE,
)
IRIS = [[5.1 + i / 10, f"iris-{i}", i if i % 2 else None] for i in range(7)]


def _select(fake: FakeInstanceService) -> instance_pb2.Instance:
    data = fake.add([task("AnonymousSQLTask", SUCCESS, type="sql")])
    fake.finish(data)
    fake.set_rows(data, "AnonymousSQLTask", [("sepallength", DOUBLE), ("name", STRING), ("n", INTEGER)], IRIS)
    return data


# -- readers and records


def test_open_reader_is_a_context_manager_of_records() -> None:
    with serve() as (fake, client):
        data = _select(fake)
        with client.get_instance(data.id).open_reader(page_size=3) as reader:
            assert reader.columns == [("sepallength", "double"), ("name", "string"), ("n", "integer")]
            assert reader.count == 7
            records = list(reader)
        pages = len(fake.requests("ListTaskResultRows"))
    assert pages == 3 + 2  # the first page once, then two more pages for each of count and the loop
    first = records[0]
    assert isinstance(first, Record)
    assert (first[0], first["name"], first.name, first.n) == (5.1, "iris-0", "iris-0", None)
    assert first == (5.1, "iris-0", None) and first.values == [5.1, "iris-0", None]
    assert first[1:] == ("iris-0", None) and first.get_by_name("sepallength") == 5.1
    with pytest.raises(KeyError, match="sepallength, name, n"):
        first["missing"]
    with pytest.raises(AttributeError):
        _ = first.missing
    assert [r.n for r in records] == [row[2] for row in IRIS]


def test_a_reader_slices_as_pyodps_reader_0_count() -> None:
    with serve() as (fake, client):
        data = _select(fake)
        reader = client.get_instance(data.id).open_reader(page_size=2)
        assert [r.name for r in reader[0 : reader.count]] == [f"iris-{i}" for i in range(7)]
        assert [r.name for r in reader[2:5]] == ["iris-2", "iris-3", "iris-4"]
        assert [r.name for r in reader[1::3]] == ["iris-1", "iris-4"]
        assert list(reader[9:]) == []
        with pytest.raises(ValueError):
            reader[-2:]
        with pytest.raises(TypeError):
            reader[0]  # type: ignore[index]


def test_open_reader_fails_at_once_without_a_tabular_result_and_takes_pyodps_options() -> None:
    with serve() as (fake, client):
        echoed = fake.add([task("echo", SUCCESS)])
        fake.finish(echoed)
        with pytest.raises(errors.FailedPreconditionError):
            client.get_instance(echoed.id).open_reader()
        data = _select(fake)
        reader = client.get_instance(data.id).open_reader(tunnel=True, limit=False)
        assert len(list(reader)) == 7
        (request, *_) = fake.requests("ListTaskResultRows")[1:]
        assert (request.instance, request.task, request.page_size) == (data.name, "", 1000)


async def test_the_asyncio_reader() -> None:
    with serve() as (fake, client):
        data = _select(fake)
        async with taskstream.aio.connect(client.target, project=PROJECT) as aclient:
            reader = await aclient.get_instance(data.id).open_reader(page_size=4)
            async with reader:
                assert reader.column_names == ["sepallength", "name", "n"]
                assert await reader.count == 7
                assert [r.name async for r in reader[5:]] == ["iris-5", "iris-6"]


# -- PyODPS's arguments


def test_run_sql_takes_pyodps_arguments_and_keeps_its_own() -> None:
    with serve() as (fake, client):
        client.run_sql("select 1", "other_project", 3, "cluster-a", {"odps.sql.x": "1"})
        client.run_sql("select 2", datasource="warehouse", task_name="Mine", unique_identifier_id="once")
        first, second = fake.requests("CreateInstance")
    assert first.parent == "projects/other_project" and first.priority == 3
    assert json.loads(first.tasks[0].parameters_json) == {"sql": "select 1", "hints": {"odps.sql.x": "1"}}
    assert second.parent == f"projects/{PROJECT}" and second.tasks[0].name == "Mine"
    assert json.loads(second.tasks[0].parameters_json) == {"sql": "select 2", "datasource": "warehouse"}
    assert second.request_id == "once"


def test_list_instances_takes_pyodps_arguments() -> None:
    start, end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    with serve() as (fake, client):
        list(client.list_instances("p2", from_time=start, end_time=end, status="Terminated", only_owner=True))
        list(client.list_instances(project=None, start_time=start, status=taskstream.InstanceStatus.RUNNING))
        list(client.list_instances(owner="bob", labels={"k": "v"}, page_size=5))  # taskstream's own names
        first, second, third = fake.requests("ListInstances")
        with pytest.raises(ValueError):
            client.list_instances(start_time=start, from_time=start)
        with pytest.raises(ValueError):
            client.list_instances(only_owner=True, owner="bob")
    assert first.parent == "projects/p2" and first.owner == USER
    assert first.create_time_start.ToDatetime(tzinfo=dt.UTC) == start
    assert first.create_time_end.ToDatetime(tzinfo=dt.UTC) == end
    assert list(first.statuses) == [instance_pb2.INSTANCE_STATUS_TERMINATED]
    assert second.parent == f"projects/{PROJECT}" and second.owner == ""
    assert (third.owner, dict(third.labels), third.page_size) == ("bob", {"k": "v"}, 5)


def test_get_exist_and_stop_instance_take_a_project() -> None:
    with serve() as (fake, client):
        data = fake.add(project="elsewhere")
        handle = client.get_instance(data.id, "elsewhere")
        assert handle.name == data.name and handle.project == "elsewhere"
        assert client.exist_instance(data.id, project="elsewhere")
        assert not client.exist_instance(data.id)
        client.stop_instance(data.id, project="elsewhere")
        assert fake.requests("StopInstance")[0].name == data.name


def test_delete_table_runs_a_sql_drop_table_task() -> None:
    with serve() as (fake, client):
        fake.on_wait = fake.finish
        fake.waits_in_create = True
        dropped = client.delete_table("pyodps_iris", if_exists=True)
        assert dropped.get_task_names() == ["SQLDropTableTask"]
        client.delete_table("odd name", project="p2", schema="s", async_=True)
        first, second = fake.requests("CreateInstance")
    assert json.loads(first.tasks[0].parameters_json) == {"sql": "drop table if exists pyodps_iris"}
    assert first.tasks[0].name == "SQLDropTableTask" and first.HasField("wait_timeout")
    assert json.loads(second.tasks[0].parameters_json) == {"sql": 'drop table s."odd name"'}
    assert second.parent == "projects/p2" and not second.HasField("wait_timeout")


# -- summaries, details, workers and logs


def _ran(fake: FakeInstanceService) -> instance_pb2.Instance:
    progress = task_pb2.Progress(
        stages=[
            task_pb2.StageProgress(
                name="M1_Stg1_job0", total_workers=2, input_records=150, output_records=150
            ),
            task_pb2.StageProgress(
                name="R2_1_Stg1_job0", total_workers=1, input_records=150, output_records=3
            ),
        ],
        percent=100,
    )
    data = fake.add([task("t", SUCCESS, attempts=2, worker="replica-1/w-7", progress=progress)])
    data.tasks[0].start_time.FromSeconds(1_700_000_000)
    data.tasks[0].end_time.FromSeconds(1_700_000_002)
    data.tasks[0].stdout_info.total_bytes = 12
    fake.finish(data)
    fake.write_output(data, "t", b"first\nsecond\n")
    fake.write_output(data, "t", b"oops\n", stream="stderr")
    return data


def test_task_summary_and_detail_come_from_what_the_server_returns() -> None:
    with serve() as (fake, client):
        instance = client.get_instance(_ran(fake).id)
        summary = instance.get_task_summary("t")
        detail = instance.get_task_detail()
    assert isinstance(summary, TaskSummary) and Instance.TaskSummary is TaskSummary
    assert (summary["status"], summary["attempts"], summary["durationSeconds"]) == ("SUCCESS", 2, 2.0)
    assert summary["stages"]["R2_1_Stg1_job0"]["outputRecords"] == 3
    assert summary.summary_text == (
        "t (echo): SUCCESS after 2 attempts, 2.000 s\n"
        "M1_Stg1_job0: 2 workers, 150 records in, 150 out, 0%\n"
        "R2_1_Stg1_job0: 1 workers, 150 records in, 3 out, 0%\n"
    )
    assert json.loads(summary.json_summary or "") == summary
    assert (detail["name"], detail["status"], detail["attempts"]) == ("t", "SUCCESS", 2)
    assert detail["startTime"] == "2023-11-14T22:13:20+00:00" and detail["stdout"]["bytes"] == 12
    assert [stage["name"] for stage in detail["stages"]] == ["M1_Stg1_job0", "R2_1_Stg1_job0"]
    (worker,) = detail["workers"]
    assert (worker["id"], worker["logId"], worker["startTime"], worker["endTime"]) == (
        "replica-1/w-7",
        "t",
        1_700_000_000,
        1_700_000_002,
    )


def test_task_workers_and_their_logs() -> None:
    with serve() as (fake, client):
        instance = client.get_instance(_ran(fake).id)
        (worker,) = instance.get_task_workers("t")
        assert isinstance(worker, WorkerDetail)
        assert (worker.id, worker.log_id, worker.type, worker.status) == (
            "replica-1/w-7",
            "t",
            "echo",
            "SUCCESS",
        )
        assert (worker.input_records, worker.output_records) == (300, 153)
        assert instance.get_task_workers(json_obj=instance.get_task_detail("t")) == [worker]
        assert worker.get_log("stdout") == "first\nsecond\n"
        assert instance.get_worker_log(worker.log_id, "STDERR") == "oops\n"
        assert worker.get_log("stdout", size=7) == "second\n"
        with pytest.raises(ValueError, match="stdout stderr"):
            instance.get_worker_log("t", "jstack")
        with pytest.raises(ValueError):
            instance.get_task_workers()
        never_ran = fake.add([task("w")])
        assert client.get_instance(never_ran.id).get_task_workers("w") == []


def test_task_types() -> None:
    with serve() as (fake, client):
        fake.task_types = [instance_pb2.TaskType(name="echo", description="Echoes.", worker_count=2)]
        assert client.list_task_types() == [taskstream.TaskType("echo", "Echoes.", 2)]
