"""Checks of ``sql`` tasks at submission, so a bad statement or data source is a call error, not a task's."""

from __future__ import annotations

import json
from collections.abc import Sequence

from taskstreamd.domain.model import NewTask
from taskstreamd.errors import FieldViolation, InvalidArgument

SQL_TYPE = "sql"


def check_sql_tasks(tasks: Sequence[NewTask], datasources: frozenset[str]) -> None:
    """INVALID_ARGUMENT naming ``tasks[i].parameters_json.sql`` or ``.datasource`` when one is wrong."""
    problems: list[FieldViolation] = []
    for i, spec in enumerate(tasks):
        if spec.type != SQL_TYPE:
            continue
        where = f"tasks[{i}].parameters_json"
        params = json.loads(spec.parameters_json) if spec.parameters_json.strip() else {}
        sql = params.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            problems.append(FieldViolation(f"{where}.sql", "a sql task needs a non-empty statement"))
        datasource = params.get("datasource")
        if datasource is not None and (not isinstance(datasource, str) or datasource not in datasources):
            known = ", ".join(sorted(datasources)) or "none"
            problems.append(
                FieldViolation(
                    f"{where}.datasource", f"no data source {datasource!r}; this server has: {known}"
                )
            )
    if problems:
        raise InvalidArgument(problems)
