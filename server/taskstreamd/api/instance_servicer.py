"""InstanceService: proto requests to the core's use cases and back (through the wire layer)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

import grpc

from taskstream.v1 import instance_pb2, instance_service_pb2_grpc
from taskstream.v1 import instance_service_pb2 as pb
from taskstreamd import ids, tracing
from taskstreamd.access import auth
from taskstreamd.access.auth import Authenticator, Principal
from taskstreamd.access.logview_links import LogviewLinks
from taskstreamd.access.logview_tokens import DEFAULT_HOURS, MAX_HOURS
from taskstreamd.api import idempotency, labels, offload, task_info_requests, validation
from taskstreamd.api.forwarding import forward
from taskstreamd.api.limits import Limits, StreamCounter
from taskstreamd.api.peers import Peers
from taskstreamd.core import project_watch, queueing, task_info, task_output, watch, workflows
from taskstreamd.core.core import Core
from taskstreamd.core.instances import Instances
from taskstreamd.core.sql_tasks import require_datasource_access
from taskstreamd.datasources import DataSource
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE, Instance
from taskstreamd.domain.vocabulary import InstanceStatus
from taskstreamd.errors import Elsewhere, FailedPrecondition, InvalidArgument, ResourceExhausted
from taskstreamd.store.reads import ListFilter
from taskstreamd.wire import convert, project_watch_messages, queueing_messages, result_rows, watch_messages
from taskstreamd.wire.event_codec import ProtoEventCodec

Context = grpc.aio.ServicerContext[Any, Any]
DEFAULT_WAIT = 60.0
MAX_WAIT = 600.0
# A watcher whose stream accepts nothing for this long is dropped; it resumes from its cursor.
STALL_SECONDS = 60.0
_CODEC = ProtoEventCodec()  # reads the facts of project log entries a watch's filter looks at
W = TypeVar("W")  # what a watch yields, before it is made a message


def wait_timeout(request: pb.WaitInstanceRequest | pb.WaitInstancesRequest, context: Context) -> float:
    """The requested wait, defaulted and capped, ending just before the caller's own deadline."""
    timeout = validation.seconds(request.timeout, "timeout") if request.HasField("timeout") else 0.0
    return bounded_wait(timeout or DEFAULT_WAIT, context)


def create_wait(request: pb.CreateInstanceRequest, context: Context) -> float | None:
    """How long a CreateInstance waits for its instance to terminate, capped as a WaitInstance is; None
    when it answers at once."""
    if not request.HasField("wait_timeout"):
        return None
    seconds = validation.seconds(request.wait_timeout, "wait_timeout")
    return bounded_wait(seconds, context) if seconds else None


def bounded_wait(seconds: float, context: Context) -> float:
    """``seconds`` at most MAX_WAIT, ending just before the caller's own deadline."""
    timeout = min(seconds, MAX_WAIT)
    remaining = context.time_remaining()
    if remaining is not None:
        timeout = max(0.0, min(timeout, remaining - 0.05))
    return timeout


def _get_instance_response(instance: Instance) -> bytes:
    response = pb.GetInstanceResponse()
    convert.fill_instance(response.instance, instance)
    return response.SerializeToString()


def _create_response(instance: Instance) -> bytes:
    response = pb.CreateInstanceResponse()
    convert.fill_instance(response.instance, instance)
    return response.SerializeToString()


def _create_message(instance: Instance) -> pb.CreateInstanceResponse:
    response = pb.CreateInstanceResponse()
    convert.fill_instance(response.instance, instance)
    return response


def _stop_response(instance: Instance) -> bytes:
    response = pb.StopInstanceResponse()
    convert.fill_instance(response.instance, instance)
    return response.SerializeToString()


def _instance_message(instance: Instance) -> instance_pb2.Instance:
    return convert.instance_proto(instance)


