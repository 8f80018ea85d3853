"""One fetched GetTaskResult answer decoded into the STK and PyODPS views of a task.

A task handle reads every attribute through this. Pickled values are decoded as the handle's
``unpickle`` says (see ``taskstream.values``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from taskstream._attempts import TaskAttempt
from taskstream._convert import optional_datetime, task_status
from taskstream._progress import TaskProgress
from taskstream.errors import InstanceFailedError
from taskstream.status import CancellationReason, TaskStatus, WaitingReason
from taskstream.v1 import instance_service_pb2
from taskstream.values import PropertyType, decode_error, decode_property, decode_result

# Statuses whose `result` is the task's exception (STK); a TIMED_OUT task's result stays None.
_RESULT_IS_ERROR = frozenset({TaskStatus.FAILED, TaskStatus.ENVIRONMENT_ERROR})
# Statuses for which get_task_result gives the error text instead of a result, as PyODPS does.
_RESULT_IS_ERROR_TEXT = frozenset({TaskStatus.FAILED, TaskStatus.ENVIRONMENT_ERROR, TaskStatus.TIMED_OUT})


class TaskData:
    """A GetTaskResult answer, decoded on first use so repeated reads return the same objects."""

    def __init__(
        self,
        response: instance_service_pb2.GetTaskResultResponse,
        *,
        unpickle: bool,
        status: TaskStatus | None = None,
    ) -> None:
        self.response = response
        self.task = response.task
        self.status = task_status(response.task.status) if status is None else status
        self._unpickle = unpickle

    @classmethod
    def unsubmitted(cls, name: str, type_name: str) -> TaskData:
        """The data of a job's task before ``submit()``: NOT_SUBMITTED, nothing handed back yet."""
        response = instance_service_pb2.GetTaskResultResponse(task={"name": name, "type": type_name})
        return cls(response, unpickle=False, status=TaskStatus.NOT_SUBMITTED)

    @functools.cached_property
    def error(self) -> BaseException | None:
        """The exception that made the task fail, else None."""
        if not self.task.HasField("error"):
            return None
        return decode_error(self.task.error, unpickle=self._unpickle)

    @functools.cached_property
    def value(self) -> Any:
        """What the task returned, decoded; None when it returned nothing usable."""
        if not self.response.HasField("result"):
            return None
        return decode_result(self.response.result, unpickle=self._unpickle)

    @functools.cached_property
    def properties(self) -> dict[str, PropertyType | None]:
        return {key: decode_property(value) for key, value in sorted(self.task.properties.items())}

    @property
    def result(self) -> Any:
        """STK's ``result``: the return value, or for FAILED and ENVIRONMENT_ERROR the exception."""
        if self.status in _RESULT_IS_ERROR and self.error is not None:
            return self.error
        return self.value

    @property
    def pyodps_result(self) -> Any:
        """PyODPS's ``get_task_result``: the error text when it failed, else the result."""
        if self.status in _RESULT_IS_ERROR_TEXT:
            error_text = self.error_text()
            if error_text is not None:
                return error_text
        return self.result

    def error_text(self) -> str | None:
        """The task error's message (its type when the message is empty), or None without an error."""
        if not self.task.HasField("error"):
            return None
        return self.task.error.message or self.task.error.type

    @property
    def standard_output(self) -> str:
        return self.response.stdout.decode("utf-8", errors="replace")

    @property
    def standard_error(self) -> str:
        return self.response.stderr.decode("utf-8", errors="replace")

    @property
    def progress(self) -> TaskProgress:
        return TaskProgress.from_proto(self.task.progress)

    @property
    def cancellation_message(self) -> str:
        return self.task.cancellation.message if self.task.HasField("cancellation") else ""

    @property
    def cancellation_reason(self) -> CancellationReason:
        if not self.task.HasField("cancellation"):
            return CancellationReason.NONE
        return CancellationReason.from_proto(self.task.cancellation.reason)

    @property
    def parameters(self) -> dict[str, Any]:
        text = self.task.parameters_json
        decoded: dict[str, Any] = json.loads(text) if text else {}
        return decoded

    @property
    def waiting_reason(self) -> WaitingReason:
        return WaitingReason.from_proto(self.task.waiting_reason)

    @property
    def waiting_on(self) -> list[str]:
        return list(self.task.waiting_on)

    @functools.cached_property
    def attempt_history(self) -> list[TaskAttempt]:
        return [TaskAttempt.from_proto(a) for a in self.task.attempt_history]

    @property
    def start_time(self) -> dt.datetime | None:
        return optional_datetime(self.task, "start_time")

    @property
    def end_time(self) -> dt.datetime | None:
        return optional_datetime(self.task, "end_time")


def failed_error(
    instance: Any, instance_id: str, task_name: str, status: TaskStatus, data: TaskData
) -> InstanceFailedError:
    """wait_for_success's error for the first task that did not succeed (``instance``: the handle).

    For FAILED its message is the task's error message, for any other status "<task>, status=<STATUS>"
    (as PyODPS).
    """
    error_text = data.error_text() if status is TaskStatus.FAILED else None
    return InstanceFailedError(
        error_text or f"{task_name}, status={status.name}",
        instance_id=instance_id,
        task_name=task_name,
        task_status=status,
        error=data.error,
        instance=instance,
    )
