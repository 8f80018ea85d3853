"""The task spec of a SQL statement (the server's built-in ``sql`` task type), and PyODPS's drop table."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from taskstream._specs import TaskSpec, create_request
from taskstream.v1 import instance_service_pb2

SQL_TASK_TYPE = "sql"
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def sql_task(
    sql: str,
    *,
    datasource: str | None = None,
    hints: Mapping[str, str] | None = None,
    task_name: str | None = None,
) -> TaskSpec:
    """One ``sql`` task; unnamed, the server calls it ``AnonymousSQLTask`` as PyODPS does."""
    if not isinstance(sql, str) or not sql.strip():
        raise ValueError("sql must be a non-empty statement")
    params: dict[str, Any] = {"sql": sql}
    if datasource is not None:
        params["datasource"] = datasource
    if hints:
        params["hints"] = {str(key): str(value) for key, value in hints.items()}
    return TaskSpec(SQL_TASK_TYPE, params, task_name)


def sql_request(
    project: str,
    sql: str,
    *,
    datasource: str | None,
    hints: Mapping[str, str] | None,
    priority: int | None,
    task_name: str | None,
    request_id: str | None,
) -> instance_service_pb2.CreateInstanceRequest:
    """The CreateInstanceRequest of run_sql and execute_sql: one ``sql`` task."""
    spec = sql_task(sql, datasource=datasource, hints=hints, task_name=task_name)
    return create_request(project, [spec], {"priority": priority, "request_id": request_id})


def drop_table_sql(name: str, *, if_exists: bool, schema: str | None) -> str:
    """``drop table [if exists] [schema.]name``; a name that is not a plain identifier is quoted."""
    parts = [schema, name] if schema else [name]
    qualified = ".".join(_identifier(part) for part in parts)
    return f"drop table {'if exists ' if if_exists else ''}{qualified}"


def _identifier(name: str) -> str:
    if not name:
        raise ValueError("a table name must not be empty")
    if _PLAIN_NAME.fullmatch(name):
        return name  # unquoted, so the database folds its case as it did when the table was made
    return '"' + name.replace('"', '""') + '"'
