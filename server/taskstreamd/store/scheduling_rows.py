"""The scheduling options of instances and tasks (domain.scheduling) as the JSON columns store them.

Columns stay NULL for instances and tasks without such options, so a plain task costs nothing more.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from taskstreamd.domain.cost import TaskCost
from taskstreamd.domain.model import InstanceOptions, Task
from taskstreamd.domain.scheduling import Attempt, Dependency, RetryPolicy
from taskstreamd.domain.vocabulary import TaskStatus


def _policy(policy: RetryPolicy) -> dict[str, Any]:
    return {
        "max_attempts": policy.max_attempts,
        "initial_backoff": policy.initial_backoff,
        "multiplier": policy.multiplier,
        "max_backoff": policy.max_backoff,
        "jitter": policy.jitter,
        "non_retryable": list(policy.non_retryable),
    }


def _read_policy(data: dict[str, Any]) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=data["max_attempts"],
        initial_backoff=data["initial_backoff"],
        multiplier=data["multiplier"],
        max_backoff=data["max_backoff"],
        jitter=data["jitter"],
        non_retryable=tuple(data["non_retryable"]),
    )


def options_json(options: InstanceOptions) -> str | None:
    data: dict[str, Any] = {}
    if options.retry is not None:
        data["retry"] = _policy(options.retry)
    if options.retention is not None:
        data["retention"] = options.retention
    if options.bound:
        data["bound_grace"] = options.bound_grace
    return json.dumps(data, sort_keys=True) if data else None


def read_options(options: InstanceOptions, text: str) -> None:
    data = json.loads(text)
    if "retry" in data:
        options.retry = _read_policy(data["retry"])
    options.retention = data.get("retention")
    if "bound_grace" in data:
        options.bound = True
        options.bound_grace = data["bound_grace"]


def task_json(task: Task) -> str | None:
    data: dict[str, Any] = {}
    if task.retry is not None:
        data["retry"] = _policy(task.retry)
    if task.dependencies:
        data["deps"] = [[d.index, d.name, d.allow_failure] for d in task.dependencies]
    if task.concurrency_key:
        data["key"] = [task.concurrency_key, task.concurrency_limit]
    return json.dumps(data, sort_keys=True) if data else None


def read_task(task: Task, text: str) -> None:
    data = json.loads(text)
    if "retry" in data:
        task.retry = _read_policy(data["retry"])
    task.dependencies = tuple(Dependency(i, name, bool(allow)) for i, name, allow in data.get("deps", []))
    if "key" in data:
        task.concurrency_key, task.concurrency_limit = data["key"]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _read_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def history_json(history: list[Attempt]) -> str:
    return json.dumps(
        [
            {
                "n": a.number,
                "status": int(a.status),
                "worker": a.worker,
                "start": _time(a.start_time),
                "end": _time(a.end_time),
                "error": [a.error_type, a.error_message, a.error_traceback],
                "result": base64.b64encode(a.result).decode() if a.result else None,
                "out": [a.stdout_bytes, a.stderr_bytes],
                **({"cost": [a.cost.cpu_seconds, a.cost.memory_peak_bytes]} if a.cost else {}),
            }
            for a in history
        ]
    )


def read_history(text: str) -> list[Attempt]:
    return [
        Attempt(
            number=a["n"],
            status=TaskStatus(a["status"]),
            worker=a["worker"],
            start_time=_read_time(a["start"]),
            end_time=_read_time(a["end"]),
            error_type=a["error"][0],
            error_message=a["error"][1],
            error_traceback=a["error"][2],
            result=base64.b64decode(a["result"]) if a["result"] else None,
            stdout_bytes=a["out"][0],
            stderr_bytes=a["out"][1],
            cost=TaskCost(*a["cost"]) if "cost" in a else None,
        )
        for a in json.loads(text)
    ]
