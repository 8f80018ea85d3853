"""Instance and task state as plain rows: reading it with Core selects and writing back only what changed.

The write path (a claim, a start, an end, a stop) loads an instance or one of its tasks, lets the state
machine change the domain objects and saves them. Done with ORM entities, the identity map and the unit
of work cost several times the statements themselves; here a load remembers each object's stored values
(``Baseline``), and a save writes the columns that differ, one executemany per set of changed columns.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Column, Table, Update, bindparam, update

from taskstream._status import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.domain.model import Cancellation, Instance, InstanceOptions, Task, TaskFailure
from taskstreamd.store.models import InstanceRow, TaskRow

INSTANCES = cast(Table, InstanceRow.__table__)
TASKS = cast(Table, TaskRow.__table__)

# Large columns a state change never needs; a claim reads the code columns itself.
_DEFERRED = {"python_object", "python_environment", "result", "error_pickle"}
TASK_STATE: list[Column[Any]] = [c for c in TASKS.c if c.key not in _DEFERRED]
# The instance's columns under other names, for a select that joins a task to its instance.
INSTANCE_AS_PREFIXED = [c.label("i_" + c.key) for c in INSTANCES.c]

STATUS_CODE = {InstanceStatus.RUNNING: 1, InstanceStatus.SUSPENDED: 2, InstanceStatus.TERMINATED: 3}
STATUS_FROM_CODE = {v: k for k, v in STATUS_CODE.items()}


def utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def instance_from_mapping(m: Mapping[Any, Any], prefix: str = "") -> Instance:
    def get(key: str) -> Any:
        return m[prefix + key]

    return Instance(
        id=get("id"),
        project=get("project"),
        owner=get("owner"),
        priority=get("priority"),
        create_time=utc(get("create_time")) or datetime.now(UTC),
        status=STATUS_FROM_CODE[get("status")],
        labels=json.loads(get("labels_json")),
        options=InstanceOptions(
            cancel_on_task_failure=get("cancel_on_task_failure"),
            max_interrupted_retries=get("max_interrupted_retries"),
            task_timeout=get("task_timeout"),
        ),
        start_time=utc(get("start_time")),
        end_time=utc(get("end_time")),
        parent_instance=get("parent_instance"),
        request_id=get("request_id") or "",
        successful=get("successful"),
        seq=get("last_seq"),
    )


def task_from_mapping(m: Mapping[Any, Any], properties: dict[str, bytes]) -> Task:
    """A task from its columns; ``error_pickle`` is read only when present (it is deferred)."""
    error = None
    if m["error_type"] is not None:
        pickled = m.get("error_pickle") or b""
        error = TaskFailure(m["error_type"], m["error_message"] or "", m["error_traceback"] or "", pickled)
    cancellation = None
    if m["cancel_reason"] is not None:
        cancellation = Cancellation(
            CancellationReason(m["cancel_reason"]),
            m["cancel_message"] or "",
            m["cancel_by"] or "",
            utc(m["cancel_time"]) or datetime.now(UTC),
        )
    return Task(
        id=m["id"],
        index=m["index"],
        name=m["name"],
        type=m["type"],
        status=TaskStatus(m["status"]),
        parameters_json=m["parameters_json"],
        timeout=m["timeout"],
        attempts=m["attempts"],
        interruptions=m["interruptions"],
        worker=m["worker"],
        assignment_id=m["assignment_id"],
        started=m["started"],
        start_time=utc(m["start_time"]),
        end_time=utc(m["end_time"]),
        error=error,
        cancellation=cancellation,
        grace_period=m["grace_period"],
        progress=m["progress"],
        properties=dict(properties),
        stdout_bytes=m["stdout_bytes"],
        stderr_bytes=m["stderr_bytes"],
        interruption_reason=m["interruption_reason"] or "",
        required_labels=json.loads(m["required_labels_json"] or "{}"),
    )


def instance_values(instance: Instance) -> dict[str, Any]:
    """The instance columns the state machine changes."""
    return {
        "status": STATUS_CODE[instance.status],
        "successful": instance.successful,
        "start_time": instance.start_time,
        "end_time": instance.end_time,
    }


def task_values(task: Task) -> dict[str, Any]:
    """The task columns the state machine changes. An error or a cancellation, once stored, stays."""
    values: dict[str, Any] = {
        "status": int(task.status),
        "attempts": task.attempts,
        "interruptions": task.interruptions,
        "worker": task.worker,
        "assignment_id": task.assignment_id,
        "started": task.started,
        "start_time": task.start_time,
        "end_time": task.end_time,
        "grace_period": task.grace_period,
        "interruption_reason": task.interruption_reason,
    }
    if not task.worker or task.is_terminal:
        values["lease_expires"] = None  # no worker holds it any more
    if task.error is not None:
        values["error_type"] = task.error.type
        values["error_message"] = task.error.message
        values["error_traceback"] = task.error.traceback
        if task.error.pickled_exception:
            values["error_pickle"] = task.error.pickled_exception
    if task.cancellation is not None:
        values["cancel_reason"] = int(task.cancellation.reason)
        values["cancel_message"] = task.cancellation.message
        values["cancel_by"] = task.cancellation.requested_by
        values["cancel_time"] = task.cancellation.request_time
    return values


_ABSENT = object()
# How a save writes: a statement with one parameter set or a list of them (Transaction.write).
Write = Callable[[Update, Mapping[str, Any] | list[dict[str, Any]]], Awaitable[None]]
_UPDATE_INSTANCE = (
    update(INSTANCES)
    .where(INSTANCES.c.id == bindparam("_id"))
    .values(
        {column: bindparam("v_" + column) for column in ("status", "successful", "start_time", "end_time")}
    )
)


class Baseline:
    """The stored values of the instances and tasks one transaction loaded, so a save writes only the
    columns that changed since."""

    def __init__(self) -> None:
        self._instances: dict[str, dict[str, Any]] = {}
        self._tasks: dict[int, dict[str, Any]] = {}

    def remember(self, instance: Instance) -> None:
        self._instances[instance.id] = instance_values(instance)
        for task in instance.tasks:
            self._tasks[task.id] = task_values(task)

    def stored_status(self, task_id: int) -> int | None:
        stored = self._tasks.get(task_id)
        return None if stored is None else int(stored["status"])

    async def save(self, write: Write, instance: Instance) -> None:
        changed = _diff(self._instances, instance.id, instance_values(instance))
        if changed:
            # Few columns, few instance saves per task: one statement with every state column.
            values = {"_id": instance.id, **{"v_" + k: v for k, v in instance_values(instance).items()}}
            await write(_UPDATE_INSTANCE, values)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for task in instance.tasks:
            task_changed = _diff(self._tasks, task.id, task_values(task))
            if task_changed:
                params = {"_id": task.id, **{"v_" + k: v for k, v in task_changed.items()}}
                groups.setdefault(tuple(sorted(task_changed)), []).append(params)
        for columns, rows in groups.items():
            await write(_task_update(columns), rows)


def _diff(stored: dict[Any, dict[str, Any]], key: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The values that differ from the stored ones, which are updated to them."""
    before = stored.get(key)
    if before is None:
        stored[key] = values
        return dict(values)
    changed = {k: v for k, v in values.items() if before.get(k, _ABSENT) != v}
    before.update(changed)
    return changed


def _task_update(columns: tuple[str, ...]) -> Update:
    statement = _TASK_UPDATES.get(columns)
    if statement is None:  # a few dozen sets of columns occur: build each statement once
        statement = (
            update(TASKS)
            .where(TASKS.c.id == bindparam("_id"))
            .values({column: bindparam("v_" + column) for column in columns})
        )
        _TASK_UPDATES[columns] = statement
    return statement


_TASK_UPDATES: dict[tuple[str, ...], Update] = {}
