"""The SQL task's CSV text, its typed reading in pages, data source flags, scopes and submission checks."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path

import pytest

from taskstream.status import TaskStatus
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import task_pb2
from taskstreamd.builtin_tasks.sql import csvtext, sources
from taskstreamd.cli import parser
from taskstreamd.core.sql_tasks import check_sql_tasks, require_datasource_access
from taskstreamd.datasources import DataSource, parse_datasources, project_file_name
from taskstreamd.domain.model import NewTask, Task
from taskstreamd.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from taskstreamd.store.reads import Output, TaskOutcome
from taskstreamd.wire import result_rows


def test_csv_is_pyodps_shaped() -> None:
    text = csvtext.table(
        ["a", 'say "x"', "c", "d", "e", "f"],
        [
            (5.1, "Iris-setosa", None, True, decimal.Decimal("1.50"), dt.date(2024, 1, 2)),
            (-3, 'a "quoted", line\nbreak', b"raw", False, 0, dt.datetime(2024, 1, 2, 3, 4, 5)),
        ],
    )
    assert text == (
        '"a","say ""x""","c","d","e","f"\n'
        '5.1,"Iris-setosa",,true,1.50,"2024-01-02"\n'
        '-3,"a ""quoted"", line\nbreak","raw",false,0,"2024-01-02 03:04:05"\n'
    )


def _outcome(text: str, column_types: str | None, status: TaskStatus = TaskStatus.SUCCESS) -> TaskOutcome:
    properties = {}
    if column_types is not None:
        properties["column_types"] = task_pb2.PropertyValue(string_value=column_types).SerializeToString()
    task = Task(id=1, index=0, name="AnonymousSQLTask", type="sql", status=status, properties=properties)
    result = task_pb2.Result(text=text).SerializeToString()
    return TaskOutcome(task, result, Output(b"", 0, 0), Output(b"", 0, 0))


def _values(row: pb.ResultRow) -> list[object]:
    return [None if c.WhichOneof("kind") is None else getattr(c, c.WhichOneof("kind")) for c in row.cells]


def test_rows_are_read_back_typed_page_by_page() -> None:
    text = csvtext.table(
        ["i", "f", "s", "n"], [(k, k + 0.5, f'x "{k}",\ny', None) for k in range(5)] + [(7, 2.0, "", None)]
    )
    outcome = _outcome(text, "integer,double,string,")
    rows: list[list[object]] = []
    token = ""
    pages = 0
    while True:
        page = result_rows.page(outcome, 2, token)
        assert [(c.name, c.type) for c in page.columns] == [
            ("i", pb.COLUMN_TYPE_INTEGER),
            ("f", pb.COLUMN_TYPE_DOUBLE),
            ("s", pb.COLUMN_TYPE_STRING),
            ("n", pb.COLUMN_TYPE_UNSPECIFIED),
        ]
        rows += [_values(r) for r in page.rows]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert rows == [[k, k + 0.5, f'x "{k}",\ny', None] for k in range(5)] + [[7, 2.0, "", None]]


def test_a_double_column_keeps_whole_numbers_double() -> None:
    page = result_rows.page(_outcome('"f"\n2\n', "double"), 10, "")
    assert page.rows[0].cells[0].WhichOneof("kind") == "double_value"


def test_only_a_successful_text_result_is_tabular() -> None:
    with pytest.raises(FailedPrecondition):
        result_rows.page(_outcome('"a"\n1\n', "integer", TaskStatus.FAILED), 10, "")
    with pytest.raises(InvalidArgument):
        result_rows.page(_outcome('"a"\n1\n', "integer"), 10, "bogus")


def test_datasource_flags() -> None:
    assert parse_datasources(["a=sqlite:///x.db", "b=postgresql://h/db;projects=p1, p2"]) == {
        "a": DataSource("a", "sqlite:///x.db"),
        "b": DataSource("b", "postgresql://h/db", frozenset({"p1", "p2"})),
    }
    for bad in (
        ["nourl"],
        ["=sqlite://"],
        ["a=x", "a=y"],
        ["a b=sqlite://"],
        ["a=x;projects="],
        ["a=x;projects=p;projects=q"],
        ["a=x;project=p"],
        ["a=x;projects=../p"],
        ["a=x;projects=p/q"],
    ):
        with pytest.raises(ValueError):
            parse_datasources(bad)
    args = parser().parse_args(["worker", "--datasource", "default=sqlite:///w.db", "--datasource", "x=y://"])
    assert args.datasource == ["default=sqlite:///w.db", "x=y://"]
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--datasource", "missing-url"])


