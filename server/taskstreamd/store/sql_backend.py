"""The writer's backend on a database: one transaction per commit, statements in the driver's own style
(store.statements), several rows per statement."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from taskstreamd.store import engine
from taskstreamd.store.batch import ARCHIVED_ATTEMPTS, Frozen, without
from taskstreamd.store.statements import Statements
from taskstreamd.store.writer import Fence, Outcome

T = TypeVar("T")


class SqlBackend:
    def __init__(self, url: str, sql: Statements) -> None:
        self.url = url
        self.sql = sql

    def time(self, value: datetime | None) -> Any:
        return self.sql.time(value)

    def connect(self) -> Any:
        return engine.connect_writer(self.url)

    def run(self, connection: Any, job: Callable[[Any], T]) -> T:
        if self.sql.dialect == "sqlite":
            connection.execute("BEGIN IMMEDIATE")
        try:
            result = job(connection)
            connection.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                connection.rollback()
            raise
        return result

    def commit(self, connection: Any, frozen: Frozen, fence: Fence | None) -> Outcome:
        sql = self.sql
        cursor = connection.cursor()
        outcome = Outcome()
        try:
            if sql.dialect == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            if fence is not None:
                fence(cursor)
            for claim in frozen.claims:
                cursor.execute(
                    sql.claim_request,
                    (
                        claim.project,
                        claim.method,
                        claim.request_id,
                        claim.fingerprint,
                        claim.instance_id,
                        claim.answer,
                        sql.time(claim.time),
                    ),
                )
                if cursor.fetchone() is None and claim.creates:
                    outcome.lost.add(claim.instance_id)
            if outcome.lost:
                frozen = without(frozen, outcome.lost)
            _many(cursor, sql.insert_instance, frozen.instances)
            _many(cursor, sql.insert_task, frozen.tasks)
            _many(cursor, sql.insert_label, frozen.labels)
            _many(cursor, sql.update_instance, frozen.instance_updates)
            _many(cursor, sql.update_task, frozen.task_updates)
            _many(cursor, sql.insert_event, frozen.events)
            _many(cursor, sql.delete_event, frozen.event_deletes)
            _many(cursor, sql.upsert_property, frozen.properties)
            _many(cursor, sql.upsert_task_info, frozen.info)
            _output(cursor, sql, frozen.output)
            _many(cursor, sql.answer_request, frozen.answers)
            _many(cursor, sql.delete_schedule, frozen.schedule_deletes)
            _many(cursor, sql.insert_schedule, frozen.schedule_inserts)
            _many(cursor, sql.update_schedule, frozen.schedule_updates)
            notices = frozen.notices
            if frozen.project_events:  # last: a project's log row stays locked until the commit
                outcome.project_seqs, lasts = number_project_events(
                    lambda project, count: _advance(cursor, sql, project, count), frozen.project_events
                )
                rows = [
                    (project, seq, instance_id, instance_seq, kind, time, data)
                    for (project, instance_id, instance_seq, kind, time, data), seq in zip(
                        frozen.project_events, outcome.project_seqs, strict=True
                    )
                ]
                _many(cursor, sql.insert_project_event, rows)
                if frozen.project_notice is not None:
                    notices = [*notices, *(frozen.project_notice(p, last) for p, last in lasts.items())]
            if notices:
                # Sent by PostgreSQL when, and only if, this transaction commits, in commit order.
                cursor.execute(sql.notify, (notices,))
            connection.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                connection.rollback()
            raise
        finally:
            with contextlib.suppress(Exception):
                cursor.close()
        return outcome


def number_project_events(
    advance: Callable[[str, int], int], events: list[tuple[Any, ...]]
) -> tuple[list[int], dict[str, int]]:
    """The project seq of each of ``events`` (project first in each), taken from each project's log by
    ``advance(project, count)`` (which returns the last number taken), projects in sorted order so that
    two commits never wait for each other's rows; and each project's last number."""
    counts: dict[str, int] = {}
    for event in events:
        counts[event[0]] = counts.get(event[0], 0) + 1
    lasts = {project: advance(project, counts[project]) for project in sorted(counts)}
    following = {project: last - counts[project] for project, last in lasts.items()}
    seqs = []
    for event in events:
        following[event[0]] += 1
        seqs.append(following[event[0]])
    return seqs, lasts


def _advance(cursor: Any, sql: Statements, project: str, count: int) -> int:
    cursor.execute(sql.advance_project_log, (project, count))
    (last,) = cursor.fetchone()
    return int(last)


def _many(cursor: Any, statement: str, params: list[Any]) -> None:
    if params:
        cursor.executemany(statement, params)


def _output(cursor: Any, sql: Statements, operations: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Output writes in order: a retried task's output is moved aside before its new attempt's is
    written, and the archive keeps the last ARCHIVED_ATTEMPTS attempts' of it."""
    puts: list[tuple[Any, ...]] = []
    for kind, params in operations:
        if kind == "put":
            puts.append(params)
            continue
        _many(cursor, sql.upsert_output, puts)
        puts = []
        task_id, attempt = params
        cursor.execute(sql.prune_archive, (task_id, attempt - ARCHIVED_ATTEMPTS))
        cursor.execute(sql.archive_output, (attempt, task_id))
        cursor.execute(sql.clear_output, (task_id,))
    _many(cursor, sql.upsert_output, puts)
