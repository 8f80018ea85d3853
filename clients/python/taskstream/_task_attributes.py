"""The attributes a task handle shows (STK's and PyODPS's names), read from one fetched TaskData.

The sync ``Task`` and the asyncio ``AsyncTask`` differ only in when they fetch: each says how in
``_view()``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from taskstream._progress import TaskProgress
from taskstream._status import CancellationReason, TaskStatus
from taskstream._task_data import TaskData
from taskstream._values import PropertyType


class TaskAttributes:
    """STK's task attributes over ``_view()``."""

    def _view(self) -> TaskData:
        raise NotImplementedError

    @property
    def type(self) -> str:
        """The registered task type, or "python_object" for a submitted object (STK style)."""
        return self._view().task.type

    @property
    def task_status(self) -> TaskStatus:
        return self._view().status

    @property
    def status(self) -> TaskStatus:
        """The same as ``task_status``."""
        return self.task_status

    def is_terminated(self) -> bool:
        return self.task_status.is_terminal

    @property
    def result(self) -> Any:
        """What the task returned; for FAILED and ENVIRONMENT_ERROR the exception it raised (STK).

        An exception that cannot be unpickled here arrives as a ``RemoteTaskError`` with its message.
        None while the task runs, and when it returned nothing usable.
        """
        return self._view().result

    @property
    def error(self) -> BaseException | None:
        """The exception that made the task fail (FAILED, ENVIRONMENT_ERROR, TIMED_OUT), else None."""
        return self._view().error

    @property
    def standard_output(self) -> str:
        return self._view().standard_output

    @property
    def standard_error(self) -> str:
        """Captured standard error; holds the traceback when the task failed."""
        return self._view().standard_error

    @property
    def properties(self) -> dict[str, PropertyType | None]:
        """The properties the task set (str, int, float or bytes), kept even when it failed."""
        return dict(self._view().properties)

    @property
    def progress(self) -> TaskProgress:
        return self._view().progress

    @property
    def task_cancellation_message(self) -> str:
        """Free text from whoever cancelled the task; empty when it was not cancelled."""
        return self._view().cancellation_message

    @property
    def task_cancellation_reason(self) -> CancellationReason:
        """Why the task was cancelled; ``CancellationReason.NONE`` when it was not."""
        return self._view().cancellation_reason

    @property
    def attempts(self) -> int:
        """How many times the task has been handed to a worker."""
        return self._view().task.attempts

    @property
    def interruptions(self) -> int:
        """How many times the task lost its worker (and was retried, up to max_interrupted_retries)."""
        return self._view().task.interruptions

    @property
    def interruption_reason(self) -> str:
        """Why the task last lost its worker, for example an expired lease; empty if it never did."""
        return self._view().task.interruption_reason

    @property
    def worker(self) -> str:
        """The id of the worker session that runs or last ran the task."""
        return self._view().task.worker

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters the task was submitted with."""
        return self._view().parameters

    @property
    def start_time(self) -> dt.datetime | None:
        return self._view().start_time

    @property
    def end_time(self) -> dt.datetime | None:
        return self._view().end_time
