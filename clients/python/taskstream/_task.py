"""The Task handle: one task of an instance and everything it handed back (STK's task attributes)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import TYPE_CHECKING, Any

from taskstream._convert import optional_datetime, task_status
from taskstream._progress import TaskProgress
from taskstream._status import CancellationReason, TaskStatus
from taskstream._values import PropertyType, decode_error, decode_property, decode_result
from taskstream.v1 import instance_service_pb2

if TYPE_CHECKING:
    from taskstream._instance import Instance

# Statuses whose `result` is the task's exception (STK); a TIMED_OUT task's result stays None.
_RESULT_IS_ERROR = frozenset({TaskStatus.FAILED, TaskStatus.ENVIRONMENT_ERROR})


class _Snapshot:
    """One GetTaskResult answer, decoded on first use so repeated reads return the same objects."""

    def __init__(self, response: instance_service_pb2.GetTaskResultResponse) -> None:
        self.response = response
        self.task = response.task
        self.status = task_status(response.task.status)

    @functools.cached_property
    def error(self) -> BaseException | None:
        return decode_error(self.task.error) if self.task.HasField("error") else None

    @functools.cached_property
    def value(self) -> Any:
        return decode_result(self.response.result) if self.response.HasField("result") else None

    @functools.cached_property
    def properties(self) -> dict[str, PropertyType | None]:
        return {key: decode_property(value) for key, value in sorted(self.task.properties.items())}

    def error_text(self) -> str | None:
        """The task error's message (its type when the message is empty), or None without an error."""
        if not self.task.HasField("error"):
            return None
        return self.task.error.message or self.task.error.type


class Task:
    """A handle on one task of an instance, reached by ``instance.get_task(name)`` or ``job.tasks[i]``.

    Its data comes from GetTaskResult, fetched on first use and fetched again on every read until the
    task is terminal; after that it is kept. ``refresh()`` fetches it now.
    """

    Status = TaskStatus

    def __init__(self, instance: Instance, name: str) -> None:
        self._instance = instance
        self._name = name
        self._snapshot: _Snapshot | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def instance(self) -> Instance:
        return self._instance

    def refresh(self) -> None:
        """Fetches the task's status, result, output and properties from the server."""
        rpc = self._instance._rpc
        self._snapshot = _Snapshot(rpc.get_task_result(self._instance.name, self._name))

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None or not snapshot.status.is_terminal:
            self.refresh()
            snapshot = self._snapshot
            assert snapshot is not None
        return snapshot

    @property
    def type(self) -> str:
        """The registered task type, or "python_object" for a submitted object (STK style)."""
        return self._current().task.type

    @property
    def task_status(self) -> TaskStatus:
        return self._current().status

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
        snapshot = self._current()
        if snapshot.status in _RESULT_IS_ERROR and snapshot.error is not None:
            return snapshot.error
        return snapshot.value

    @property
    def error(self) -> BaseException | None:
        """The exception that made the task fail (FAILED, ENVIRONMENT_ERROR, TIMED_OUT), else None."""
        return self._current().error

    @property
    def standard_output(self) -> str:
        return self._current().response.stdout.decode("utf-8", errors="replace")

    @property
    def standard_error(self) -> str:
        """Captured standard error; holds the traceback when the task failed."""
        return self._current().response.stderr.decode("utf-8", errors="replace")

    @property
    def properties(self) -> dict[str, PropertyType | None]:
        """The properties the task set (str, int, float or bytes), kept even when it failed."""
        return dict(self._current().properties)

    @property
    def progress(self) -> TaskProgress:
        return TaskProgress.from_proto(self._current().task.progress)

    @property
    def task_cancellation_message(self) -> str:
        """Free text from whoever cancelled the task; empty when it was not cancelled."""
        task = self._current().task
        return task.cancellation.message if task.HasField("cancellation") else ""

    @property
    def task_cancellation_reason(self) -> CancellationReason:
        """Why the task was cancelled; ``CancellationReason.NONE`` when it was not."""
        task = self._current().task
        if not task.HasField("cancellation"):
            return CancellationReason.NONE
        return CancellationReason.from_proto(task.cancellation.reason)

    @property
    def attempts(self) -> int:
        """How many times the task has been handed to a worker."""
        return self._current().task.attempts

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters the task was submitted with."""
        text = self._current().task.parameters_json
        decoded: dict[str, Any] = json.loads(text) if text else {}
        return decoded

    @property
    def start_time(self) -> dt.datetime | None:
        return optional_datetime(self._current().task, "start_time")

    @property
    def end_time(self) -> dt.datetime | None:
        return optional_datetime(self._current().task, "end_time")

    def _error_text(self) -> str | None:
        return self._current().error_text()

    def __repr__(self) -> str:
        # Never calls the server: shows the status last fetched, if any.
        status = f" {self._snapshot.status.name}" if self._snapshot is not None else ""
        return f"<Task {self._name} of {self._instance.id}{status}>"
