"""The ``sql`` task type: runs one statement on a named data source and returns its result as CSV.

Parameters: ``sql`` (the statement), ``datasource`` (unset means the default one; a per-project one is
the task's project's database) and ``hints`` (a map
of settings, kept with the task as PyODPS keeps them; no data source uses them yet). A select returns its
rows as CSV text and sets the property ``column_types`` (for typed reads of the rows); other statements
return ``"affected_rows"`` and set the property ``affected_rows``.
A database error fails the task with the database's own exception and message; a statement that would
reach files or code outside its data source fails it with ``confine.Refused`` (a PermissionError).
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from taskstream.authoring import TaskContext, task
from taskstreamd import ids

from . import confine, sources, statement

TASK_TYPE = "sql"
# A result travels to the server in one message (it accepts 64 MiB from a worker): larger ones are refused
# with advice, rather than breaking the worker's connection.
MAX_RESULT_CHARS = 48 * 1024 * 1024


@task(TASK_TYPE, description="Runs one SQL statement on a data source; returns the rows as CSV.")
def run_sql(
    ctx: TaskContext,
    sql: str,
    datasource: str | None = None,
    hints: Mapping[str, str] | None = None,
) -> str:
    if not isinstance(sql, str) or not sql.strip():
        raise ValueError("sql must be a non-empty statement")
    project, _ = ids.parse_instance_name(ctx.instance)
    engine = sources.engine(datasource, project)
    confine.take_refusal()  # nothing left over from an earlier statement of this process
    try:
        outcome = statement.run(engine, sql, ctx)
    except sa.exc.DBAPIError as exc:
        if ctx.cancelled:  # the interrupt we caused; the worker reports the task CANCELLED
            print(f"statement interrupted: {exc.orig}")
            return ""
        refused = confine.take_refusal()  # SQLite says only "not authorized": say what and why
        if refused is not None:
            raise refused from None
        # The driver's exception carries the database's message, without SQLAlchemy's wrapping.
        raise (exc.orig if exc.orig is not None else exc) from None
    if outcome.returns_rows:
        ctx.set_property("column_types", outcome.column_types())
    else:
        ctx.set_property("affected_rows", outcome.affected_rows)
    text = outcome.csv()
    if len(text) > MAX_RESULT_CHARS:
        raise ValueError(
            f"the result is {len(text):,} characters, more than the {MAX_RESULT_CHARS:,} a task may return;"
            " select fewer rows, or keep them in a table (create table ... as select ...)"
        )
    return text
