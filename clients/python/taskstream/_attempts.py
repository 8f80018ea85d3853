"""A task's earlier attempts, as its retry policy kept them (``task.attempt_history``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from taskstream._convert import optional_datetime, task_status
from taskstream._pyodps import TaskCost
from taskstream.status import TaskStatus
from taskstream.v1 import task_pb2
from taskstream.values import decode_error, decode_result


@dataclasses.dataclass(frozen=True)
class TaskAttempt:
    """One attempt that failed and was retried: its number (from 1), how it ended, the worker that ran
    it, its times, its error (a ``RemoteTaskError``) and what it returned, how much it wrote to stdout
    and stderr, and what it cost (None when not measured)."""

    attempt: int
    status: TaskStatus
    worker: str
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    error: BaseException | None
    result: Any
    stdout_bytes: int
    stderr_bytes: int
    cost: TaskCost | None = None

    @classmethod
    def from_proto(cls, attempt: task_pb2.TaskAttempt) -> TaskAttempt:
        return cls(
            attempt=attempt.attempt,
            status=task_status(attempt.status),
            worker=attempt.worker,
            start_time=optional_datetime(attempt, "start_time"),
            end_time=optional_datetime(attempt, "end_time"),
            error=decode_error(attempt.error, unpickle=False) if attempt.HasField("error") else None,
            result=decode_result(attempt.result, unpickle=False) if attempt.HasField("result") else None,
            stdout_bytes=attempt.stdout_info.total_bytes,
            stderr_bytes=attempt.stderr_info.total_bytes,
            cost=TaskCost.from_proto(attempt.cost) if attempt.HasField("cost") else None,
        )