def _sql(params: dict[str, object]) -> NewTask:
    return _task("sql", json.dumps(params))


def _task(task_type: str, parameters_json: str = "") -> NewTask:
    return NewTask(
        name=task_type,
        type=task_type,
        parameters_json=parameters_json,
        python_object=b"",
        python_environment=b"",
        timeout=None,
    )


def test_sql_tasks_are_checked_at_submission() -> None:
    check_sql_tasks(
        [_sql({"sql": "select 1"}), _sql({"sql": "select 2", "datasource": "default"})],
        frozenset({"default"}),
    )
    with pytest.raises(InvalidArgument) as bad:
        check_sql_tasks(
            [_task("echo"), _sql({"sql": " "}), _sql({"sql": "select 1", "datasource": "x"})],
            frozenset({"default"}),
        )
    assert [v.field for v in bad.value.violations] == [
        "tasks[1].parameters_json.sql",
        "tasks[2].parameters_json.datasource",
    ]


def test_a_data_source_limited_to_projects_is_checked_at_submission() -> None:
    sources = {
        "default": DataSource("default", "sqlite:///w/{project}.sqlite", frozenset({"alpha"})),
        "mart": DataSource("mart", "postgresql://h/db", frozenset({"beta"})),
        "open": DataSource("open", "sqlite:///o.db"),
    }
    require_datasource_access([_sql({"sql": "select 1"}), _task("echo")], "alpha", sources)
    require_datasource_access([_sql({"sql": "select 1", "datasource": "mart"})], "beta", sources)
    require_datasource_access([_sql({"sql": "select 1", "datasource": "open"})], "gamma", sources)
    require_datasource_access([_sql({"sql": "select 1", "datasource": "unknown"})], "gamma", sources)
    for params, project in (
        ({"sql": "select 1"}, "beta"),
        ({"sql": "select 1", "datasource": "mart"}, "alpha"),
    ):
        with pytest.raises(PermissionDenied) as denied:
            require_datasource_access([_task("echo"), _sql(params)], project, sources)
        assert denied.value.reason == "DATASOURCE_DENIED"


def test_project_file_names_are_safe_and_distinct() -> None:
    assert project_file_name("alpha") == "alpha"
    assert project_file_name("my_project2") == "my_project2"
    assert project_file_name("Alpha") == "-41lpha"  # not "alpha": file systems may ignore case
    assert project_file_name("a-b") == "a-2db"
    assert project_file_name("../../etc/x") == "-2e-2e-2f-2e-2e-2fetc-2fx"
    long = project_file_name("A" * 128)
    assert len(long) <= 120 and long != project_file_name("A" * 127)
    names = ["a-b", "a_b", "A_b", "a-2db", "a--b", "ab"]
    assert len({project_file_name(n) for n in names}) == len(names)
    for name in [*names, "../x", "a/b", "a\x00b", "é"]:
        assert all(c.isascii() and (c.isalnum() or c in "_-~") for c in project_file_name(name))
    source = DataSource("default", "sqlite:////srv/w/{project}.sqlite")
    assert source.per_project and source.url_for("Beta") == "sqlite:////srv/w/-42eta.sqlite"


def test_a_worker_refuses_a_data_source_to_other_projects(tmp_path: Path) -> None:
    sources.configure(
        {
            "default": DataSource("default", f"sqlite:///{tmp_path}/{{project}}.sqlite"),
            "mart": DataSource("mart", f"sqlite:///{tmp_path / 'mart.db'}", frozenset({"alpha"})),
        }
    )
    try:
        with pytest.raises(sources.DataSourceDenied):
            sources.engine("mart", "beta")
        assert sources.engine("mart", "alpha").url.database == str(tmp_path / "mart.db")
        with sources.engine(None, "beta").connect() as conn:  # created on first use, with the sample table
            assert conn.exec_driver_sql("select count(*) from pyodps_iris").scalar_one() == 150
        assert sorted(p.name for p in tmp_path.iterdir()) == ["beta.sqlite"]
    finally:
        sources.configure({})
