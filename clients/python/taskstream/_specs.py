"""What a caller submits: task specs and the options of a new instance, and their request protos."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from taskstream._convert import project_name, to_duration, to_timestamp
from taskstream.v1 import instance_pb2, instance_service_pb2, task_pb2


@dataclasses.dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How a task whose attempt failed (FAILED, ENVIRONMENT_ERROR, TIMED_OUT) runs again.

    ``max_attempts`` counts every attempt (1: no retry). The n-th retry waits ``initial_backoff *
    backoff_multiplier ** (n - 1)`` seconds, at most ``max_backoff`` (default 100 times
    ``initial_backoff``), less a random share of at most ``jitter`` (0 to 1) of it. Errors whose type
    (or its last dotted part, such as ``"ValueError"``) is in ``non_retryable`` are never retried. Each
    retried attempt stays visible in ``task.attempt_history``; a cancelled task is never retried.
    """

    max_attempts: int
    initial_backoff: float = 1.0
    backoff_multiplier: float = 2.0
    max_backoff: float | None = None
    jitter: float = 0.0
    non_retryable: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or not 1 <= self.max_attempts <= 1000:
            raise ValueError(f"max_attempts must be an int from 1 to 1000, not {self.max_attempts!r}")
        if self.initial_backoff < 0 or (
            self.max_backoff is not None and self.max_backoff < self.initial_backoff
        ):
            raise ValueError("backoffs must be >= 0 and max_backoff >= initial_backoff")
        if self.backoff_multiplier < 1:
            raise ValueError(f"backoff_multiplier must be >= 1, not {self.backoff_multiplier}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be from 0 to 1, not {self.jitter}")
        if isinstance(self.non_retryable, str):
            raise TypeError("non_retryable is a list of error type names, not one string")

    def to_proto(self) -> task_pb2.RetryPolicy:
        policy = task_pb2.RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_multiplier=self.backoff_multiplier,
            jitter=self.jitter,
            non_retryable_error_types=list(self.non_retryable),
        )
        policy.initial_backoff.CopyFrom(to_duration(self.initial_backoff))
        if self.max_backoff is not None:
            policy.max_backoff.CopyFrom(to_duration(self.max_backoff))
        return policy

    @classmethod
    def from_proto(cls, policy: task_pb2.RetryPolicy) -> RetryPolicy:
        return cls(
            max_attempts=policy.max_attempts,
            initial_backoff=policy.initial_backoff.ToTimedelta().total_seconds(),
            backoff_multiplier=policy.backoff_multiplier or 2.0,
            max_backoff=policy.max_backoff.ToTimedelta().total_seconds()
            if policy.HasField("max_backoff")
            else None,
            jitter=policy.jitter,
            non_retryable=tuple(policy.non_retryable_error_types),
        )


@dataclasses.dataclass(frozen=True)
class Dependency:
    """An edge to task ``task`` of the same instance: the dependent starts once it ended, and ends
    CANCELLED (reason CONSEQUENTIAL) when it did not succeed, unless ``allow_failure``."""

    task: str
    allow_failure: bool = False

    def to_proto(self) -> task_pb2.TaskDependency:
        return task_pb2.TaskDependency(task=self.task, allow_failure=self.allow_failure)


