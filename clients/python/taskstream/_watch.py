"""What the sync and asyncio watches share: turning WatchInstance messages into events, and the cursor.

``WatchCursor`` holds everything a watch decides without doing I/O: the request for the next try, the
event (if any) for each message, duplicates skipped after a resume, when the watch is over, and whether
a failed or early-ended stream is resumed. The two clients only run the loop around it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Generic

import grpc
from google.protobuf import timestamp_pb2

from taskstream._convert import instance_status, task_status
from taskstream._events import (
    Heartbeat,
    InstanceSnapshot,
    InstanceStatusChanged,
    InstanceT,
    SubInstanceCreated,
    TaskOutputAppended,
    TaskProgressUpdated,
    TaskPropertyUpdated,
    TaskStatusChanged,
    TaskT,
)
from taskstream._output import stream_name
from taskstream._progress import TaskProgress
from taskstream._retry import Retrier
from taskstream.errors import ApiError, NotFoundError, UnavailableError
from taskstream.status import CancellationReason, InstanceStatus
from taskstream.v1 import event_pb2, instance_pb2, instance_service_pb2
from taskstream.values import decode_property

# Any event a watch yields, whichever client's handles it holds.
AnyEvent = (
    InstanceSnapshot[InstanceT]
    | InstanceStatusChanged
    | TaskStatusChanged[TaskT]
    | TaskProgressUpdated
    | TaskPropertyUpdated
    | TaskOutputAppended
    | SubInstanceCreated[InstanceT]
    | Heartbeat
)


@dataclasses.dataclass(frozen=True)
class Handles(Generic[InstanceT, TaskT]):
    """How events get the client's handles: ``snapshot`` loads instance data into the watched handle and
    returns it, ``task`` gives the handle on a task of it by name, ``instance`` a handle on any instance
    by resource name (for sub-instances)."""

    snapshot: Callable[[instance_pb2.Instance], InstanceT]
    task: Callable[[str], TaskT]
    instance: Callable[[str], InstanceT]


def event_time(stamp: timestamp_pb2.Timestamp) -> dt.datetime:
    return stamp.ToDatetime(tzinfo=dt.UTC)


def build_event(
    event: event_pb2.InstanceEvent, handles: Handles[InstanceT, TaskT]
) -> AnyEvent[InstanceT, TaskT] | None:
    """The client event for one change; None for a kind of change this client does not know."""
    seq, time = event.seq, event_time(event.time)
    kind = event.WhichOneof("change")
    if kind == "instance_status_changed":
        status_change = event.instance_status_changed
        return InstanceStatusChanged(
            seq,
            time,
            previous_status=instance_status(status_change.previous_status),
            status=instance_status(status_change.status),
            successful=status_change.successful,
        )
    if kind == "task_status_changed":
        task = event.task_status_changed.task
        return TaskStatusChanged(
            seq,
            time,
            task_name=task.name,
            previous_status=task_status(event.task_status_changed.previous_status),
            status=task_status(task.status),
            task=handles.task(task.name),
            cancellation_reason=CancellationReason.from_proto(task.cancellation.reason)
            if task.HasField("cancellation")
            else CancellationReason.NONE,
            cancellation_message=task.cancellation.message,
        )
    if kind == "task_progress_updated":
        progress = event.task_progress_updated
        return TaskProgressUpdated(seq, time, progress.task, TaskProgress.from_proto(progress.progress))
    if kind == "task_property_updated":
        prop = event.task_property_updated
        return TaskPropertyUpdated(seq, time, prop.task, prop.key, decode_property(prop.value))
    if kind == "task_output_appended":
        output = event.task_output_appended
        return TaskOutputAppended(
            seq,
            time,
            task_name=output.task,
            stream=stream_name(output.stream),
            offset=output.offset,
            data=output.data,
            attempt=output.attempt,
        )
    if kind == "sub_instance_created":
        sub = event.sub_instance_created
        return SubInstanceCreated(seq, time, sub.name, handles.instance(sub.instance), sub.task)
    return None


class WatchCursor(Generic[InstanceT, TaskT]):
    """One watch's position and decisions, shared by the sync and asyncio loops.

    The loop sends ``request()``, feeds each message to ``receive()`` and yields the event it returns,
    until ``receive()`` says the watch is finished. When the stream fails, or ends early (a WatchEnd or
    a close without the terminal snapshot, which ``receive()`` and ``ended_early()`` turn into errors),
    the loop asks ``retry_after(error)`` how long to wait before sending ``request()`` again; that
    raises instead when the watch should give up.
    """

    def __init__(
        self,
        name: str,
        handles: Handles[InstanceT, TaskT],
        *,
        after_seq: int,
        include_output: bool,
        heartbeats: bool,
        target: str,
    ) -> None:
        if after_seq < 0:
            raise ValueError(f"after_seq must be >= 0, not {after_seq}")
        self.name = name
        self.seq = after_seq
        self._handles = handles
        self._include_output = include_output
        self._heartbeats = heartbeats
        self._target = target
        self._retrier = Retrier()

    def request(self) -> instance_service_pb2.WatchInstanceRequest:
        """The request that continues after the last sequence number seen."""
        return instance_service_pb2.WatchInstanceRequest(
            name=self.name, after_seq=self.seq, include_output=self._include_output, accept_batches=True
        )

    def receive(
        self, response: instance_service_pb2.WatchInstanceResponse
    ) -> tuple[list[AnyEvent[InstanceT, TaskT]], bool]:
        """(the events to yield, whether the watch is finished) for one message: a batch of changes
        (sent to a watcher that is behind) yields each of them in order.

        Raises the error a WatchEnd stands for: NotFoundError when the instance was deleted, a
        transient ApiError (resumed by ``retry_after``) when the server drained or found us too slow.
        """
        kind = response.WhichOneof("kind")
        if kind == "snapshot":
            self._retrier.succeeded()
            data = response.snapshot
            self.seq = data.seq  # a reset may move the cursor anywhere; the snapshot is the truth
            finished = instance_status(data.status) is InstanceStatus.TERMINATED
            snapshot = InstanceSnapshot(data.seq, self._handles.snapshot(data), instance_status(data.status))
            return [snapshot], finished
        if kind in ("event", "events"):
            self._retrier.succeeded()
            changes = [response.event] if kind == "event" else list(response.events.events)
            found: list[AnyEvent[InstanceT, TaskT]] = []
            for change in changes:
                if change.seq <= self.seq:
                    continue  # already yielded before the stream was resumed
                self.seq = change.seq
                event = build_event(change, self._handles)
                if event is not None:  # a kind of change added by a newer server is skipped
                    found.append(event)
            return found, False
        if kind == "heartbeat":
            self._retrier.succeeded()
            beat = response.heartbeat
            return ([Heartbeat(beat.seq, event_time(beat.time))] if self._heartbeats else []), False
        if kind == "end":
            raise self._end_error(response.end)
        return [], False  # a kind of message added by a newer server

    def ended_early(self) -> ApiError:
        """The error for a stream that closed without the terminal snapshot; transient, so resumed."""
        return UnavailableError(
            f"the watch of {self.name} ended before the instance terminated",
            details="stream closed",
            target=self._target,
        )

    def retry_after(self, error: ApiError) -> float:
        """Seconds to wait before resuming after ``error``; raises it when the watch gives up."""
        return self._retrier.failed(error)

    def _end_error(self, end: instance_service_pb2.WatchEnd) -> ApiError:
        explanation = f": {end.message}" if end.message else ""
        if end.reason == instance_service_pb2.WATCH_END_REASON_INSTANCE_DELETED:
            return NotFoundError(
                f"instance {self.name} was deleted{explanation}",
                code=grpc.StatusCode.NOT_FOUND,
                details=end.message,
                reason=_reason_name(end.reason),
            )
        # SERVER_DRAINING, or a reason added by a newer server: try again, perhaps on another replica.
        # (A consumer too slow gets no WatchEnd but a RESOURCE_EXHAUSTED status, resumed the same way.)
        return UnavailableError(
            f"the server ended the watch of {self.name}{explanation}",
            details=end.message,
            reason=_reason_name(end.reason),
            target=self._target,
        )


def _reason_name(reason: int) -> str:
    """ "SERVER_DRAINING" for WATCH_END_REASON_SERVER_DRAINING; the number for a reason not known here."""
    if reason not in instance_service_pb2.WatchEndReason.values():
        return str(reason)
    return instance_service_pb2.WatchEndReason.Name(reason).removeprefix("WATCH_END_REASON_")
