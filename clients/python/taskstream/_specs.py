"""What a caller submits: task specs and the options of a new instance, and their request protos."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from taskstream._convert import project_name, to_duration
from taskstream.v1 import instance_pb2, instance_service_pb2, task_pb2


class SubmitOptionsDict(TypedDict, total=False):
    """The keyword arguments run_task, execute_task and create_instance take; see ``SubmitOptions``."""

    priority: int | None
    labels: Mapping[str, str] | None
    cancel_on_task_failure: bool
    max_interrupted_retries: int | None
    task_timeout: float | None
    request_id: str | None
    hold: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class SubmitOptions:
    """The options of a new instance.

    ``priority`` runs from 0 to 9, smaller first (unset means the server's default, 9).
    ``cancel_on_task_failure`` cancels the other tasks when one fails. ``max_interrupted_retries``
    bounds how often a task whose worker was lost is retried (unset means 3). ``task_timeout`` is
    every task's default timeout in seconds. A retry with the same ``request_id`` returns the first
    instance instead of creating another. ``hold`` creates the instance SUSPENDED with its tasks held,
    so that watching can start before anything runs; ``instance.resume()`` starts it.
    """

    priority: int | None = None
    labels: Mapping[str, str] | None = None
    cancel_on_task_failure: bool = False
    max_interrupted_retries: int | None = None
    task_timeout: float | None = None
    request_id: str | None = None
    hold: bool = False

    def __post_init__(self) -> None:
        if self.priority is not None and not (isinstance(self.priority, int) and 0 <= self.priority <= 9):
            raise ValueError(f"priority must be an int from 0 to 9, not {self.priority!r}")
        if self.max_interrupted_retries is not None and self.max_interrupted_retries < 0:
            raise ValueError(f"max_interrupted_retries must be >= 0, not {self.max_interrupted_retries}")
        if self.task_timeout is not None and self.task_timeout <= 0:
            raise ValueError(f"task_timeout must be a positive number of seconds, not {self.task_timeout}")
        for key, value in (self.labels or {}).items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"labels map str to str, not {key!r}: {value!r}")

    def create_request(
        self, parent: str, tasks: list[task_pb2.TaskSpec]
    ) -> instance_service_pb2.CreateInstanceRequest:
        """The CreateInstanceRequest for ``tasks`` in project ``parent`` with these options."""
        options = instance_pb2.InstanceOptions(cancel_on_task_failure=self.cancel_on_task_failure)
        if self.max_interrupted_retries is not None:
            options.max_interrupted_retries = self.max_interrupted_retries
        if self.task_timeout is not None:
            options.task_timeout.CopyFrom(to_duration(self.task_timeout))
        request = instance_service_pb2.CreateInstanceRequest(
            parent=parent,
            tasks=tasks,
            labels=dict(self.labels or {}),
            options=options,
            request_id=self.request_id or "",
            hold=self.hold,
        )
        if self.priority is not None:
            request.priority = self.priority
        return request


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """One task of a new instance: a registered task ``type`` called with JSON ``params``.

    ``name`` must be unique in the instance; when None the server derives one from the type.
    ``timeout`` in seconds overrides the instance's task_timeout. ``required_labels`` are worker labels
    the task needs (``{"gpu": "true"}``): it waits until a worker with all of them is connected.
    """

    type: str
    params: Mapping[str, Any] | None = None
    name: str | None = None
    timeout: float | None = None
    required_labels: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.type:
            raise ValueError("a task needs a type")
        if self.params is not None and not isinstance(self.params, Mapping):
            raise TypeError(f"task params must be a mapping of names to JSON values, not {self.params!r}")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {self.timeout}")
        for key, value in (self.required_labels or {}).items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"required_labels map str to str, not {key!r}: {value!r}")

    def to_proto(self) -> task_pb2.TaskSpec:
        spec = task_pb2.TaskSpec(
            name=self.name or "",
            type=self.type,
            parameters_json=json.dumps(dict(self.params)) if self.params else "",
            required_labels=dict(self.required_labels or {}),
        )
        if self.timeout is not None:
            spec.timeout.CopyFrom(to_duration(self.timeout))
        return spec


def create_request(
    project: str, tasks: Iterable[TaskSpec], options: SubmitOptionsDict
) -> instance_service_pb2.CreateInstanceRequest:
    """The CreateInstanceRequest of an instance of ``tasks`` in ``project`` with the submit ``options``."""
    specs = [task.to_proto() for task in tasks]
    if not specs:
        raise ValueError("an instance needs at least one task")
    return SubmitOptions(**options).create_request(project_name(project), specs)
