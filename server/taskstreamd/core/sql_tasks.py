"""Checks of ``sql`` tasks at submission, so a bad statement or data source is a call error, not a task's."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from taskstreamd.datasources import DEFAULT_DATASOURCE, DataSource
from taskstreamd.domain.model import NewTask
from taskstreamd.errors import FieldViolation, InvalidArgument, PermissionDenied

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


def require_datasource_access(
    tasks: Sequence[NewTask], project: str, sources: Mapping[str, DataSource]
) -> None:
    """PERMISSION_DENIED when a sql task names a data source (or uses the default one) that is limited
    to other projects. Unknown names and malformed parameters are left to ``check_sql_tasks``."""
    for spec in tasks:
        if spec.type != SQL_TYPE or not spec.parameters_json.strip():
            continue
        try:
            params = json.loads(spec.parameters_json)
        except ValueError:
            continue
        name = params.get("datasource") if isinstance(params, dict) else None
        source = sources.get(name or DEFAULT_DATASOURCE) if isinstance(name, str | None) else None
        if source is not None and not source.allows(project):
            raise PermissionDenied(
                "DATASOURCE_DENIED", f"project {project!r} may not use the data source {source.name!r}"
            )
