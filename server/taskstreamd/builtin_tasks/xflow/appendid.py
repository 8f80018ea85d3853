"""``AppendID`` (project ``algo_public``): copies a table to a new one with a 0-based id column added.

It runs as two SQL sub-instances on the default data source: ``DescInputTable`` reads the input's
columns (the input must exist and must not have the id column already), then ``AppendID`` creates the
output table from a select that numbers the rows from 0, in the input's scan order. An output table that
already exists fails the workflow with the database's message, rather than being overwritten.
"""

from __future__ import annotations

import csv
import re

from taskstream.authoring import TaskContext, workflow

PROJECT = "algo_public"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


@workflow("AppendID", project=PROJECT, description="Copies a table, adding a 0-based id column.")
def append_id(
    ctx: TaskContext, inputTableName: str, outputTableName: str, IDColName: str = "append_id"
) -> str:
    for label, value in (
        ("inputTableName", inputTableName),
        ("outputTableName", outputTableName),
        ("IDColName", IDColName),
    ):
        if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
            raise ValueError(f"{label} must be a plain SQL identifier, not {value!r}")

    described = ctx.wait_for_sub_instance(ctx.run_sql("DescInputTable", f"desc {inputTableName}"))
    columns = [row["name"] for row in csv.DictReader(described.get_task_result().splitlines())]
    if IDColName.lower() in (name.lower() for name in columns):
        raise ValueError(f"{inputTableName} already has a column {IDColName!r}; choose another IDColName")
    if ctx.cancelled:
        return ""

    select = f"select t.*, row_number() over () - 1 as {IDColName} from {inputTableName} t"
    ctx.wait_for_sub_instance(ctx.run_sql("AppendID", f"create table {outputTableName} as {select}"))
    return outputTableName
