"""Schedules' requests: a CreateScheduleRequest validated into a NewSchedule, and a stored template read
back into the instance each firing creates.

A template is checked twice, as a CreateInstance from the schedule's creator would be: when the
schedule is created (with the caller's permissions) and at each firing (with the creator's permissions
as the tokens file gives them then, and the server's limits and data sources then), so a permission
taken away, or a limit lowered, stops the firings that need it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf import duration_pb2

from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import schedule_pb2
from taskstream.v1 import schedule_service_pb2 as spb
from taskstreamd import ids
from taskstreamd.access import auth
from taskstreamd.access.auth import Authenticator
from taskstreamd.api import offload, validation
from taskstreamd.api.limits import MAX_LABELS, Limits
from taskstreamd.core.schedules import FIRE_TIME_LABEL, SCHEDULE_LABEL
from taskstreamd.core.sql_tasks import check_sql_tasks, require_datasource_access
from taskstreamd.datasources import DataSource
from taskstreamd.domain.cron import CronError
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE, NewInstance
from taskstreamd.domain.schedule_model import (
    DEFAULT_CATCH_UP,
    MAX_CATCH_UP_WINDOW,
    MAX_INTERVAL,
    MIN_CATCH_UP,
    MIN_INTERVAL,
    NewSchedule,
    Schedule,
    Timing,
)
from taskstreamd.errors import FieldViolation, InvalidArgument, PermissionDenied
from taskstreamd.wire.schedule_messages import OVERLAP_OF

T = TypeVar("T")
TEMPLATE = "schedule.instance_template"
_RESERVED_LABELS = (SCHEDULE_LABEL, FIRE_TIME_LABEL)
_FIELD_HEAD = re.compile(r"^(tasks|labels|priority|options)\b")


def template_request(project: str, template: schedule_pb2.InstanceTemplate) -> pb.CreateInstanceRequest:
    """The CreateInstanceRequest a template stands for, in ``project``."""
    request = pb.CreateInstanceRequest(
        parent=f"projects/{project}", tasks=template.tasks, labels=template.labels, options=template.options
    )
    if template.HasField("priority"):
        request.priority = template.priority
    return request


def template_instance(
    project: str, owner: str, template: schedule_pb2.InstanceTemplate, limits: Limits
) -> NewInstance:
    """The instance a template makes, validated as CreateInstance validates; its violations name the
    template's fields (``schedule.instance_template.tasks[0].type``)."""
    problems: list[FieldViolation] = []
    if len(template.labels) > MAX_LABELS - len(_RESERVED_LABELS):
        problems.append(
            FieldViolation(f"{TEMPLATE}.labels", f"at most {MAX_LABELS - len(_RESERVED_LABELS)} labels")
        )
    for key in _RESERVED_LABELS:
        if key in template.labels:
            problems.append(FieldViolation(f"{TEMPLATE}.labels[{key!r}]", "is set by the schedule itself"))
    try:
        new = validation.new_instance(template_request(project, template), owner, limits)
    except InvalidArgument as error:
        problems += [
            FieldViolation(_FIELD_HEAD.sub(f"{TEMPLATE}.\\1", v.field), v.description)
            for v in error.violations
        ]
        raise InvalidArgument(problems) from None
    if problems:
        raise InvalidArgument(problems)
    return new


def _seconds(value: duration_pb2.Duration, field: str, low: float, high: float) -> float:
    seconds = validation.seconds(value, field)
    if not low <= seconds <= high:
        raise InvalidArgument.one(field, f"must be {low:g} to {high:g} seconds, got {seconds:g}")
    return seconds


def refuse_oversized(template: schedule_pb2.InstanceTemplate, limits: Limits) -> None:
    """Refuses, before any work per task, a template with more tasks than an instance may have."""
    if len(template.tasks) > limits.max_tasks_per_instance:
        raise InvalidArgument.one(
            f"{TEMPLATE}.tasks",
            f"at most {limits.max_tasks_per_instance} tasks per instance, got {len(template.tasks)}",
        )


