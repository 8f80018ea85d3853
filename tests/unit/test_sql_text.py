"""The SQL task's CSV text, its typed reading in pages, data source flags and submission checks."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest

from taskstream._status import TaskStatus
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import task_pb2
from taskstreamd.builtin_tasks.sql import csvtext
from taskstreamd.cli import parser
from taskstreamd.datasources import parse_datasources
from taskstreamd.domain.model import Task
from taskstreamd.errors import FailedPrecondition, InvalidArgument
from taskstreamd.core.sql_tasks import check_sql_tasks
from taskstreamd.domain.model import NewTask
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
    assert parse_datasources(["a=sqlite:///x.db", "b=postgresql://h/db"]) == {
        "a": "sqlite:///x.db",
        "b": "postgresql://h/db",
    }
    for bad in (["nourl"], ["=sqlite://"], ["a=x", "a=y"], ["a b=sqlite://"]):
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
