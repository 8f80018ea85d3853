"""What a schedule is made of on the client's side: its overlap policy, its name, and the request that
creates it."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from typing import TypedDict

from taskstream._convert import from_duration, project_name, to_duration
from taskstream._specs import Dependency, RetryPolicy, SubmitOptions, TaskSpec
from taskstream.v1 import schedule_pb2, schedule_service_pb2, task_pb2

_SCHEDULES = "schedules"


class OverlapPolicy(enum.StrEnum):
    """What a firing does while an instance the schedule started earlier still runs."""

    SKIP = "skip"  # start nothing (the fire time counts in skip_count)
    ALLOW = "allow"  # start another one beside it
    CANCEL_PREVIOUS = "cancel_previous"  # stop the running ones, then start the new one

    def to_proto(self) -> int:
        return int(schedule_pb2.OverlapPolicy.Value(f"OVERLAP_POLICY_{self.name}"))

    @classmethod
    def from_proto(cls, value: int) -> OverlapPolicy:
        """The policy of a proto value; unspecified (or one this client does not know) is SKIP."""
        name = schedule_pb2.OverlapPolicy.Name(value) if value in schedule_pb2.OverlapPolicy.values() else ""
        return cls.__members__.get(name.removeprefix("OVERLAP_POLICY_"), cls.SKIP)


class TemplateOptionsDict(TypedDict, total=False):
    """The options of the instances a schedule starts (see ``SubmitOptions`` for each)."""

    priority: int | None
    labels: Mapping[str, str] | None
    cancel_on_task_failure: bool
    max_interrupted_retries: int | None
    task_timeout: float | None
    retry: RetryPolicy | None
    retention: float | None


def schedule_name(project: str, schedule_id: str) -> str:
    return f"projects/{project}/schedules/{schedule_id}"


def split_schedule_ref(ref: str, default_project: str) -> tuple[str, str]:
    """(project, id) of a bare schedule id or a full name ``projects/{p}/schedules/{id}``."""
    if "/" not in ref:
        if not ref:
            raise ValueError("a schedule id must not be empty")
        return default_project, ref
    parts = ref.split("/")
    if len(parts) != 4 or parts[0] != "projects" or parts[2] != _SCHEDULES or not parts[1] or not parts[3]:
        raise ValueError(f"not a schedule id or name 'projects/{{project}}/schedules/{{id}}': {ref!r}")
    return parts[1], parts[3]


def create_schedule_request(
    project: str,
    schedule_id: str,
    tasks: Iterable[TaskSpec],
    *,
    cron: str | None,
    interval: float | None,
    time_zone: str | None,
    overlap: OverlapPolicy | str,
    catch_up_window: float | None,
    paused: bool,
    request_id: str | None,
    options: TemplateOptionsDict,
) -> schedule_service_pb2.CreateScheduleRequest:
    """The CreateScheduleRequest of a schedule of ``tasks`` (ValueError for what is wrong here already)."""
    if (cron is None) == (interval is None):
        raise ValueError("give a schedule either cron= (an expression) or interval= (seconds)")
    if time_zone is not None and cron is None:
        raise ValueError("time_zone goes with cron=")
    specs = [task.to_proto() for task in tasks]
    if not specs:
        raise ValueError("a schedule's instances need at least one task")
    made = SubmitOptions(**options).create_request(project_name(project), specs)
    template = schedule_pb2.InstanceTemplate(tasks=made.tasks, labels=made.labels, options=made.options)
    if made.HasField("priority"):
        template.priority = made.priority
    schedule = schedule_pb2.Schedule(instance_template=template, paused=paused)
    schedule.overlap_policy = OverlapPolicy(overlap).to_proto()  # type: ignore[assignment]
    if cron is not None:
        schedule.cron.expression = cron
        schedule.cron.time_zone = time_zone or ""
    else:
        assert interval is not None
        schedule.interval.CopyFrom(to_duration(interval))
    if catch_up_window is not None:
        schedule.catch_up_window.CopyFrom(to_duration(catch_up_window))
    return schedule_service_pb2.CreateScheduleRequest(
        parent=project_name(project), schedule_id=schedule_id, schedule=schedule, request_id=request_id or ""
    )


def template_task(task: task_pb2.TaskSpec) -> TaskSpec:
    """A template's TaskSpec message as the client's TaskSpec (a Python-object task shows its type)."""
    return TaskSpec(
        task.type or "python_object",
        json.loads(task.parameters_json) if task.parameters_json else None,
        task.name or None,
        timeout=from_duration(task.timeout) if task.HasField("timeout") else None,
        required_labels=dict(task.required_labels) or None,
        retry=RetryPolicy.from_proto(task.retry_policy) if task.HasField("retry_policy") else None,
        depends_on=[Dependency(d.task, d.allow_failure) for d in task.dependencies],
        concurrency_key=task.concurrency_key or None,
        concurrency_limit=task.concurrency_limit or None,
    )
