"""Supervisor side: the ConnectRequests a slot sends about its tasks, and the ids its log records carry."""

from __future__ import annotations

from taskstream.v1 import task_pb2, worker_service_pb2

from .output import Chunk


def finished(
    assignment_id: str,
    status: task_pb2.TaskStatus,
    *,
    result: bytes | None = None,
    error: task_pb2.TaskError | bytes | None = None,
    stdout_bytes: int = 0,
    stderr_bytes: int = 0,
    started: bool = False,
    cost: tuple[float, int] | None = None,
) -> worker_service_pb2.ConnectRequest:
    """A TaskFinished; ``result`` and an ``error`` from the child come serialized: parsed in place, not
    copied. ``cost``: CPU seconds and peak memory bytes, when the task's process measured them."""
    request = worker_service_pb2.ConnectRequest()
    done = request.finished
    done.assignment_id = assignment_id
    done.status = status
    if result is not None:
        done.result.ParseFromString(result)
    if isinstance(error, bytes):
        done.error.ParseFromString(error)
    elif error is not None:
        done.error.CopyFrom(error)
    done.stdout_bytes = stdout_bytes
    done.stderr_bytes = stderr_bytes
    done.started = started
    if cost is not None:
        measured = done.cost
        measured.cpu_seconds, measured.memory_peak_bytes = cost
    return request


def started(assignment_id: str) -> worker_service_pb2.ConnectRequest:
    return worker_service_pb2.ConnectRequest(
        started=worker_service_pb2.TaskStarted(assignment_id=assignment_id)
    )


def paused(assignment_id: str, is_paused: bool) -> worker_service_pb2.ConnectRequest:
    report = worker_service_pb2.TaskPaused(assignment_id=assignment_id, paused=is_paused)
    return worker_service_pb2.ConnectRequest(paused=report)


def progress(assignment_id: str, value: task_pb2.Progress) -> worker_service_pb2.ConnectRequest:
    report = worker_service_pb2.TaskProgressReport(assignment_id=assignment_id, progress=value)
    return worker_service_pb2.ConnectRequest(progress=report)


def property_set(
    assignment_id: str, key: str, value: task_pb2.PropertyValue
) -> worker_service_pb2.ConnectRequest:
    report = worker_service_pb2.TaskPropertySet(assignment_id=assignment_id, key=key, value=value)
    return worker_service_pb2.ConnectRequest(property=report)


def output(
    assignment_id: str, stream: task_pb2.OutputStream, chunks: list[Chunk]
) -> list[worker_service_pb2.ConnectRequest]:
    return [
        worker_service_pb2.ConnectRequest(
            output=worker_service_pb2.TaskOutputChunk(
                assignment_id=assignment_id, stream=stream, offset=offset, data=data
            )
        )
        for offset, data in chunks
    ]


def ids(assignment: worker_service_pb2.TaskAssignment) -> dict[str, str]:
    """The ids a log record about a task carries (JSON logs show them as fields)."""
    return {
        "instance": assignment.instance,
        "task": assignment.task,
        "assignment_id": assignment.assignment_id,
    }
