"""An integrity check of a store: the database's own check plus the invariants the domain relies on.

Run by ``taskstreamd check`` and by the fault tests after killing things. It only reads, and it is meant
for a store no server is writing to (a live server may be between two statements of one check).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, exists, func, not_, select, text

from taskstreamd.domain.vocabulary import InstanceStatus, TaskStatus
from taskstreamd.store.engine import create_engine, is_sqlite
from taskstreamd.store.models import (
    CounterRow,
    InstanceEventRow,
    InstanceRow,
    TaskInfoRow,
    TaskOutputRow,
    TaskPropertyRow,
    TaskRow,
)
from taskstreamd.store.rows import STATUS_CODE

TERMINAL = [int(s) for s in TaskStatus if s.is_terminal]
HOLDING_A_WORKER = [int(s) for s in (TaskStatus.ASSIGNED, TaskStatus.RUNNING, TaskStatus.CANCELLING)]
SAMPLE = 5  # offending ids named per problem


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


async def check(url: str) -> Report:
    return await asyncio.to_thread(check_now, url)


def check_now(url: str) -> Report:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            report = Report()
            if is_sqlite(url):
                _sqlite(conn, report)
            _domain(conn, report)
            return report
    finally:
        engine.dispose()


def _sqlite(conn: Connection, report: Report) -> None:
    rows = conn.execute(text("PRAGMA integrity_check")).scalars().all()
    if list(rows) != ["ok"]:
        report.problems.append("sqlite integrity_check: " + "; ".join(str(r) for r in rows[:SAMPLE]))
    broken = conn.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        report.problems.append(f"sqlite foreign_key_check: {len(broken)} rows point at missing rows")


def _domain(conn: Connection, report: Report) -> None:
    terminated = STATUS_CODE[InstanceStatus.TERMINATED]
    next_task_id = select(CounterRow.value).where(CounterRow.name == "task_id").scalar_subquery()
    task_of_instance = TaskRow.instance_id == InstanceRow.id
    checks = {
        "tasks whose instance does not exist": select(TaskRow.id).where(
            not_(exists().where(InstanceRow.id == TaskRow.instance_id))
        ),
        "events whose instance does not exist": select(InstanceEventRow.instance_id).where(
            not_(exists().where(InstanceRow.id == InstanceEventRow.instance_id))
        ),
        "properties whose task does not exist": select(TaskPropertyRow.task_id).where(
            not_(exists().where(TaskRow.id == TaskPropertyRow.task_id))
        ),
        "task info whose task does not exist": select(TaskInfoRow.task_id).where(
            not_(exists().where(TaskRow.id == TaskInfoRow.task_id))
        ),
        "output whose task does not exist": select(TaskOutputRow.task_id).where(
            not_(exists().where(TaskRow.id == TaskOutputRow.task_id))
        ),
        "instances without tasks": select(InstanceRow.id).where(not_(exists().where(task_of_instance))),
        "TERMINATED instances with a task that is not terminal": select(InstanceRow.id).where(
            InstanceRow.status == terminated,
            exists().where(task_of_instance, TaskRow.status.not_in(TERMINAL)),
        ),
        "instances not TERMINATED whose tasks are all terminal": select(InstanceRow.id).where(
            InstanceRow.status != terminated,
            exists().where(task_of_instance),
            not_(exists().where(task_of_instance, TaskRow.status.not_in(TERMINAL))),
        ),
        "successful instances with a task that did not succeed": select(InstanceRow.id).where(
            InstanceRow.successful.is_(True),
            exists().where(task_of_instance, TaskRow.status != int(TaskStatus.SUCCESS)),
        ),
        "terminal tasks without an end time": select(TaskRow.id).where(
            TaskRow.status.in_(TERMINAL), TaskRow.end_time.is_(None), TaskRow.started.is_(True)
        ),
        "events numbered after their instance's last_seq (or below 1)": select(
            InstanceEventRow.instance_id, InstanceEventRow.seq
        )
        .join(InstanceRow, InstanceRow.id == InstanceEventRow.instance_id)
        .where((InstanceEventRow.seq > InstanceRow.last_seq) | (InstanceEventRow.seq < 1)),
        "events with a seq used twice in one instance": select(
            InstanceEventRow.instance_id, InstanceEventRow.seq
        )
        .group_by(InstanceEventRow.instance_id, InstanceEventRow.seq)
        .having(func.count() > 1),
        "tasks holding a worker without a worker or an assignment": select(TaskRow.id).where(
            TaskRow.status.in_(HOLDING_A_WORKER), (TaskRow.worker == "") | (TaskRow.assignment_id == "")
        ),
        "tasks with an id not yet reserved (at or past the task_id counter)": select(TaskRow.id).where(
            TaskRow.id >= next_task_id
        ),
        "output chunks at a negative offset or past the bytes the task wrote": select(TaskOutputRow.task_id)
        .join(TaskRow, TaskRow.id == TaskOutputRow.task_id)
        .where(
            TaskRow.status.in_(TERMINAL),
            TaskRow.started.is_(True),
            (TaskOutputRow.offset < 0)
            | and_(
                TaskOutputRow.stream == 1,
                TaskOutputRow.offset + func.length(TaskOutputRow.data) > TaskRow.stdout_bytes,
            )
            | and_(
                TaskOutputRow.stream == 2,
                TaskOutputRow.offset + func.length(TaskOutputRow.data) > TaskRow.stderr_bytes,
            ),
        ),
    }
    for problem, query in checks.items():
        rows = conn.execute(query.limit(SAMPLE)).all()
        if rows:
            named = ", ".join("/".join(str(v) for v in row) for row in rows)
            report.problems.append(f"{problem}: {named}{' …' if len(rows) == SAMPLE else ''}")
    for name, row in (("instances", InstanceRow), ("tasks", TaskRow), ("events", InstanceEventRow)):
        report.counts[name] = int(conn.execute(select(func.count()).select_from(row)).scalar_one())
    report.counts["tasks holding a worker"] = int(
        conn.execute(select(func.count()).where(TaskRow.status.in_(HOLDING_A_WORKER))).scalar_one()
    )