class SubmitOptionsDict(TypedDict, total=False):
    """The keyword arguments run_task, execute_task and create_instance take; see ``SubmitOptions``."""

    priority: int | None
    labels: Mapping[str, str] | None
    cancel_on_task_failure: bool
    max_interrupted_retries: int | None
    task_timeout: float | None
    request_id: str | None
    hold: bool
    retry: RetryPolicy | None
    start_time: dt.datetime | float | None
    retention: float | None
    cancel_on_client_disconnection: bool
    client_disconnect_grace: float | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SubmitOptions:
    """The options of a new instance.

    ``priority`` runs from 0 to 9, smaller first (unset means the server's default, 9).
    ``cancel_on_task_failure`` cancels the other tasks when one fails. ``max_interrupted_retries``
    bounds how often a task whose worker was lost is retried (unset means 3). ``task_timeout`` is
    every task's default timeout in seconds. A retry with the same ``request_id`` returns the first
    instance instead of creating another. ``hold`` creates the instance SUSPENDED with its tasks held,
    so that watching can start before anything runs; ``instance.resume()`` starts it.

    ``retry`` is the RetryPolicy of every task without its own. ``start_time`` (a datetime, naive
    meaning local time, or POSIX seconds) holds the tasks until then (reason SCHEDULED).
    ``retention`` keeps the instance that many seconds once it terminated, then deletes it.
    ``cancel_on_client_disconnection`` (STK) stops the instance with reason CLIENT_DISCONNECTED when
    no watch of it is open for ``client_disconnect_grace`` seconds (default 30): keep watching it.
    """

    priority: int | None = None
    labels: Mapping[str, str] | None = None
    cancel_on_task_failure: bool = False
    max_interrupted_retries: int | None = None
    task_timeout: float | None = None
    request_id: str | None = None
    hold: bool = False
    retry: RetryPolicy | None = None
    start_time: dt.datetime | float | None = None
    retention: float | None = None
    cancel_on_client_disconnection: bool = False
    client_disconnect_grace: float | None = None

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
        if self.retry is not None:
            options.retry_policy.CopyFrom(self.retry.to_proto())
        if self.retention is not None:
            options.retention.CopyFrom(to_duration(self.retention))
        if self.cancel_on_client_disconnection:
            options.cancel_on_client_disconnection = True
            if self.client_disconnect_grace is not None:
                options.client_disconnect_grace.CopyFrom(to_duration(self.client_disconnect_grace))
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
        if self.start_time is not None:
            request.start_time.CopyFrom(to_timestamp(self.start_time))
        return request


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """One task of a new instance: a registered task ``type`` called with JSON ``params``.

    ``name`` must be unique in the instance; when None the server derives one from the type.
    ``timeout`` in seconds overrides the instance's task_timeout. ``required_labels`` are worker labels
    the task needs (``{"gpu": "true"}``): it waits until a worker with all of them is connected.
    ``retry`` is its RetryPolicy. ``depends_on`` names tasks of the same instance (or gives
    ``Dependency`` edges) that must end first; the task reads their results with
    ``ctx.dependency_result(name)``. Tasks sharing a ``concurrency_key`` run at most
    ``concurrency_limit`` at a time, across instances.
    """

    type: str
    params: Mapping[str, Any] | None = None
    name: str | None = None
    timeout: float | None = None
    required_labels: Mapping[str, str] | None = None
    retry: RetryPolicy | None = None
    depends_on: Sequence[str | Dependency] = ()
    concurrency_key: str | None = None
    concurrency_limit: int | None = None

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
        if isinstance(self.depends_on, str):
            raise TypeError("depends_on is a list of task names, not one name")
        if bool(self.concurrency_key) != (self.concurrency_limit is not None):
            raise ValueError("give concurrency_key and concurrency_limit together")
        if self.concurrency_limit is not None and self.concurrency_limit < 1:
            raise ValueError(f"concurrency_limit must be at least 1, not {self.concurrency_limit}")

    def to_proto(self) -> task_pb2.TaskSpec:
        spec = task_pb2.TaskSpec(
            name=self.name or "",
            type=self.type,
            parameters_json=json.dumps(dict(self.params)) if self.params else "",
            required_labels=dict(self.required_labels or {}),
            dependencies=[as_dependency(d).to_proto() for d in self.depends_on],
            concurrency_key=self.concurrency_key or "",
            concurrency_limit=self.concurrency_limit or 0,
        )
        if self.timeout is not None:
            spec.timeout.CopyFrom(to_duration(self.timeout))
        if self.retry is not None:
            spec.retry_policy.CopyFrom(self.retry.to_proto())
        return spec


def as_dependency(item: str | Dependency) -> Dependency:
    return item if isinstance(item, Dependency) else Dependency(item)


def create_request(
    project: str, tasks: Iterable[TaskSpec], options: SubmitOptionsDict
) -> instance_service_pb2.CreateInstanceRequest:
    """The CreateInstanceRequest of an instance of ``tasks`` in ``project`` with the submit ``options``."""
    specs = [task.to_proto() for task in tasks]
    if not specs:
        raise ValueError("an instance needs at least one task")
    return SubmitOptions(**options).create_request(project_name(project), specs)
