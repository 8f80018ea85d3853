"""Following a whole project (``Client.watch_instances()``): its events, and the cursor both clients share.

A project watch yields a ``ProjectSnapshot`` of the project's instances that match its filter (newest
first), then one event per instance-level change, in the project's order: ``InstanceCreated``,
``InstanceStatusUpdated`` (an instance ended when its status is TERMINATED) and ``InstanceDeleted``
(retention removed it). Every event carries ``seq``, the project's sequence number of the change; a new
watch with ``after_seq`` set to the last one seen continues exactly after it, on any server of the
deployment and after restarts.

``ProjectWatchCursor`` decides everything without I/O: the request for the next try, the event for each
message (snapshot pages gathered into one snapshot), duplicates skipped after a resume, and whether a
dropped stream is resumed. The two clients only run the loop around it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Generic

from taskstream._convert import instance_status, project_name, to_timestamp
from taskstream._events import Heartbeat, InstanceT
from taskstream._requests import StatusFilter, _as_statuses, as_status
from taskstream._retry import Retrier
from taskstream._watch import event_time
from taskstream.errors import ApiError, UnavailableError
from taskstream.status import InstanceStatus
from taskstream.v1 import instance_pb2, instance_service_pb2, project_event_pb2


@dataclasses.dataclass(frozen=True)
class ProjectInstance(Generic[InstanceT]):
    """An instance as a project watch shows it: ``instance`` is the client's handle (holding this state,
    without the tasks), ``status`` and ``successful`` its state at that point, ``task_types`` the types of
    its tasks (each once, sorted) and ``task_count`` how many it has."""

    instance: InstanceT
    id: str
    status: InstanceStatus
    successful: bool
    task_types: tuple[str, ...]
    task_count: int


@dataclasses.dataclass(frozen=True)
class ProjectSnapshot(Generic[InstanceT]):
    """The project's instances that match the watch's filter at project position ``seq``, newest first:
    first on a new watch, and again when the server no longer keeps the changes a resumed watch missed
    (replace what you hold). ``truncated``: more matched than the snapshot's limit; the older ones are
    left out (their later changes still arrive)."""

    seq: int
    instances: tuple[ProjectInstance[InstanceT], ...]
    truncated: bool


@dataclasses.dataclass(frozen=True)
class InstanceCreated(Generic[InstanceT]):
    """An instance was created; ``instance`` shows its first state."""

    seq: int
    time: dt.datetime
    instance: ProjectInstance[InstanceT]
    parent_instance: str


@dataclasses.dataclass(frozen=True)
class InstanceStatusUpdated(Generic[InstanceT]):
    """An instance's status changed (it ended when ``status`` is TERMINATED; ``successful`` then says
    whether every task succeeded). Sent also when the change takes the instance out of the statuses the
    watch asked for."""

    seq: int
    time: dt.datetime
    instance: ProjectInstance[InstanceT]
    previous_status: InstanceStatus
    status: InstanceStatus
    successful: bool


@dataclasses.dataclass(frozen=True)
class InstanceDeleted:
    """Retention deleted an instance (``name``, ``instance_id``) that had ended at ``end_time``."""

    seq: int
    time: dt.datetime
    name: str
    instance_id: str
    successful: bool
    end_time: dt.datetime | None


AnyProjectEvent = (
    ProjectSnapshot[InstanceT]
    | InstanceCreated[InstanceT]
    | InstanceStatusUpdated[InstanceT]
    | InstanceDeleted
    | Heartbeat
)


def watch_instances_request(
    project: str,
    *,
    status: StatusFilter,
    owner: str | None,
    labels: Mapping[str, str] | None,
    task_types: Iterable[str] | None,
    start_time: dt.datetime | float | None,
    end_time: dt.datetime | float | None,
    snapshot_limit: int,
) -> instance_service_pb2.WatchInstancesRequest:
    """The request of a new project watch; see ``Client.watch_instances`` for the filters."""
    if snapshot_limit < 0:
        raise ValueError(f"snapshot_limit must not be negative, not {snapshot_limit}")
    if isinstance(task_types, str):
        task_types = [task_types]
    request = instance_service_pb2.WatchInstancesRequest(
        parent=project_name(project),
        statuses=[as_status(s).to_proto() for s in _as_statuses(status)],
        owner=owner or "",
        labels=dict(labels or {}),
        task_types=list(task_types or ()),
        snapshot_limit=snapshot_limit,
    )
    if start_time is not None:
        request.create_time_start.CopyFrom(to_timestamp(start_time))
    if end_time is not None:
        request.create_time_end.CopyFrom(to_timestamp(end_time))
    return request


class ProjectWatchCursor(Generic[InstanceT]):
    """One project watch's position and decisions, shared by the sync and asyncio loops.

    The loop sends ``request()`` and feeds each message to ``receive()``, yielding the event it returns.
    When the stream fails or ends (a WatchEnd, which ``receive()`` raises as a transient error, or a
    close, ``ended_early()``), the loop asks ``retry_after(error)`` how long to wait before sending
    ``request()`` again; that raises instead when the watch should give up.
    """

    def __init__(
        self,
        request: instance_service_pb2.WatchInstancesRequest,
        handle: Callable[[instance_pb2.Instance], InstanceT],
        *,
        after_seq: int,
        heartbeats: bool,
        target: str,
    ) -> None:
        if after_seq < 0:
            raise ValueError(f"after_seq must be >= 0, not {after_seq}")
        self.seq = after_seq
        self._request = request
        self._handle = handle
        self._heartbeats = heartbeats
        self._target = target
        self._pages: list[project_event_pb2.InstanceSummary] = []
        self._retrier = Retrier()

    def request(self) -> instance_service_pb2.WatchInstancesRequest:
        """The request that continues after the last position seen (a snapshot half read starts over)."""
        self._pages = []
        request = instance_service_pb2.WatchInstancesRequest()
        request.CopyFrom(self._request)
        request.after_seq = self.seq
        return request

    def receive(
        self, response: instance_service_pb2.WatchInstancesResponse
    ) -> AnyProjectEvent[InstanceT] | None:
        """The event to yield for one message, or None (a snapshot page before the last, a duplicate).

        Raises a transient ApiError for a WatchEnd (the server drains): ``retry_after`` resumes it.
        """
        kind = response.WhichOneof("kind")
        if kind == "snapshot":
            self._retrier.succeeded()
            page = response.snapshot
            self._pages.extend(page.instances)
            if not page.last:
                return None
            self.seq = page.seq
            instances = tuple(self._instance(s) for s in self._pages)
            self._pages = []
            return ProjectSnapshot(page.seq, instances, page.truncated)
        if kind == "event":
            self._retrier.succeeded()
            event = response.event
            if event.seq <= self.seq:
                return None  # already yielded before the stream was resumed
            self.seq = event.seq
            return self._event(event)
        if kind == "heartbeat":
            self._retrier.succeeded()
            beat = response.heartbeat
            self.seq = max(self.seq, beat.seq)
            return Heartbeat(beat.seq, event_time(beat.time)) if self._heartbeats else None
        if kind == "end":
            end = response.end
            self.seq = max(self.seq, end.resume_after_seq)
            explanation = f": {end.message}" if end.message else ""
            raise UnavailableError(
                f"the server ended the watch of {self._request.parent}{explanation}",
                details=end.message,
                reason=instance_service_pb2.WatchEndReason.Name(end.reason).removeprefix("WATCH_END_REASON_")
                if end.reason in instance_service_pb2.WatchEndReason.values()
                else str(end.reason),
                target=self._target,
            )
        return None  # a kind of message added by a newer server

    def ended_early(self) -> ApiError:
        """The error for a stream that closed by itself: transient, so resumed."""
        return UnavailableError(
            f"the watch of {self._request.parent} ended", details="stream closed", target=self._target
        )

    def retry_after(self, error: ApiError) -> float:
        """Seconds to wait before resuming after ``error``; raises it when the watch gives up."""
        return self._retrier.failed(error)

    def _instance(self, summary: project_event_pb2.InstanceSummary) -> ProjectInstance[InstanceT]:
        data = summary.instance
        return ProjectInstance(
            self._handle(data),
            data.id,
            instance_status(data.status),
            data.successful,
            tuple(summary.task_types),
            summary.task_count,
        )

    def _event(self, event: project_event_pb2.ProjectInstanceEvent) -> AnyProjectEvent[InstanceT] | None:
        seq, time = event.seq, event_time(event.time)
        kind = event.WhichOneof("change")
        if kind == "instance_created":
            return InstanceCreated(
                seq, time, self._instance(event.instance), event.instance_created.parent_instance
            )
        if kind == "instance_status_changed":
            change = event.instance_status_changed
            return InstanceStatusUpdated(
                seq,
                time,
                self._instance(event.instance),
                previous_status=instance_status(change.previous_status),
                status=instance_status(change.status),
                successful=change.successful,
            )
        if kind == "instance_deleted":
            data = event.instance.instance
            end = event_time(data.end_time) if data.HasField("end_time") else None
            return InstanceDeleted(seq, time, data.name, data.id, data.successful, end)
        return None  # a change added by a newer server
