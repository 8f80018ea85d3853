"""Request protos built from the client's arguments, shared by the sync and asyncio clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from taskstream._convert import project_name, to_duration, to_timestamp
from taskstream.status import CancellationReason, InstanceStatus
from taskstream.v1 import instance_service_pb2, task_pb2

# The most instances one WaitInstances call may name.
MAX_WAIT_INSTANCES = 1000
_WAIT_MODES = {"all": instance_service_pb2.WAIT_MODE_ALL, "any": instance_service_pb2.WAIT_MODE_ANY}

StatusFilter = InstanceStatus | str | Iterable[InstanceStatus | str] | None


def list_instances_request(
    project: str,
    *,
    status: StatusFilter,
    owner: str | None,
    start_time: dt.datetime | float | None,
    end_time: dt.datetime | float | None,
    labels: Mapping[str, str] | None,
    page_size: int,
    successful: bool | None = None,
    sub_instances: bool = True,
) -> instance_service_pb2.ListInstancesRequest:
    """The first page's request; see ``Client.list_instances`` for the filters."""
    if page_size <= 0:
        raise ValueError(f"page_size must be positive, not {page_size}")
    if successful is not None and not isinstance(successful, bool):
        raise TypeError(f"successful must be True, False or None, not {successful!r}")
    request = instance_service_pb2.ListInstancesRequest(
        parent=project_name(project),
        page_size=page_size,
        statuses=[as_status(s).to_proto() for s in _as_statuses(status)],
        owner=owner or "",
        labels=dict(labels or {}),
        exclude_sub_instances=not sub_instances,
    )
    if successful is not None:
        request.successful = successful
    if start_time is not None:
        request.create_time_start.CopyFrom(to_timestamp(start_time))
    if end_time is not None:
        request.create_time_end.CopyFrom(to_timestamp(end_time))
    return request


def stop_instance_request(
    name: str,
    *,
    reason: CancellationReason | None,
    message: str | None,
    grace_period: float | None,
    request_id: str | None,
) -> instance_service_pb2.StopInstanceRequest:
    request = instance_service_pb2.StopInstanceRequest(
        name=name,
        reason=task_pb2.CancellationReason.Name(reason.to_proto() if reason is not None else 0),
        message=message or "",
        request_id=request_id or "",
    )
    if grace_period is not None:
        request.grace_period.CopyFrom(to_duration(grace_period))
    return request


def waiting_create_request(
    request: instance_service_pb2.CreateInstanceRequest, wait: float
) -> instance_service_pb2.CreateInstanceRequest:
    """``request`` asking the server to answer once the new instance terminated or ``wait`` seconds passed."""
    waiting = instance_service_pb2.CreateInstanceRequest()
    waiting.CopyFrom(request)
    waiting.wait_timeout.CopyFrom(to_duration(wait))
    return waiting


def wait_instance_request(name: str, wait: float) -> instance_service_pb2.WaitInstanceRequest:
    return instance_service_pb2.WaitInstanceRequest(name=name, timeout=to_duration(wait))


def wait_instances_request(
    names: list[str], mode: str, wait: float
) -> instance_service_pb2.WaitInstancesRequest:
    return instance_service_pb2.WaitInstancesRequest(
        names=names, mode=wait_mode(mode), timeout=to_duration(wait)
    )


def wait_mode(mode: str) -> instance_service_pb2.WaitMode:
    """The WaitMode of "all" or "any"; ValueError for anything else."""
    try:
        return _WAIT_MODES[mode]
    except KeyError:
        raise ValueError(f"mode must be 'all' or 'any', not {mode!r}") from None


def as_status(status: InstanceStatus | str) -> InstanceStatus:
    if isinstance(status, InstanceStatus):
        return status
    for member in InstanceStatus:  # "Running", "RUNNING" and "running" all mean RUNNING
        if status.lower() in (member.value.lower(), member.name.lower()):
            return member
    raise ValueError(f"not an instance status: {status!r}")


def _as_statuses(status: StatusFilter) -> list[InstanceStatus | str]:
    if status is None:
        return []
    if isinstance(status, InstanceStatus | str):
        return [status]
    return list(status)
