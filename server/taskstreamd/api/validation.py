"""Validation of incoming requests: each bad field becomes a BadRequest field violation."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf import duration_pb2, timestamp_pb2

from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import task_pb2
from taskstreamd import bounded_json, ids
from taskstreamd.api import labels
from taskstreamd.api.limits import MAX_LABELS, Limits
from taskstreamd.api.task_names import TaskNames
from taskstreamd.core.project_watch import DEFAULT_SNAPSHOT_LIMIT, MAX_SNAPSHOT_LIMIT, ProjectWatchRequest
from taskstreamd.core.watch import WatchRequest
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE, InstanceOptions, NewInstance, NewTask
from taskstreamd.domain.project_events import InstanceFilter
from taskstreamd.domain.scheduling import MAX_ATTEMPTS, Dependency, RetryPolicy, find_cycle
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus
from taskstreamd.errors import FieldViolation, InvalidArgument, PermissionDenied

MAX_NAME = 256
_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,255}")
T = TypeVar("T")


def new_instance(request: pb.CreateInstanceRequest, owner: str, limits: Limits | None = None) -> NewInstance:
    limits = limits or Limits()
    refuse_oversized(request, limits)
    problems: list[FieldViolation] = []
    project = _catch(problems, lambda: ids.parse_project(request.parent))
    if not request.tasks:
        problems.append(FieldViolation("tasks", "an instance needs at least one task"))
    priority = request.priority if request.HasField("priority") else 9
    if not 0 <= priority <= 9:
        problems.append(FieldViolation("priority", f"must be 0 to 9 (smaller runs first), got {priority}"))
    problems += labels.violations("labels", request.labels)
    if len(request.request_id) > 256:
        problems.append(FieldViolation("request_id", "at most 256 characters"))
    if request.parent_instance:
        _catch(problems, lambda: ids.parse_instance_name(request.parent_instance, "parent_instance"))
    for field_name in ("sub_instance_name", "parent_task"):
        value = getattr(request, field_name)
        if value and not request.parent_instance:
            problems.append(FieldViolation(field_name, "only sub-instances (with parent_instance) have one"))
        if len(value) > MAX_NAME:
            problems.append(FieldViolation(field_name, f"at most {MAX_NAME} characters"))
    options = _options(request, problems)
    tasks = _tasks(request, options, problems, limits.max_parameters_bytes)
    start_time = time_or_none(request, "start_time") if request.HasField("start_time") else None
    if problems:
        raise InvalidArgument(problems)
    tasks = _with_dependencies(request, tasks)
    assert project is not None
    return NewInstance(
        project=project,
        owner=owner,
        tasks=tasks,
        priority=priority,
        labels=dict(request.labels),
        options=options,
        request_id=request.request_id,
        hold=request.hold,
        parent_instance=request.parent_instance,
        sub_instance_name=request.sub_instance_name,
        parent_task=request.parent_task,
        start_time=start_time,
    )


def refuse_oversized(request: pb.CreateInstanceRequest, limits: Limits) -> None:
    """Refuses, before any work per task or label, a request with more of them than allowed."""
    if len(request.tasks) > limits.max_tasks_per_instance:
        raise InvalidArgument.one(
            "tasks", f"at most {limits.max_tasks_per_instance} tasks per instance, got {len(request.tasks)}"
        )
    if len(request.labels) > MAX_LABELS:
        raise InvalidArgument(labels.violations("labels", request.labels))


def require_parent_in_project(new: NewInstance) -> None:
    """A sub-instance lives in its parent's project: a parent elsewhere is PERMISSION_DENIED, decided from
    the names alone (whether such an instance exists is not the caller's business)."""
    if not new.parent_instance:
        return
    parent_project, _ = ids.parse_instance_name(new.parent_instance, "parent_instance")
    if parent_project != new.project:
        raise PermissionDenied(
            "PARENT_INSTANCE_DENIED",
            f"parent_instance must be an instance of project {new.project!r}, the new instance's own",
        )


def page_size(requested: int, *, default: int, maximum: int) -> int:
    """A list call's page size: ``default`` when unset, at most ``maximum``; negative is refused."""
    if requested < 0:
        raise InvalidArgument.one("page_size", "must not be negative")
    return min(requested or default, maximum)


MAX_WAIT_NAMES = 1000
HEARTBEAT_RANGE = (0.1, 300.0)


def _heartbeat_interval(
    request: pb.WatchInstanceRequest | pb.WatchInstancesRequest, problems: list[FieldViolation]
) -> float:
    """The heartbeat interval a watch asks for (unset: 10 s); out of range, a violation."""
    if not request.HasField("heartbeat_interval"):
        return 10.0
    interval = _catch(problems, lambda: seconds(request.heartbeat_interval, "heartbeat_interval")) or 0.0
    low, high = HEARTBEAT_RANGE
    if not low <= interval <= high:
        problems.append(FieldViolation("heartbeat_interval", f"must be {low} to {high} seconds"))
    return interval


def watch(request: pb.WatchInstanceRequest) -> WatchRequest:
    problems: list[FieldViolation] = []
    ref = _catch(problems, lambda: ids.parse_instance_name(request.name))
    if request.after_seq < 0:
        problems.append(FieldViolation("after_seq", "must not be negative"))
    interval = _heartbeat_interval(request, problems)
    if problems:
        raise InvalidArgument(problems)
    assert ref is not None
    return WatchRequest(
        ref[0], ref[1], request.after_seq, request.include_output, interval, request.accept_batches
    )


MAX_TASK_TYPE_FILTERS = 64


def watch_project(request: pb.WatchInstancesRequest) -> ProjectWatchRequest:
    """A WatchInstances request checked: every problem found is one field violation."""
    problems: list[FieldViolation] = []
    project = _catch(problems, lambda: ids.parse_project(request.parent))
    if request.after_seq < 0:
        problems.append(FieldViolation("after_seq", "must not be negative"))
    statuses: set[InstanceStatus] = set()
    for i, status in enumerate(request.statuses):
        try:
            statuses.add(InstanceStatus.from_proto(status))
        except (KeyError, ValueError):
            problems.append(FieldViolation(f"statuses[{i}]", f"unknown status {status}"))
    problems.extend(labels.violations("labels", request.labels))
    if len(request.task_types) > MAX_TASK_TYPE_FILTERS:
        problems.append(FieldViolation("task_types", f"at most {MAX_TASK_TYPE_FILTERS} types"))
    start = _catch(problems, lambda: time_or_none(request, "create_time_start"))
    end = _catch(problems, lambda: time_or_none(request, "create_time_end"))
    if not 0 <= request.snapshot_limit <= MAX_SNAPSHOT_LIMIT:
        problems.append(FieldViolation("snapshot_limit", f"must be 0 to {MAX_SNAPSHOT_LIMIT}"))
    interval = _heartbeat_interval(request, problems)
    if problems:
        raise InvalidArgument(problems)
    assert project is not None
    where = InstanceFilter(
        statuses=frozenset(statuses),
        owner=request.owner,
        labels=dict(request.labels),
        task_types=frozenset(request.task_types),
        create_time_start=start,
        create_time_end=end,
    )
    return ProjectWatchRequest(
        project, where, request.after_seq, request.snapshot_limit or DEFAULT_SNAPSHOT_LIMIT, interval
    )


def wait_names(request: pb.WaitInstancesRequest) -> list[tuple[str, str]]:
    if not request.names:
        raise InvalidArgument.one("names", "name at least one instance")
    if len(request.names) > MAX_WAIT_NAMES:
        raise InvalidArgument.one("names", f"at most {MAX_WAIT_NAMES} instances")
    problems: list[FieldViolation] = []
    refs: list[tuple[str, str]] = []
    for i, name in enumerate(request.names):
        try:
            refs.append(ids.parse_instance_name(name, f"names[{i}]"))
        except InvalidArgument as error:
            problems.extend(error.violations)
    if problems:
        raise InvalidArgument(problems)
    return refs


def output_stream(request: pb.ReadTaskOutputRequest) -> int:
    if request.stream in (task_pb2.OUTPUT_STREAM_UNSPECIFIED, task_pb2.OUTPUT_STREAM_STDOUT):
        return task_pb2.OUTPUT_STREAM_STDOUT
    if request.stream == task_pb2.OUTPUT_STREAM_STDERR:
        return task_pb2.OUTPUT_STREAM_STDERR
    raise InvalidArgument.one("stream", f"unknown stream {request.stream}")


# The ranges google.protobuf.Duration and Timestamp allow (their documented limits); values beyond
# them make the protobuf conversions raise, so they are refused here as the caller's mistake.
MAX_DURATION_SECONDS = 315_576_000_000
MIN_TIMESTAMP_SECONDS = -62_135_596_800  # 0001-01-01T00:00:00Z
MAX_TIMESTAMP_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z


def cancellation(
    request: pb.StopInstanceRequest | pb.CancelTaskRequest,
) -> tuple[CancellationReason, float | None]:
    """Why to stop (unset: DIRECT) and the grace period asked for (None: the server's default)."""
    try:
        reason = (
            CancellationReason.from_proto(request.reason) if request.reason else CancellationReason.DIRECT
        )
    except ValueError as exc:
        raise InvalidArgument.one("reason", f"unknown reason {request.reason}") from exc
    grace = seconds(request.grace_period, "grace_period") if request.HasField("grace_period") else None
    return reason, grace


def seconds(value: duration_pb2.Duration, field: str, *, allow_zero: bool = True) -> float:
    if abs(value.seconds) > MAX_DURATION_SECONDS or abs(value.nanos) > 999_999_999:
        raise InvalidArgument.one(field, "is not a valid duration")
    total = value.seconds + value.nanos / 1e9
    if total < 0 or (total == 0 and not allow_zero):
        raise InvalidArgument.one(field, "must be a positive duration")
    return total


def time_or_none(
    request: pb.ListInstancesRequest | pb.CreateInstanceRequest | pb.WatchInstancesRequest, field: str
) -> datetime | None:
    if not request.HasField(field):
        return None
    stamp: timestamp_pb2.Timestamp = getattr(request, field)
    if (
        not MIN_TIMESTAMP_SECONDS <= stamp.seconds <= MAX_TIMESTAMP_SECONDS
        or not 0 <= stamp.nanos <= 999_999_999
    ):
        raise InvalidArgument.one(field, "is not a valid timestamp")
    return stamp.ToDatetime(tzinfo=UTC)


def _options(request: pb.CreateInstanceRequest, problems: list[FieldViolation]) -> InstanceOptions:
    o = request.options
    retries = o.max_interrupted_retries if o.HasField("max_interrupted_retries") else 3
    if not 0 <= retries <= 100:
        problems.append(FieldViolation("options.max_interrupted_retries", "must be 0 to 100"))
    timeout = (
        _catch(problems, lambda: seconds(o.task_timeout, "options.task_timeout"))
        if o.HasField("task_timeout")
        else None
    )
    retry = (
        _retry_policy(o.retry_policy, "options.retry_policy", problems)
        if o.HasField("retry_policy")
        else None
    )
    retention = (
        _catch(problems, lambda: seconds(o.retention, "options.retention", allow_zero=False))
        if o.HasField("retention")
        else None
    )
    grace = 30.0
    if o.HasField("client_disconnect_grace"):
        grace = (
            _catch(problems, lambda: seconds(o.client_disconnect_grace, "options.client_disconnect_grace"))
            or 0.0
        )
    return InstanceOptions(
        cancel_on_task_failure=o.cancel_on_task_failure,
        max_interrupted_retries=retries,
        task_timeout=timeout or None,
        retry=retry,
        retention=retention,
        bound=o.cancel_on_client_disconnection,
        bound_grace=grace,
    )


def _retry_policy(
    policy: task_pb2.RetryPolicy, where: str, problems: list[FieldViolation]
) -> RetryPolicy | None:
    """The policy, or None with its problems added."""
    found: list[FieldViolation] = []
    if not 1 <= policy.max_attempts <= MAX_ATTEMPTS:
        found.append(FieldViolation(f"{where}.max_attempts", f"must be 1 to {MAX_ATTEMPTS}"))
    initial = 1.0
    if policy.HasField("initial_backoff"):
        initial = _catch(found, lambda: seconds(policy.initial_backoff, f"{where}.initial_backoff")) or 0.0
    ceiling = None
    if policy.HasField("max_backoff"):
        ceiling = _catch(found, lambda: seconds(policy.max_backoff, f"{where}.max_backoff"))
        if ceiling is not None and ceiling < initial:
            found.append(FieldViolation(f"{where}.max_backoff", "must not be shorter than initial_backoff"))
    multiplier = policy.backoff_multiplier or 2.0
    if not 1.0 <= multiplier <= 1000.0:
        found.append(FieldViolation(f"{where}.backoff_multiplier", "must be 1 to 1000 (0 means 2)"))
    if not 0.0 <= policy.jitter <= 1.0:
        found.append(FieldViolation(f"{where}.jitter", "must be 0 to 1"))
    for i, name in enumerate(policy.non_retryable_error_types):
        if not name.strip() or len(name) > 512:
            found.append(FieldViolation(f"{where}.non_retryable_error_types[{i}]", "1-512 characters"))
    problems += found
    if found:
        return None
    return RetryPolicy(
        max_attempts=policy.max_attempts,
        initial_backoff=initial,
        multiplier=multiplier,
        max_backoff=ceiling,
        jitter=policy.jitter,
        non_retryable=tuple(policy.non_retryable_error_types),
    )


def _tasks(
    request: pb.CreateInstanceRequest,
    options: InstanceOptions,
    problems: list[FieldViolation],
    max_parameters_bytes: int,
) -> list[NewTask]:
    tasks: list[NewTask] = []
    names = TaskNames()
    for i, spec in enumerate(request.tasks):
        where = f"tasks[{i}]"
        if bool(spec.type) == bool(spec.python_object):
            problems.append(FieldViolation(where, "set exactly one of type and python_object"))
            continue
        if spec.type and not _TYPE.fullmatch(spec.type):
            problems.append(FieldViolation(f"{where}.type", f"{spec.type!r} is not a task type name"))
        if spec.python_environment and not spec.python_object:
            problems.append(
                FieldViolation(f"{where}.python_environment", "only python_object tasks have one")
            )
        if spec.parameters_json:
            if len(spec.parameters_json.encode()) > max_parameters_bytes:
                problems.append(
                    FieldViolation(f"{where}.parameters_json", f"at most {max_parameters_bytes} bytes")
                )
            else:
                try:
                    parsed = bounded_json.loads(spec.parameters_json)
                except bounded_json.TooDeep as exc:
                    problems.append(FieldViolation(f"{where}.parameters_json", str(exc)))
                except ValueError as exc:
                    problems.append(FieldViolation(f"{where}.parameters_json", f"is not JSON: {exc}"))
                else:
                    if not isinstance(parsed, dict):
                        problems.append(FieldViolation(f"{where}.parameters_json", "must be a JSON object"))
            if spec.python_object:
                problems.append(
                    FieldViolation(f"{where}.parameters_json", "python_object tasks take no parameters")
                )
        timeout = options.task_timeout
        if spec.HasField("timeout"):
            try:
                timeout = seconds(spec.timeout, f"{where}.timeout") or None
            except InvalidArgument as exc:
                problems.extend(exc.violations)
        task_type = spec.type or PYTHON_OBJECT_TYPE
        name = spec.name or names.default(task_type)
        if len(name) > MAX_NAME or "/" in name or not name.strip():
            problems.append(FieldViolation(f"{where}.name", "names are 1-256 characters without '/'"))
        elif name in names:
            problems.append(FieldViolation(f"{where}.name", f"another task is already named {name!r}"))
        names.add(name)
        problems += labels.violations(f"{where}.required_labels", spec.required_labels, plain_keys=False)
        retry = (
            _retry_policy(spec.retry_policy, f"{where}.retry_policy", problems)
            if spec.HasField("retry_policy")
            else None
        )
        if len(spec.concurrency_key) > MAX_NAME:
            problems.append(FieldViolation(f"{where}.concurrency_key", f"at most {MAX_NAME} characters"))
        if spec.concurrency_key and spec.concurrency_limit < 1:
            problems.append(
                FieldViolation(f"{where}.concurrency_limit", "a concurrency key needs a limit of 1 or more")
            )
        elif spec.concurrency_limit and not spec.concurrency_key:
            problems.append(FieldViolation(f"{where}.concurrency_limit", "only with a concurrency_key"))
        tasks.append(
            NewTask(
                name=name,
                type=task_type,
                parameters_json=spec.parameters_json,
                python_object=spec.python_object,
                python_environment=spec.python_environment,
                timeout=timeout,
                required_labels=dict(spec.required_labels),
                retry=retry,
                concurrency_key=spec.concurrency_key,
                concurrency_limit=spec.concurrency_limit if spec.concurrency_key else 0,
            )
        )
    problems += _dependency_violations(request, [t.name for t in tasks])
    return tasks


def _dependency_violations(request: pb.CreateInstanceRequest, names: list[str]) -> list[FieldViolation]:
    """Unknown names, self-edges, repeats and cycles among the tasks' dependencies."""
    if not any(spec.dependencies for spec in request.tasks) or len(names) != len(request.tasks):
        return []  # (a task left out above already has its own violation)
    index = {name: i for i, name in enumerate(names)}
    found: list[FieldViolation] = []
    edges: dict[int, list[int]] = {}
    for i, spec in enumerate(request.tasks):
        seen: set[str] = set()
        for j, dependency in enumerate(spec.dependencies):
            where = f"tasks[{i}].dependencies[{j}].task"
            target = index.get(dependency.task)
            if target is None:
                found.append(FieldViolation(where, f"no task of the instance is named {dependency.task!r}"))
            elif target == i:
                found.append(FieldViolation(where, "a task cannot depend on itself"))
            elif dependency.task in seen:
                found.append(FieldViolation(where, f"{dependency.task!r} is named twice"))
            else:
                edges.setdefault(i, []).append(target)
            seen.add(dependency.task)
    if not found:
        cycle = find_cycle(edges)
        if cycle is not None:
            path = " -> ".join(names[k] for k in [*cycle, cycle[0]])
            first = cycle[0]
            j = next(j for j, d in enumerate(request.tasks[first].dependencies) if index[d.task] in cycle)
            found.append(FieldViolation(f"tasks[{first}].dependencies[{j}].task", f"a cycle: {path}"))
    return found


def _with_dependencies(request: pb.CreateInstanceRequest, tasks: list[NewTask]) -> list[NewTask]:
    """The tasks with their dependencies (checked already) as edges by index."""
    if not any(spec.dependencies for spec in request.tasks):
        return tasks
    index = {t.name: i for i, t in enumerate(tasks)}
    return [
        dataclasses.replace(
            task,
            dependencies=tuple(Dependency(index[d.task], d.task, d.allow_failure) for d in spec.dependencies),
        )
        for task, spec in zip(tasks, request.tasks, strict=True)
    ]


def _catch(problems: list[FieldViolation], parse: Callable[[], T]) -> T | None:
    try:
        return parse()
    except InvalidArgument as exc:
        problems.extend(exc.violations)
        return None
