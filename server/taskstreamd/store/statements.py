"""The writer's SQL, written out once per dialect and run on the driver's own connection.

A SQLAlchemy execute costs more than a short statement itself (cache key, parameter processing, result
set-up), and the writer runs a handful of statements per commit for everything pending, each with many
parameter sets. So the hot statements are plain SQL here, with positional parameters in the driver's
style; the schema itself stays SQLAlchemy's (models.py, migrations).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from taskstreamd.store import rows, schedule_rows


def _columns(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


@dataclass(frozen=True)
class Statements:
    """The SQL of one dialect (``mark`` is its parameter placeholder)."""

    dialect: str
    mark: str
    time: Callable[[datetime | None], Any]  # a time as the dialect stores it

    def _marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    def _sets(self, names: Sequence[str]) -> str:
        return ", ".join(f'"{name}" = {self.mark}' for name in names)

    @property
    def insert_instance(self) -> str:
        names = rows.INSTANCE_INSERT_COLUMNS
        return f"INSERT INTO instances ({_columns(names)}) VALUES ({self._marks(len(names))})"

    @property
    def update_instance(self) -> str:
        return f"UPDATE instances SET {self._sets(rows.INSTANCE_UPDATE_COLUMNS)} WHERE id = {self.mark}"

    @property
    def insert_task(self) -> str:
        names = rows.TASK_INSERT_COLUMNS
        return f"INSERT INTO tasks ({_columns(names)}) VALUES ({self._marks(len(names))})"

    @property
    def update_task(self) -> str:
        return f"UPDATE tasks SET {self._sets(rows.TASK_UPDATE_COLUMNS)} WHERE id = {self.mark}"

    @property
    def insert_label(self) -> str:
        return f"INSERT INTO instance_labels (instance_id, key, value) VALUES ({self._marks(3)})"

    @property
    def insert_event(self) -> str:
        return f"INSERT INTO instance_events (instance_id, seq, kind, data) VALUES ({self._marks(4)})"

    @property
    def delete_event(self) -> str:
        return f"DELETE FROM instance_events WHERE instance_id = {self.mark} AND seq = {self.mark}"

    @property
    def upsert_property(self) -> str:
        return (
            f"INSERT INTO task_properties (task_id, key, value) VALUES ({self._marks(3)}) "
            "ON CONFLICT (task_id, key) DO UPDATE SET value = excluded.value"
        )

    @property
    def upsert_task_info(self) -> str:
        return (
            f"INSERT INTO task_info (task_id, key, value) VALUES ({self._marks(3)}) "
            "ON CONFLICT (task_id, key) DO UPDATE SET value = excluded.value"
        )

    @property
    def upsert_output(self) -> str:
        return (
            f'INSERT INTO task_output (task_id, stream, "offset", data) VALUES ({self._marks(4)}) '
            'ON CONFLICT (task_id, stream, "offset") DO UPDATE SET data = excluded.data'
        )

    @property
    def clear_output(self) -> str:
        return f"DELETE FROM task_output WHERE task_id = {self.mark}"

    @property
    def archive_output(self) -> str:
        """A task's kept output copied aside as one attempt's (parameters: the attempt, the task)."""
        return (
            'INSERT INTO task_output_archive (task_id, attempt, stream, "offset", data) '
            f'SELECT task_id, {self.mark}, stream, "offset", data FROM task_output WHERE task_id = {self.mark} '
            "ON CONFLICT DO NOTHING"
        )

    @property
    def prune_archive(self) -> str:
        """The archived output of a task's attempts up to one (parameters: the task, the attempt)."""
        return f"DELETE FROM task_output_archive WHERE task_id = {self.mark} AND attempt <= {self.mark}"

    @property
    def claim_request(self) -> str:
        """One request record, unless one exists: the row comes back when this claim made it."""
        return (
            "INSERT INTO request_records (project, method, request_id, fingerprint, instance_id, response,"
            f" create_time) VALUES ({self._marks(7)}) ON CONFLICT DO NOTHING RETURNING instance_id"
        )

    @property
    def answer_request(self) -> str:
        return (
            f"UPDATE request_records SET response = {self.mark} WHERE project = {self.mark} AND "
            f"method = {self.mark} AND request_id = {self.mark} AND response IS NULL"
        )

    @property
    def advance_project_log(self) -> str:
        """Takes the next numbers of a project's log (the row stays locked until the commit, so the
        numbers of one project are given out in commit order); the last number taken comes back."""
        return (
            f"INSERT INTO project_logs (project, last_seq, trimmed_seq) VALUES ({self._marks(2)}, 0) "
            "ON CONFLICT (project) DO UPDATE SET last_seq = project_logs.last_seq + excluded.last_seq "
            "RETURNING last_seq"
        )

    @property
    def insert_project_event(self) -> str:
        return (
            "INSERT INTO project_events (project, seq, instance_id, instance_seq, kind, time, data) "
            f"VALUES ({self._marks(7)})"
        )

    @property
    def insert_schedule(self) -> str:
        """A new schedule (its owner made sure no other has its key; a leftover would be kept)."""
        names = schedule_rows.INSERT_COLUMNS
        return (
            f"INSERT INTO schedules ({_columns(names)}) VALUES ({self._marks(len(names))}) "
            "ON CONFLICT DO NOTHING"
        )

    @property
    def update_schedule(self) -> str:
        return (
            f"UPDATE schedules SET {self._sets(schedule_rows.UPDATE_COLUMNS)} "
            f"WHERE project = {self.mark} AND id = {self.mark}"
        )

    @property
    def delete_schedule(self) -> str:
        return f"DELETE FROM schedules WHERE project = {self.mark} AND id = {self.mark}"

    @property
    def notify(self) -> str:
        return "SELECT pg_notify('taskstream', payload) FROM unnest(%s::text[]) AS payload"

    @property
    def fence_shards(self) -> str:
        """The shards among some that this owner still holds at its epoch, locked for this commit."""
        return (
            f"SELECT shard, epoch FROM shards WHERE owner = {self.mark} FOR SHARE"
            if self.dialect == "postgresql"
            else f"SELECT shard, epoch FROM shards WHERE owner = {self.mark}"
        )


SQLITE = Statements("sqlite", "?", rows.sqlite_time)
POSTGRESQL = Statements("postgresql", "%s", rows.keep_time)


def for_dialect(name: str) -> Statements:
    return POSTGRESQL if name == "postgresql" else SQLITE
