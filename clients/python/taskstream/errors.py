"""The exceptions the taskstream client raises.

Every error of the client derives from ``TaskstreamError``; a failed gRPC call never escapes as a raw
``grpc.RpcError`` but as the ``ApiError`` subclass of its status code::

    TaskstreamError
    ├── ApiError                    a call to the server failed; .code, .details, .reason
    │   ├── NotFoundError           NOT_FOUND: no such instance, task or schedule
    │   ├── AlreadyExistsError      ALREADY_EXISTS: a schedule id taken in the project
    │   ├── InvalidArgumentError    INVALID_ARGUMENT: a bad request; .field_violations
    │   ├── PermissionDeniedError   PERMISSION_DENIED
    │   ├── UnauthenticatedError    UNAUTHENTICATED
    │   ├── FailedPreconditionError FAILED_PRECONDITION, e.g. stopping a terminated instance
    │   │                           (PyODPS's name InvalidStateSetting is an alias)
    │   └── UnavailableError        UNAVAILABLE: the server cannot be reached
    ├── WaitTimeoutError            a wait ran out of time; also a built-in TimeoutError
    ├── InstanceFailedError         wait_for_success found a task that did not succeed
    └── JobStateError               a Job used in the wrong state; also a built-in RuntimeError

    RemoteTaskError                 stands in for a task's own exception that cannot be unpickled
                                    here; it is what the task raised, not an error of the client

Codes without a class of their own (DEADLINE_EXCEEDED, INTERNAL …) raise a plain ``ApiError``.
"""

from __future__ import annotations

import contextlib
from typing import Any, NamedTuple

import grpc
import grpc.aio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from taskstream.status import TaskStatus
from taskstream.values import RemoteTaskError

__all__ = [
    "ApiError",
    "FailedPreconditionError",
    "FieldViolation",
    "InstanceFailedError",
    "InvalidArgumentError",
    "InvalidStateSetting",
    "JobStateError",
    "NotFoundError",
    "PermissionDeniedError",
    "RemoteTaskError",
    "TaskstreamError",
    "UnauthenticatedError",
    "UnavailableError",
    "WaitTimeoutError",
]


class TaskstreamError(Exception):
    """The root of every error the taskstream client raises."""

    # Attributes that hold client objects (a channel underneath), left out when the error is pickled.
    _not_pickled: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments would be lost by Exception's default pickling.
        state = {key: value for key, value in self.__dict__.items() if key not in self._not_pickled}
        return (_restore, (type(self), self.args, state))


def _restore(cls: type[TaskstreamError], args: tuple[Any, ...], state: dict[str, Any]) -> TaskstreamError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(dict.fromkeys(cls._not_pickled), **state)
    return error


class ApiError(TaskstreamError):
    """A call to the server failed with a gRPC status other than OK.

    ``code`` is the ``grpc.StatusCode``, ``details`` the server's message, and ``reason`` / ``metadata``
    come from a ``google.rpc.ErrorInfo`` detail when the server sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode,
        details: str = "",
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details = details
        self.reason = reason
        self.metadata = dict(metadata or {})


class NotFoundError(ApiError):
    """The instance or task does not exist (NOT_FOUND)."""


class AlreadyExistsError(ApiError):
    """Something of that name exists already (ALREADY_EXISTS), e.g. a schedule id taken in the project."""


class FieldViolation(NamedTuple):
    """One invalid field of a request, from a ``google.rpc.BadRequest`` detail."""

    field: str
    description: str


class InvalidArgumentError(ApiError):
    """The server rejected the request (INVALID_ARGUMENT); ``field_violations`` says which fields."""

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT,
        details: str = "",
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
        field_violations: tuple[FieldViolation, ...] = (),
    ) -> None:
        super().__init__(message, code=code, details=details, reason=reason, metadata=metadata)
        self.field_violations = field_violations


class PermissionDeniedError(ApiError):
    """The caller may not do this (PERMISSION_DENIED), e.g. submit code to a server that forbids it."""


class UnauthenticatedError(ApiError):
    """The call carried no valid credentials (UNAUTHENTICATED)."""


class FailedPreconditionError(ApiError):
    """The instance is not in a state that allows the call (FAILED_PRECONDITION)."""


InvalidStateSetting = FailedPreconditionError
"""PyODPS's name for the error of stopping an instance that is already terminated."""