class StallGuard:
    """Lets a stream go when one write waits ``seconds`` for its reader, with one timer per stream.

    asyncio.timeout around each write would arm and cancel a timer per message, for every watcher; this
    timer is armed once and, when it fires while writes keep completing, moves itself to the deadline of
    the write in progress. A write past its deadline is cancelled; ``tripped`` then tells the caller.
    """

    __slots__ = ("_loop", "_seconds", "_started", "_task", "_timer", "_tripped")

    def __init__(self, seconds: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._seconds = seconds
        self._started: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tripped = False

    def begin(self) -> None:
        self._started = started = self._loop.time()
        if self._timer is None:
            self._timer = self._loop.call_at(started + self._seconds, self._check)

    def end(self) -> None:
        self._started = None

    def _check(self) -> None:
        self._timer = None
        if self._started is None or self._task is None:
            return  # no write in progress: the next one arms the timer again
        due = self._started + self._seconds
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._check)
            return
        self._tripped = True
        self._task.cancel()

    def tripped(self) -> bool:
        """Whether the cancellation being handled is this guard's; if so it is taken back."""
        if not self._tripped:
            return False
        self._tripped = False
        if self._task is not None:
            self._task.uncancel()
        return True

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class InstanceServicer(instance_service_pb2_grpc.InstanceServiceServicer):
    def __init__(
        self,
        core: Core,
        stall_seconds: float = STALL_SECONDS,
        *,
        logview: LogviewLinks | None = None,
        authenticator: Authenticator | None = None,
        limits: Limits | None = None,
        datasources: Mapping[str, DataSource] | None = None,
        tracing_on: bool = False,
    ) -> None:
        self.core = core
        self.datasources = dict(datasources or {})
        self.stall_seconds = stall_seconds
        self.logview = logview
        self.authenticator = authenticator or Authenticator()
        self.limits = limits or Limits()
        self.streams = StreamCounter(self.limits.max_streams_per_principal)
        self.peers: Peers | None = None  # with replicas: calls about instances owned elsewhere go there
        self.tracing = tracing_on  # keep each created instance's trace context for its tasks

    async def _forward(self, method: str, request: Any, context: Context, elsewhere: Elsewhere) -> bytes:
        stub = instance_service_pb2_grpc.InstanceServiceStub
        return await forward(self.peers, stub, method, request, context, elsewhere)

    @property
    def instances(self) -> Instances:
        return self.core.instances

    def _principal(self, context: Context) -> Principal:
        return self.authenticator.authenticate(context.invocation_metadata())

    def _reader(self, context: Context, project: str) -> Principal:
        principal = self._principal(context)
        auth.require_read(principal, project)
        return principal

    def _writer(self, context: Context, project: str) -> Principal:
        principal = self._principal(context)
        auth.require_write(principal, project)
        return principal

    async def CreateInstance(self, request: pb.CreateInstanceRequest, context: Context) -> bytes:
        try:
            return await self._create(request, context)
        except Elsewhere as elsewhere:  # a sub-instance of a workflow another replica owns
            return await self._forward("CreateInstance", request, context, elsewhere)

    async def _create(self, request: pb.CreateInstanceRequest, context: Context) -> bytes:
        principal = self._principal(context)
        # Cheap refusals first: too many tasks or labels, or a caller who may not create here, cost no
        # validation of each task (a bad parent is reported below with everything else).
        validation.refuse_oversized(request, self.limits)
        with contextlib.suppress(InvalidArgument):
            auth.require_write(principal, ids.parse_project(request.parent))
        # A big request is validated (and fingerprinted) off the event loop, which keeps serving.
        new = await offload.run(request, validation.new_instance, request, principal.name, self.limits)
        auth.require_write(principal, new.project)
        if self.tracing:  # the tasks continue this call's span (api/tracing_interceptor.py)
            new.traceparent, new.tracestate = tracing.current()
        validation.require_parent_in_project(new)  # before any read: no answer tells what exists elsewhere
        require_datasource_access(new.tasks, new.project, self.datasources)
        if any(t.type == PYTHON_OBJECT_TYPE for t in new.tasks):
            auth.require_code(principal)
        if request.request_id:  # only a request_id's claim compares fingerprints
            # How long the caller waits is not part of what it asks to create: a retry may wait less.
            new.request_fingerprint = await offload.run(
                request, idempotency.fingerprint, request, principal.name, ignoring=("wait_timeout",)
            )
        wait = create_wait(request, context)  # checked before anything is created
        if wait is None:
            created = await self.instances.create(new, _create_response)
            return created.answer or _create_response(created.instance)
        # The wait counts as one of the caller's open waits from the start, so that being over the limit
        # refuses the call before it creates anything. It watches the new instance from before the commit.
        with self.streams.hold(principal.name), self.instances.waits.watch() as waiting:
            created = await self.instances.create(new, _create_response, watch=waiting)
            (response,), terminated = await self.instances.wait_many(
                [(created.instance.project, created.instance.id)],
                _create_message,
                any_of=False,
                timeout=wait,
                watch=waiting,
            )
        response.terminated = terminated
        return response.SerializeToString()

    async def GetInstance(self, request: pb.GetInstanceRequest, context: Context) -> bytes:
        """The GetInstanceResponse serialized (ErrorInterceptor lets handlers send bytes): an unchanged
        instance's answer comes from the core's cache, after the same access check as ever."""
        project, instance_id = ids.parse_instance_name(request.name)
        self._reader(context, project)
        return await self.instances.answer(project, instance_id, _get_instance_response)

    async def ListInstances(
        self, request: pb.ListInstancesRequest, context: Context
    ) -> pb.ListInstancesResponse:
        project = ids.parse_project(request.parent)
        self._reader(context, project)
        page_size = validation.page_size(request.page_size, default=50, maximum=1000)
        if bad_labels := labels.violations("labels", request.labels):
            raise InvalidArgument(bad_labels)
        try:
            statuses = [InstanceStatus.from_proto(s) for s in request.statuses]
        except KeyError as exc:
            raise InvalidArgument.one("statuses", "contains an unknown status") from exc
        where = ListFilter(
            project=project,
            statuses=statuses,
            owner=request.owner,
            create_time_start=validation.time_or_none(request, "create_time_start"),
            create_time_end=validation.time_or_none(request, "create_time_end"),
            labels=dict(request.labels),
            successful=request.successful if request.HasField("successful") else None,
            exclude_sub_instances=request.exclude_sub_instances,
        )
        instances, token = await self.instances.list_instances(where, page_size, request.page_token)
        return pb.ListInstancesResponse(
            instances=[convert.instance_proto(i) for i in instances], next_page_token=token
        )

    async def StopInstance(self, request: pb.StopInstanceRequest, context: Context) -> bytes:
        try:
            return await self._stop(request, context)
        except Elsewhere as elsewhere:
            return await self._forward("StopInstance", request, context, elsewhere)

    async def _stop(self, request: pb.StopInstanceRequest, context: Context) -> bytes:
        project, instance_id = ids.parse_instance_name(request.name)
        principal = self._writer(context, project)
        reason, grace = validation.cancellation(request)
        if len(request.request_id) > 256:
            raise InvalidArgument.one("request_id", "at most 256 characters")
        return await self.instances.stop(
            project,
            instance_id,
            _stop_response,
            reason=reason,
            message=request.message,
            requested_by=principal.name,
            grace_period=grace,
            request_id=request.request_id,
            request_fingerprint=idempotency.fingerprint(request, principal.name)
            if request.request_id
            else "",
        )

    async def CancelTask(self, request: pb.CancelTaskRequest, context: Context) -> Any:
        project, instance_id, task_name = ids.parse_task_name(request.name)
        principal = self._writer(context, project)
        reason, grace = validation.cancellation(request)
        try:
            instance = await self.instances.cancel_task(
                project,
                instance_id,
                task_name,
                _instance_message,
                reason=reason,
                message=request.message,
                requested_by=principal.name,
                grace_period=grace,
            )
        except Elsewhere as elsewhere:
            return await self._forward("CancelTask", request, context, elsewhere)
        return pb.CancelTaskResponse(instance=instance)

    async def DeleteInstance(self, request: pb.DeleteInstanceRequest, context: Context) -> Any:
        project, instance_id = ids.parse_instance_name(request.name)
        self._writer(context, project)
        try:
            deleted = await self.instances.delete(project, instance_id)
        except Elsewhere as elsewhere:
            return await self._forward("DeleteInstance", request, context, elsewhere)
        return pb.DeleteInstanceResponse(delete_time=convert.timestamp(deleted))

    async def SuspendInstance(self, request: pb.SuspendInstanceRequest, context: Context) -> Any:
        project, instance_id = ids.parse_instance_name(request.name)
        self._writer(context, project)
        try:
            instance = await self.instances.suspend(project, instance_id, _instance_message)
        except Elsewhere as elsewhere:
            return await self._forward("SuspendInstance", request, context, elsewhere)
        return pb.SuspendInstanceResponse(instance=instance)

    async def ResumeInstance(self, request: pb.ResumeInstanceRequest, context: Context) -> Any:
        project, instance_id = ids.parse_instance_name(request.name)
        self._writer(context, project)
        try:
            instance = await self.instances.resume(project, instance_id, _instance_message)
        except Elsewhere as elsewhere:
            return await self._forward("ResumeInstance", request, context, elsewhere)
        return pb.ResumeInstanceResponse(instance=instance)

    async def WaitInstance(
        self, request: pb.WaitInstanceRequest, context: Context
    ) -> pb.WaitInstanceResponse:
        project, instance_id = ids.parse_instance_name(request.name)
        principal = self._reader(context, project)
        with self.streams.hold(principal.name):
            (instance,), terminated = await self.instances.wait_many(
                [(project, instance_id)],
                _instance_message,
                any_of=False,
                timeout=wait_timeout(request, context),
            )
        return pb.WaitInstanceResponse(instance=instance, terminated=terminated)

    async def WaitInstances(
        self, request: pb.WaitInstancesRequest, context: Context
    ) -> pb.WaitInstancesResponse:
        refs = validation.wait_names(request)
        principal = self._principal(context)
        for project in sorted({project for project, _ in refs}):
            auth.require_read(principal, project)
        if request.mode not in (pb.WAIT_MODE_UNSPECIFIED, pb.WAIT_MODE_ALL, pb.WAIT_MODE_ANY):
            raise InvalidArgument.one("mode", f"unknown mode {request.mode}")
        with self.streams.hold(principal.name):
            instances, done = await self.instances.wait_many(
                refs,
                _instance_message,
                any_of=request.mode == pb.WAIT_MODE_ANY,
                timeout=wait_timeout(request, context),
            )
        return pb.WaitInstancesResponse(instances=instances, done=done)

    async def WatchInstance(self, request: pb.WatchInstanceRequest, context: Context) -> None:
        watch_request = validation.watch(request)
        principal = self._reader(context, watch_request.project)
        items = watch.watch(self.instances, self.core.hub, watch_request, watch_messages.snapshot)
        await self._stream_watch(context, principal.name, items, watch_messages.message, request.after_seq)

    async def WatchInstances(self, request: pb.WatchInstancesRequest, context: Context) -> None:
        watch_request = validation.watch_project(request)
        principal = self._reader(context, watch_request.project)
        items = project_watch.watch_project(self.core.store.reader, self.core.projects, _CODEC, watch_request)
        await self._stream_watch(
            context, principal.name, items, project_watch_messages.message, request.after_seq
        )

    async def _stream_watch(
        self,
        context: Context,
        principal: str,
        items: AsyncGenerator[tuple[W, int], None],
        message_of: Callable[[W], Any],
        cursor: int,
    ) -> None:
        """Writes a watch's items with their cursors; a watcher that reads nothing for the stall time is
        ended with CONSUMER_TOO_SLOW, naming the cursor to resume after."""

        def too_slow() -> ResourceExhausted:
            stalled = (
                f"the watcher read nothing for {self.stall_seconds:g} seconds; resume after seq {cursor}"
            )
            return ResourceExhausted("CONSUMER_TOO_SLOW", stalled, {"resume_after_seq": str(cursor)})

        guard = StallGuard(self.stall_seconds)  # one per stream, not a timer per message
        with self.streams.hold(principal):
            try:
                async for item, next_cursor in items:
                    if not await self._write(context, message_of(item), guard, too_slow):
                        return
                    cursor = next_cursor
            finally:
                guard.close()
                await items.aclose()

    async def ReadTaskOutput(self, request: pb.ReadTaskOutputRequest, context: Context) -> None:
        project, instance_id = ids.parse_instance_name(request.instance, "instance")
        principal = self._reader(context, project)
        stream = validation.output_stream(request)
        chunks = task_output.read_output(
            self.instances,
            self.core.hub,
            project,
            instance_id,
            request.task,
            stream,
            request.offset,
            request.follow,
            request.attempt,
        )
        # Only a follow stays open for long, so only a follow counts as a stream.
        with self.streams.hold(principal.name) if request.follow else contextlib.nullcontext():
            await self._send_output(context, chunks)

    async def _send_output(self, context: Context, chunks: AsyncIterator[task_output.OutputChunk]) -> None:
        async for chunk in chunks:
            message = pb.ReadTaskOutputResponse(
                offset=chunk.offset, data=chunk.data, cut_bytes=chunk.cut_bytes
            )
            stalled = (
                f"the reader read nothing for {self.stall_seconds:g} seconds; resume at offset {chunk.offset}"
            )
            if not await self._send(context, message, stalled, {"resume_offset": str(chunk.offset)}):
                return

    async def _send(self, context: Context, message: Any, stalled: str, resume: dict[str, str]) -> bool:
        """Writes one message of a stream; False when the caller went away.

        Written with a limit (a generator could not be), so a reader that stopped reading is let go
        with RESOURCE_EXHAUSTED CONSUMER_TOO_SLOW and where to resume.
        """
        guard = StallGuard(self.stall_seconds)
        try:
            return await self._write(
                context, message, guard, lambda: ResourceExhausted("CONSUMER_TOO_SLOW", stalled, resume)
            )
        finally:
            guard.close()

    @staticmethod
    async def _write(
        context: Context, message: Any, guard: StallGuard, too_slow: Callable[[], ResourceExhausted]
    ) -> bool:
        """``_send`` with the stream's own guard and its error built only when needed."""
        guard.begin()
        try:
            await context.write(message)
        except asyncio.CancelledError:
            if guard.tripped():
                raise too_slow() from None
            raise
        except Exception:
            if context.cancelled() or context.done():
                return False  # the caller cancelled or disconnected; nobody is left to tell
            raise
        finally:
            guard.end()
        return True

    async def GetTaskResult(
        self, request: pb.GetTaskResultRequest, context: Context
    ) -> pb.GetTaskResultResponse:
        project, instance_id = ids.parse_instance_name(request.instance, "instance")
        self._reader(context, project)
        instance, outcome = await self.instances.task_outcome(project, instance_id, request.task)
        response = pb.GetTaskResultResponse(
            task=convert.outcome_task_proto(outcome, instance),
            stdout=outcome.stdout.data,
            stderr=outcome.stderr.data,
        )
        if outcome.result:
            response.result.ParseFromString(outcome.result)
        return response

    async def ListTaskTypes(
        self, request: pb.ListTaskTypesRequest, context: Context
    ) -> pb.ListTaskTypesResponse:
        self._principal(context)
        types = self.core.task_types()
        return pb.ListTaskTypesResponse(
            task_types=[
                instance_pb2.TaskType(name=name, description=description, worker_count=count)
                for name, (description, count) in sorted(types.items())
            ]
        )

    async def ListSubInstances(
        self, request: pb.ListSubInstancesRequest, context: Context
    ) -> pb.ListSubInstancesResponse:
        project, instance_id = ids.parse_instance_name(request.parent, "parent")
        self._reader(context, project)
        page_size = validation.page_size(request.page_size, default=100, maximum=1000)
        subs, token, seq = await workflows.list_sub_instances(
            self.instances, project, instance_id, page_size, request.page_token
        )
        return pb.ListSubInstancesResponse(
            sub_instances=[
                pb.SubInstance(
                    name=sub.name,
                    task=sub.task,
                    instance=convert.instance_proto(sub.instance),
                    workflow=sub.workflow,
                )
                for sub in subs
            ],
            next_page_token=token,
            seq=seq,
        )

    async def ListTaskResultRows(
        self, request: pb.ListTaskResultRowsRequest, context: Context
    ) -> pb.ListTaskResultRowsResponse:
        project, instance_id = ids.parse_instance_name(request.instance, "instance")
        self._reader(context, project)
        page_size = validation.page_size(request.page_size, default=1000, maximum=10_000)
        _, outcome = await self.instances.task_outcome(project, instance_id, request.task)
        page = result_rows.page(outcome, page_size, request.page_token)
        return pb.ListTaskResultRowsResponse(
            columns=page.columns, rows=page.rows, next_page_token=page.next_page_token
        )

    async def PutTaskInfo(self, request: pb.PutTaskInfoRequest, context: Context) -> Any:
        ref = task_info_requests.task_ref(request.name)
        self._writer(context, ref.project)
        key, value = task_info_requests.put_entry(request)
        try:
            await task_info.put(self.instances, ref.project, ref.instance_id, ref.task, key, value)
        except Elsewhere as elsewhere:
            return await self._forward("PutTaskInfo", request, context, elsewhere)
        return pb.PutTaskInfoResponse()

    async def GetTaskInfo(self, request: pb.GetTaskInfoRequest, context: Context) -> pb.GetTaskInfoResponse:
        ref = task_info_requests.task_ref(request.name)
        self._reader(context, ref.project)
        keys = task_info_requests.read_keys(request)
        info = await task_info.get(self.instances, ref.project, ref.instance_id, ref.task, keys)
        return pb.GetTaskInfoResponse(info=info)

    async def GetQueueingInfo(self, request: pb.GetQueueingInfoRequest, context: Context) -> Any:
        project, instance_id = ids.parse_instance_name(request.name)
        self._reader(context, project)
        page_size = validation.page_size(request.page_size, default=1000, maximum=10_000)
        try:
            info = await queueing.queueing_info(
                self.instances, project, instance_id, page_size, request.page_token
            )
        except Elsewhere as elsewhere:
            return await self._forward("GetQueueingInfo", request, context, elsewhere)
        return queueing_messages.response(info)

    async def GetLogviewAddress(
        self, request: pb.GetLogviewAddressRequest, context: Context
    ) -> pb.GetLogviewAddressResponse:
        project, instance_id = ids.parse_instance_name(request.name)
        self._reader(context, project)
        hours = request.hours if request.HasField("hours") else DEFAULT_HOURS
        if not 0 < hours <= MAX_HOURS:
            raise InvalidArgument.one("hours", f"must be 1 to {MAX_HOURS}, got {hours}")
        await self.instances.current(project, instance_id)
        if self.logview is None:
            raise FailedPrecondition("LOGVIEW_DISABLED", "this server serves no Logview pages")
        url, expires = self.logview.address(project, instance_id, hours)
        return pb.GetLogviewAddressResponse(url=url, expire_time=convert.timestamp(expires))