def new_schedule(
    request: spb.CreateScheduleRequest, owner: str, limits: Limits
) -> tuple[NewSchedule, NewInstance]:
    """The schedule asked for, and the instance its template makes now; INVALID_ARGUMENT listing
    everything wrong with them."""
    problems: list[FieldViolation] = []
    project = _catch(problems, lambda: ids.parse_project(request.parent))
    if not ids.SCHEDULE_ID.fullmatch(request.schedule_id):
        problems.append(FieldViolation("schedule_id", "1 to 63 of a-z 0-9 and '-', starting with a letter"))
    if len(request.request_id) > 256:
        problems.append(FieldViolation("request_id", "at most 256 characters"))
    s = request.schedule
    timing = None
    kind = s.WhichOneof("timing")
    if kind == "cron":
        timing = Timing(cron=s.cron.expression, time_zone=s.cron.time_zone or "UTC")
        if len(s.cron.expression) > 256:
            problems.append(FieldViolation("schedule.cron.expression", "at most 256 characters"))
        elif len(s.cron.time_zone) > 64:
            problems.append(FieldViolation("schedule.cron.time_zone", "at most 64 characters"))
        else:
            try:
                Timing(cron=s.cron.expression).check()
            except CronError as error:
                problems.append(FieldViolation("schedule.cron.expression", str(error)))
            try:
                Timing(cron="* * * * *", time_zone=timing.time_zone).check()
            except CronError as error:
                problems.append(FieldViolation("schedule.cron.time_zone", str(error)))
    elif kind == "interval":
        interval = _catch(
            problems, lambda: _seconds(s.interval, "schedule.interval", MIN_INTERVAL, MAX_INTERVAL)
        )
        timing = Timing(interval=interval) if interval is not None else None
    else:
        problems.append(FieldViolation("schedule.cron", "set exactly one of cron and interval"))
    overlap = OVERLAP_OF.get(s.overlap_policy)
    if overlap is None:
        problems.append(FieldViolation("schedule.overlap_policy", f"unknown policy {s.overlap_policy}"))
    window = DEFAULT_CATCH_UP
    if s.HasField("catch_up_window"):
        window = (
            _catch(
                problems,
                lambda: _seconds(
                    s.catch_up_window, "schedule.catch_up_window", MIN_CATCH_UP, MAX_CATCH_UP_WINDOW
                ),
            )
            or DEFAULT_CATCH_UP
        )
    template = s.instance_template
    made = None
    if project is not None:
        try:
            made = template_instance(project, owner, template, limits)
        except InvalidArgument as error:
            problems += error.violations
    if problems:
        raise InvalidArgument(problems)
    assert project is not None and timing is not None and overlap is not None and made is not None
    return NewSchedule(
        project=project,
        id=request.schedule_id,
        owner=owner,
        timing=timing,
        template=template.SerializeToString(deterministic=True),
        code=any(t.python_object for t in template.tasks),
        overlap=overlap,
        catch_up_window=window,
        paused=s.paused,
        request_id=request.request_id,
    ), made


@dataclass
class Templates:
    """Reads a schedule's template into the instance a firing creates (core.schedules.Instantiate)."""

    authenticator: Authenticator
    limits: Limits
    datasources: Mapping[str, DataSource]
    allowed_datasources: frozenset[str]

    async def __call__(self, schedule: Schedule) -> NewInstance:
        template = schedule_pb2.InstanceTemplate.FromString(schedule.template)
        new = await offload.run(
            template, template_instance, schedule.project, schedule.owner, template, self.limits
        )
        check_sql_tasks(new.tasks, self.allowed_datasources)
        self.permit(self.authenticator.principal_named(schedule.owner), new)
        return new

    def permit(self, principal: auth.Principal, new: NewInstance) -> None:
        """PERMISSION_DENIED unless ``principal`` may create ``new`` (write, code, data sources)."""
        auth.require_write(principal, new.project)
        if any(t.type == PYTHON_OBJECT_TYPE for t in new.tasks):
            auth.require_code(principal)
        require_datasource_access(new.tasks, new.project, self.datasources)


def _catch(problems: list[FieldViolation], parse: Callable[[], T]) -> T | None:
    try:
        return parse()
    except InvalidArgument as error:
        problems.extend(error.violations)
        return None


def refuse_code(allow_code: bool) -> None:
    if not allow_code:
        raise PermissionDenied(
            "CODE_NOT_ALLOWED", "this server does not accept Python-object tasks (start it with --allow-code)"
        )