class UnavailableError(ApiError):
    """The server at ``target`` cannot be reached or is shutting down (UNAVAILABLE)."""

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE,
        details: str = "",
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
        target: str = "",
    ) -> None:
        super().__init__(message, code=code, details=details, reason=reason, metadata=metadata)
        self.target = target


class WaitTimeoutError(TaskstreamError, TimeoutError):
    """An instance did not terminate within the timeout given to a wait."""

    def __init__(self, message: str, *, instance_id: str, timeout: float | None = None) -> None:
        super().__init__(message)
        self.instance_id = instance_id
        self.timeout = timeout


class InstanceFailedError(TaskstreamError):
    """An instance terminated without every task succeeding; names the first task that did not.

    ``instance`` is the client's handle on the terminated instance (None once the error was pickled),
    ``error`` the task's decoded exception (a ``RemoteTaskError`` unless unpickling was asked for and
    worked) or None when the task has none, e.g. because it was cancelled.
    """

    _not_pickled = ("instance",)

    def __init__(
        self,
        message: str,
        *,
        instance_id: str,
        task_name: str,
        task_status: TaskStatus,
        error: BaseException | None = None,
        instance: Any = None,
    ) -> None:
        super().__init__(message)
        self.instance_id = instance_id
        self.task_name = task_name
        self.task_status = task_status
        self.error = error
        self.instance = instance


class JobStateError(TaskstreamError, RuntimeError):
    """A Job was used in the wrong state: changed or submitted after submit, or read before it."""


_API_ERRORS: dict[grpc.StatusCode, type[ApiError]] = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
}


def _from_rpc_error(error: grpc.RpcError, target: str) -> ApiError:
    """The ApiError for a failed call to ``target``, with the google.rpc.Status details it carried.

    Takes the errors of both the sync API (a ``grpc.Call``) and grpc.aio (an ``AioRpcError``).
    """
    if isinstance(error, grpc.Call | grpc.aio.AioRpcError):
        code, details = error.code(), error.details() or ""
    else:  # every RpcError gRPC raises is one of those; be safe anyway
        code, details = grpc.StatusCode.UNKNOWN, str(error)
    reason: str | None = None
    metadata: dict[str, str] = {}
    violations: list[FieldViolation] = []
    for detail in _status_details(error):
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations += [FieldViolation(v.field, v.description) for v in bad_request.field_violations]

    common: dict[str, Any] = {"code": code, "details": details, "reason": reason, "metadata": metadata}
    if code == grpc.StatusCode.UNAVAILABLE:
        message = f"taskstream server at {target} is unavailable: {details or code.name}"
        return UnavailableError(message, target=target, **common)
    message = details or f"{code.name} from taskstream server at {target}"
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        missing = [f"{v.field}: {v.description}" for v in violations if v.description not in message]
        if missing:
            message += " (" + "; ".join(missing) + ")"
        return InvalidArgumentError(message, field_violations=tuple(violations), **common)
    return _API_ERRORS.get(code, ApiError)(message, **common)


def _status_details(error: grpc.RpcError) -> list[Any]:
    """The google.protobuf.Any details of the call's google.rpc.Status, or none."""
    if not isinstance(error, grpc.Call | grpc.aio.AioRpcError):
        return []
    call: Any = error  # from_call reads code(), details() and trailing_metadata(), which both have
    status = None
    with contextlib.suppress(ValueError):  # a status proto that disagrees with the call is ignored
        status = rpc_status.from_call(call)
    return list(status.details) if status is not None else []
