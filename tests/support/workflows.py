"""Workflows the XFlow integration tests run (project ``tests``), beside the built-in AppendID."""

from __future__ import annotations

from taskstream import TaskContext, workflow

# A recursive CTE without a bound: SQLite counts until interrupted.
ENDLESS_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


@workflow("FailingStep", project="tests")
def failing_step(ctx: TaskContext) -> None:
    """Its one SQL sub-instance fails, and so does the workflow."""
    ctx.wait_for_sub_instance(ctx.run_sql("Broken", "select * from no_such_table"))


@workflow("Endless", project="tests")
def endless(ctx: TaskContext) -> None:
    """Waits on a statement that never ends by itself."""
    ctx.wait_for_sub_instance(ctx.run_sql("Forever", ENDLESS_SQL))


@workflow("Nested", project="tests")
def nested(ctx: TaskContext, table: str) -> int:
    """A SQL step, the AppendID workflow as a nested workflow, then a SQL step on its output."""
    ctx.wait_for_sub_instance(ctx.run_sql("CountInput", "select count(*) as n from pyodps_iris"))
    params = {"inputTableName": "pyodps_iris", "outputTableName": table}
    ctx.wait_for_sub_instance(ctx.run_xflow("Inner", "AppendID", "algo_public", params))
    counted = ctx.wait_for_sub_instance(ctx.run_sql("CountOutput", f"select count(*) as n from {table}"))
    return int(counted.get_task_result().splitlines()[1])
