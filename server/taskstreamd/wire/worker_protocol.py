"""WorkerService messages to the core's worker messages and back (domain.worker_messages)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.domain.cost import TaskCost
from taskstreamd.domain.model import TaskFailure
from taskstreamd.domain.vocabulary import TaskStatus
from taskstreamd.domain.worker_messages import (
    Assignment,
    Cancel,
    Command,
    Drop,
    Finished,
    Heartbeat,
    OutputReported,
    Paused,
    ProgressReported,
    PropertyReported,
    Registration,
    Report,
    Resume,
    Started,
    Suspend,
    TakeBack,
    TakenBack,
)
from taskstreamd.errors import InvalidArgument
from taskstreamd.wire import convert

# The most one batch to a worker carries: a bigger message goes alone, and a worker's receive limit
# (4 MiB by default) is never near.
MAX_BATCH_BYTES = 1024 * 1024
# Kinds a worker's batch may not hold: batches do not nest, and registration comes first, alone.
_NOT_IN_A_BATCH = frozenset({"batch", "register"})


def registration(message: wpb.RegisterWorker) -> Registration:
    if message.slots < 1:
        raise InvalidArgument.one("register.slots", "a worker needs at least one slot")
    return Registration(
        name=message.worker_name,
        slots=message.slots,
        task_types={t.name: t.description for t in message.task_types},
        accepts_python_objects=message.accepts_python_objects,
        labels=dict(message.labels),
        gives_back=message.gives_back_unstarted_tasks,
        accepts_batches=message.accepts_batches,
    )


def registered(worker_id: str, max_output_bytes: int, heartbeat: float, lease: float) -> wpb.ConnectResponse:
    answer = wpb.WorkerRegistered(
        worker_id=worker_id, max_output_bytes=max_output_bytes, accepts_batches=True
    )
    answer.heartbeat_interval.FromTimedelta(timedelta(seconds=heartbeat))
    answer.lease_duration.FromTimedelta(timedelta(seconds=lease))
    return wpb.ConnectResponse(registered=answer)


def reports(message: wpb.ConnectRequest) -> list[Report]:
    """The reports one message carries (several in a batch), in order; InvalidArgument for a batch that
    holds a batch or a register (registration is only ever a session's first message)."""
    kind = message.WhichOneof("message")
    if kind == "batch":
        found: list[Report] = []
        for i, inner in enumerate(message.batch.messages):
            inner_kind = inner.WhichOneof("message")
            if inner_kind in _NOT_IN_A_BATCH:
                raise InvalidArgument.one(
                    f"batch.messages[{i}]", f"a batch cannot hold a {inner_kind} message"
                )
            report = _report(inner, inner_kind)
            if report is not None:
                found.append(report)
        return found
    report = _report(message, kind)
    return [] if report is None else [report]


def _report(message: wpb.ConnectRequest, kind: str | None) -> Report | None:
    if kind == "finished":
        f = message.finished
        error = None
        if f.HasField("error"):
            e = f.error
            error = TaskFailure(e.type, e.message, e.traceback, e.pickled_exception)
        return Finished(
            f.assignment_id,
            TaskStatus.from_proto(f.status),
            f.result.SerializeToString() if f.HasField("result") else None,
            error,
            f.stdout_bytes,
            f.stderr_bytes,
            f.started,
            TaskCost.reported(f.cost.cpu_seconds, f.cost.memory_peak_bytes) if f.HasField("cost") else None,
        )
    if kind == "progress":
        return ProgressReported(message.progress.assignment_id, message.progress.progress.SerializeToString())
    if kind == "output":
        o = message.output
        return OutputReported(o.assignment_id, int(o.stream), o.offset, o.data)
    if kind == "property":
        p = message.property
        return PropertyReported(p.assignment_id, p.key, p.value.SerializeToString())
    if kind == "started":
        return Started(message.started.assignment_id)
    if kind == "heartbeat":
        return Heartbeat()
    if kind == "taken_back":
        return TakenBack(message.taken_back.assignment_id, message.taken_back.taken_back)
    if kind == "paused":
        return Paused(message.paused.assignment_id, message.paused.paused)
    return None  # a message newer than this server, or a second register: nothing to do


def response(commands: Sequence[Command], *, batches: bool) -> list[wpb.ConnectResponse]:
    """The messages that carry ``commands``, in order: to a worker that takes batches, as few as
    MAX_BATCH_BYTES allows (a lone message unwrapped); to others, one each."""
    messages = [command_message(c) for c in commands]
    if not batches or len(messages) < 2:
        return messages
    packed: list[wpb.ConnectResponse] = []
    group: list[wpb.ConnectResponse] = []
    size = 0
    for message in messages:
        length = message.ByteSize()
        if group and size + length > MAX_BATCH_BYTES:
            packed.append(_batch_of(group))
            group, size = [], 0
        group.append(message)
        size += length
    packed.append(_batch_of(group))
    return packed


def _batch_of(group: list[wpb.ConnectResponse]) -> wpb.ConnectResponse:
    if len(group) == 1:
        return group[0]
    return wpb.ConnectResponse(batch=wpb.ConnectResponseBatch(messages=group))


def command_message(command: Command) -> wpb.ConnectResponse:
    if isinstance(command, Assignment):
        assignment = wpb.TaskAssignment(
            assignment_id=command.assignment_id,
            instance=f"projects/{command.project}/instances/{command.instance_id}",
            task=command.task_name,
            type=command.type,
            parameters_json=command.parameters_json,
            python_object=command.python_object,
            python_environment=command.python_environment,
            attempt=command.attempt,
            task_token=command.task_token,
            traceparent=command.traceparent,
            tracestate=command.tracestate,
        )
        if command.timeout:
            assignment.timeout.FromTimedelta(timedelta(seconds=command.timeout))
        for name, result in command.dependency_results.items():
            assignment.dependency_results[name].ParseFromString(result)
        return wpb.ConnectResponse(assignment=assignment)
    if isinstance(command, Cancel):
        c = command.cancellation
        cancellation = task_pb2.Cancellation(
            reason=c.reason.to_proto(),  # type: ignore[arg-type]
            message=c.message,
            requested_by=c.requested_by,
        )
        convert.set_timestamp(cancellation.request_time, c.request_time)
        cancel = wpb.CancelTask(assignment_id=command.assignment_id, cancellation=cancellation)
        cancel.grace_period.FromTimedelta(timedelta(seconds=command.grace_period))
        return wpb.ConnectResponse(cancel=cancel)
    if isinstance(command, Suspend):
        return wpb.ConnectResponse(suspend=wpb.SuspendTask(assignment_id=command.assignment_id))
    if isinstance(command, Resume):
        return wpb.ConnectResponse(resume=wpb.ResumeTask(assignment_id=command.assignment_id))
    if isinstance(command, Drop):
        return wpb.ConnectResponse(
            drop=wpb.DropTask(assignment_id=command.assignment_id, reason=command.reason)
        )
    assert isinstance(command, TakeBack)
    return wpb.ConnectResponse(take_back=wpb.TakeBackTask(assignment_id=command.assignment_id))


# -- the other direction, for calls between replicas (core.relay) ---------------------------------------


def registration_message(registration: Registration) -> wpb.RegisterWorker:
    return wpb.RegisterWorker(
        worker_name=registration.name,
        slots=registration.slots,
        task_types=[wpb.WorkerTaskType(name=n, description=d) for n, d in registration.task_types.items()],
        accepts_python_objects=registration.accepts_python_objects,
        labels=registration.labels,
        gives_back_unstarted_tasks=registration.gives_back,
        accepts_batches=registration.accepts_batches,
    )


def assignment_of(message: wpb.TaskAssignment) -> Assignment:
    project, _, rest = message.instance.removeprefix("projects/").partition("/instances/")
    timeout = message.timeout.ToTimedelta().total_seconds() if message.HasField("timeout") else None
    return Assignment(
        assignment_id=message.assignment_id,
        attempt=message.attempt,
        project=project,
        instance_id=rest,
        task_name=message.task,
        type=message.type,
        parameters_json=message.parameters_json,
        python_object=message.python_object,
        python_environment=message.python_environment,
        timeout=timeout or None,
        task_token=message.task_token,
        dependency_results={k: v.SerializeToString() for k, v in message.dependency_results.items()},
        traceparent=message.traceparent,
        tracestate=message.tracestate,
    )


def report_message(report: Report) -> wpb.ConnectRequest:
    if isinstance(report, Finished):
        finished = wpb.TaskFinished(
            assignment_id=report.assignment_id,
            status=report.status.to_proto(),
            stdout_bytes=report.stdout_bytes,
            stderr_bytes=report.stderr_bytes,
            started=report.started,
        )
        if report.cost is not None:
            finished.cost.cpu_seconds = report.cost.cpu_seconds
            finished.cost.memory_peak_bytes = report.cost.memory_peak_bytes
        if report.result is not None:
            finished.result.ParseFromString(report.result)
        if report.error is not None:
            e = report.error
            finished.error.CopyFrom(
                task_pb2.TaskError(
                    type=e.type,
                    message=e.message,
                    traceback=e.traceback,
                    pickled_exception=e.pickled_exception,
                )
            )
        return wpb.ConnectRequest(finished=finished)
    if isinstance(report, ProgressReported):
        progress = wpb.TaskProgressReport(assignment_id=report.assignment_id)
        progress.progress.ParseFromString(report.progress)
        return wpb.ConnectRequest(progress=progress)
    if isinstance(report, OutputReported):
        return wpb.ConnectRequest(
            output=wpb.TaskOutputChunk(
                assignment_id=report.assignment_id,
                stream=report.stream,  # type: ignore[arg-type]
                offset=report.offset,
                data=report.data,
            )
        )
    if isinstance(report, PropertyReported):
        prop = wpb.TaskPropertySet(assignment_id=report.assignment_id, key=report.key)
        prop.value.ParseFromString(report.value)
        return wpb.ConnectRequest(property=prop)
    if isinstance(report, Started):
        return wpb.ConnectRequest(started=wpb.TaskStarted(assignment_id=report.assignment_id))
    if isinstance(report, TakenBack):
        return wpb.ConnectRequest(
            taken_back=wpb.TaskTakenBack(assignment_id=report.assignment_id, taken_back=report.taken_back)
        )
    if isinstance(report, Paused):
        return wpb.ConnectRequest(
            paused=wpb.TaskPaused(assignment_id=report.assignment_id, paused=report.paused)
        )
    return wpb.ConnectRequest(heartbeat=wpb.WorkerHeartbeat())


def command_of(message: wpb.ConnectResponse) -> Command | None:
    kind = message.WhichOneof("message")
    if kind == "assignment":
        return assignment_of(message.assignment)
    if kind == "cancel":
        c = message.cancel
        grace = c.grace_period.ToTimedelta().total_seconds() if c.HasField("grace_period") else 0.0
        return Cancel(c.assignment_id, convert.cancellation_of(c.cancellation), grace)
    if kind == "suspend":
        return Suspend(message.suspend.assignment_id)
    if kind == "resume":
        return Resume(message.resume.assignment_id)
    if kind == "drop":
        return Drop(message.drop.assignment_id, message.drop.reason)
    if kind == "take_back":
        return TakeBack(message.take_back.assignment_id)
    return None
