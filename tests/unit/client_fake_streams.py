"""The streaming and multi-wait RPCs of the fake InstanceService (WatchInstance, ReadTaskOutput,
WaitInstances), kept apart from test_client_fake.py, whose FakeInstanceService mixes them in.

The fake keeps a log of events per instance. ``emit_*`` append to it (with the instance's next sequence
number) and change the instance data the same way, so a snapshot always includes every logged change.
A watch sends a snapshot (unless resuming), then the logged events after its cursor, waiting on a
condition (never a sleep) for more, and ends with the terminal snapshot. ``Fault``s queued in
``watch_faults`` / ``output_faults`` break the next calls, one each, to test resuming.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from taskstream.v1 import event_pb2, instance_pb2, instance_service_pb2, task_pb2

TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED
_TERMINAL_TASK = {
    task_pb2.TASK_STATUS_SUCCESS,
    task_pb2.TASK_STATUS_FAILED,
    task_pb2.TASK_STATUS_ENVIRONMENT_ERROR,
    task_pb2.TASK_STATUS_CANCELLED,
    task_pb2.TASK_STATUS_TIMED_OUT,
}


@dataclasses.dataclass
class Fault:
    """Breaks one streaming call after ``after`` messages: with a WatchEnd of ``end_reason`` when set,
    by ending it with status OK when ``close``, else by failing with ``code`` (and an ErrorInfo of
    ``reason`` when set)."""

    after: int = 0
    code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    end_reason: int = 0
    reason: str = ""
    close: bool = False


def abort(
    context: grpc.ServicerContext, code: grpc.StatusCode, message: str, details: Sequence[Message] = ()
) -> None:
    """Ends the call with ``code`` and a google.rpc.Status carrying ``details``, as the server does."""
    status = status_pb2.Status(code=code.value[0], message=message)
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    context.abort_with_status(rpc_status.to_status(status))


def copy(data: instance_pb2.Instance) -> instance_pb2.Instance:
    snapshot = instance_pb2.Instance()
    snapshot.CopyFrom(data)
    return snapshot


class StreamingFake:
    """The mixin; FakeInstanceService provides ``changed``, ``instances``, ``_enter``, ``_find``."""

    changed: threading.Condition
    instances: dict[str, instance_pb2.Instance]
    max_hold: float
    _enter: Callable[..., None]
    _find: Callable[..., instance_pb2.Instance]

    def _init_streams(self) -> None:
        self.events: dict[str, list[event_pb2.InstanceEvent]] = {}
        self.watch_faults: list[Fault] = []
        self.output_faults: list[Fault] = []
        self.replay = 0  # a resumed watch sends this many events again from before its cursor
        self.heartbeats = 0  # heartbeats sent after the start of every watch
        self.watching = threading.Event()  # set once a watch has sent its first message
        self.stream_ended = threading.Event()  # set when a streaming call ends, however it ends
        self.chunks: dict[tuple[str, str, int], list[instance_service_pb2.ReadTaskOutputResponse]] = {}
        self.on_wait_many: Callable[[list[instance_pb2.Instance]], None] | None = None

    # -- building the event log

    def emit(self, data: instance_pb2.Instance, **change: Any) -> event_pb2.InstanceEvent:
        """Logs one change (a keyword naming the InstanceEvent oneof field) with the next seq."""
        with self.changed:
            data.seq += 1
            event = event_pb2.InstanceEvent(seq=data.seq, **change)
            event.time.FromSeconds(1_700_000_000 + data.seq)
            self.events.setdefault(data.name, []).append(event)
            self.changed.notify_all()
        return event

    def emit_task_status(self, data: instance_pb2.Instance, name: str, status: int) -> None:
        with self.changed:
            item = next(t for t in data.tasks if t.name == name)
            previous, item.status = item.status, status
            self.emit(
                data, task_status_changed=event_pb2.TaskStatusChanged(previous_status=previous, task=item)
            )

    def emit_progress(self, data: instance_pb2.Instance, name: str, percent: int, message: str = "") -> None:
        with self.changed:
            item = next(t for t in data.tasks if t.name == name)
            item.progress.percent, item.progress.message = percent, message
            item.progress.update_time.FromSeconds(1_700_000_000 + data.seq + 1)
            change = event_pb2.TaskProgressUpdated(task=name, progress=item.progress)
            self.emit(data, task_progress_updated=change)

    def finish_with_events(self, data: instance_pb2.Instance, *statuses: int) -> None:
        """Ends every task that is not terminal (SUCCESS, or ``statuses`` in task order), logging each
        change, then the instance's status change, as the server does."""
        with self.changed:
            for index, item in enumerate(data.tasks):
                if item.status not in _TERMINAL_TASK:
                    status = statuses[index] if statuses else task_pb2.TASK_STATUS_SUCCESS
                    self.emit_task_status(data, item.name, status)
            previous, data.status = data.status, TERMINATED
            data.successful = all(t.status == task_pb2.TASK_STATUS_SUCCESS for t in data.tasks)
            change = event_pb2.InstanceStatusChanged(
                previous_status=previous, status=TERMINATED, successful=data.successful
            )
            self.emit(data, instance_status_changed=change)

    def write_output(
        self, data: instance_pb2.Instance, task_name: str, text: bytes, stream: str = "stdout", cut: int = 0
    ) -> None:
        """Appends ``text`` to a task's stream, ``cut`` bytes after the end of what was kept before."""
        key = (data.name, task_name, _stream(stream))
        with self.changed:
            chunks = self.chunks.setdefault(key, [])
            end = chunks[-1].offset + len(chunks[-1].data) if chunks else 0
            chunks.append(
                instance_service_pb2.ReadTaskOutputResponse(offset=end + cut, data=text, cut_bytes=cut)
            )
            self.changed.notify_all()

    # -- the RPCs

    def WatchInstance(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        self._enter("WatchInstance", request, context)
        data = self._find(request.name, context)
        fault = self.watch_faults.pop(0) if self.watch_faults else None
        self._wake_when_done(context)
        cursor = request.after_seq
        messages = self._watch_messages(data, request, context)
        for sent in itertools.count():
            if fault is not None and sent == fault.after:  # due now, even when nothing more would come
                if fault.end_reason:
                    end = instance_service_pb2.WatchEnd(
                        reason=fault.end_reason, resume_after_seq=cursor, message="fake end"
                    )
                    yield instance_service_pb2.WatchInstanceResponse(end=end)
                    return
                if fault.close:
                    return
                self._fail(context, fault)
            message = next(messages, None)
            if message is None:
                return
            yield message
            self.watching.set()
            kind = message.WhichOneof("kind")
            cursor = (
                message.snapshot.seq
                if kind == "snapshot"
                else message.event.seq
                if kind == "event"
                else cursor
            )

    def _watch_messages(
        self, data: instance_pb2.Instance, request: Any, context: grpc.ServicerContext
    ) -> Iterator[Any]:
        log = self.events.setdefault(data.name, [])
        cursor = request.after_seq
        if cursor <= 0 or cursor > data.seq:
            with self.changed:
                snapshot = copy(data)
            cursor = snapshot.seq
            yield instance_service_pb2.WatchInstanceResponse(snapshot=snapshot)
            if snapshot.status == TERMINATED:
                return
        else:
            cursor = max(0, cursor - self.replay)
        for _ in range(self.heartbeats):
            beat = instance_service_pb2.Heartbeat(seq=cursor)
            beat.time.FromSeconds(1_700_000_000)
            yield instance_service_pb2.WatchInstanceResponse(heartbeat=beat)
        while True:
            with self.changed:
                self.changed.wait_for(
                    lambda seen=cursor: (
                        any(e.seq > seen for e in log) or data.status == TERMINATED or not context.is_active()
                    ),
                    timeout=self.max_hold,
                )
                pending = [e for e in log if e.seq > cursor]
                final = copy(data) if data.status == TERMINATED else None
            if not pending:
                if final is not None:
                    yield instance_service_pb2.WatchInstanceResponse(snapshot=final)
                return  # held too long (or cancelled): ends early, as a dropped stream
            for event in pending:
                yield instance_service_pb2.WatchInstanceResponse(event=event)
                cursor = event.seq

    def ReadTaskOutput(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        self._enter("ReadTaskOutput", request, context)
        data = self._find(request.instance, context)
        item = next((t for t in data.tasks if t.name == request.task), None)
        if item is None:
            abort(context, grpc.StatusCode.NOT_FOUND, f"task {request.task!r} not found")
        assert item is not None
        fault = self.output_faults.pop(0) if self.output_faults else None
        self._wake_when_done(context)
        key = (data.name, item.name, request.stream or task_pb2.OUTPUT_STREAM_STDOUT)
        chunks = self.chunks.setdefault(key, [])
        position, sent = request.offset, 0
        if position < 0:
            end = chunks[-1].offset + len(chunks[-1].data) if chunks else 0
            position = max(0, end + position)
        while True:
            with self.changed:
                ended = item.status in _TERMINAL_TASK
                kept = list(chunks)
            for chunk in kept:
                chunk_end = chunk.offset + len(chunk.data)
                if chunk_end <= position:
                    continue
                if fault is not None and sent == fault.after:
                    if fault.close:
                        return
                    self._fail(context, fault)
                start = max(chunk.offset, position)
                yield instance_service_pb2.ReadTaskOutputResponse(
                    offset=start,
                    data=chunk.data[start - chunk.offset :],
                    cut_bytes=max(0, chunk.offset - position),
                )
                sent += 1
                position = chunk_end
            if not request.follow or ended:
                return
            with self.changed:
                self.changed.wait_for(
                    lambda kept=kept: (
                        len(chunks) > len(kept) or item.status in _TERMINAL_TASK or not context.is_active()
                    ),
                    timeout=self.max_hold,
                )
            if not context.is_active():
                return

    def WaitInstances(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("WaitInstances", request, context)
        found = [self._find(name, context) for name in request.names]
        if self.on_wait_many is not None:
            self.on_wait_many(found)

        def over() -> bool:
            ended = [d.status == TERMINATED for d in found]
            return any(ended) if request.mode == instance_service_pb2.WAIT_MODE_ANY else all(ended)

        with self.changed:
            self.changed.wait_for(
                over, timeout=min(request.timeout.ToTimedelta().total_seconds(), self.max_hold)
            )
            return instance_service_pb2.WaitInstancesResponse(instances=[copy(d) for d in found], done=over())

    # -- plumbing

    def _wake_when_done(self, context: grpc.ServicerContext) -> None:
        def done() -> None:
            self.stream_ended.set()
            with self.changed:
                self.changed.notify_all()

        context.add_callback(done)

    @staticmethod
    def _fail(context: grpc.ServicerContext, fault: Fault) -> None:
        details = (
            [error_details_pb2.ErrorInfo(reason=fault.reason, domain="taskstream")] if fault.reason else []
        )
        abort(context, fault.code, f"fake {fault.code.name}", details)


def _stream(name: str) -> int:
    return task_pb2.OUTPUT_STREAM_STDERR if name == "stderr" else task_pb2.OUTPUT_STREAM_STDOUT
