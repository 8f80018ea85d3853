"""Maps domain errors to gRPC statuses with google.rpc details, and hides unexpected errors.

It also lets a handler send a response it serialized in advance (bytes), and turns request bytes that are
not a valid message into INVALID_ARGUMENT (api/decoding.py) in the same wrapper.

A ServiceError becomes its status code with BadRequest / ResourceInfo / ErrorInfo details; anything else
becomes INTERNAL with an incident id that is also logged with the traceback, so no traceback reaches a caller.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from taskstreamd.api import decoding
from taskstreamd.api.limits import MAX_REPORTED_VIOLATIONS
from taskstreamd.api.wrapping import Handler, WrappingInterceptor
from taskstreamd.errors import (
    AlreadyExists,
    Expired,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    ServiceError,
    Unauthenticated,
    Unavailable,
)

log = logging.getLogger(__name__)
DOMAIN = "taskstream.dev"


def status_of(error: ServiceError) -> tuple[grpc.StatusCode, status_pb2.Status]:
    detail: Any
    extra: Any = None
    if isinstance(error, InvalidArgument):
        code = grpc.StatusCode.INVALID_ARGUMENT
        detail = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in error.violations[:MAX_REPORTED_VIOLATIONS]  # the trailer must stay small
            ]
        )
    elif isinstance(error, NotFound):
        code = grpc.StatusCode.NOT_FOUND
        detail = error_details_pb2.ResourceInfo(
            resource_type=error.resource_type, resource_name=error.resource_name, description=error.message
        )
        if isinstance(error, Expired):
            extra = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=error.metadata)
    elif isinstance(error, AlreadyExists):
        code = grpc.StatusCode.ALREADY_EXISTS
        detail = error_details_pb2.ResourceInfo(
            resource_type=error.resource_type, resource_name=error.resource_name, description=error.message
        )
    elif isinstance(error, FailedPrecondition):
        code = grpc.StatusCode.FAILED_PRECONDITION
        detail = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=error.metadata)
    elif isinstance(error, PermissionDenied):
        code = grpc.StatusCode.PERMISSION_DENIED
        detail = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN)
    elif isinstance(error, ResourceExhausted):
        code = grpc.StatusCode.RESOURCE_EXHAUSTED
        detail = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=error.metadata)
    elif isinstance(error, Unauthenticated):
        code = grpc.StatusCode.UNAUTHENTICATED
        detail = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN)
    elif isinstance(error, Unavailable):
        code, detail = grpc.StatusCode.UNAVAILABLE, None
    else:
        code, detail = grpc.StatusCode.INTERNAL, None
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=error.message)
    for item in (detail, extra):
        if item is not None:
            packed = any_pb2.Any()
            packed.Pack(item)
            status.details.append(packed)
    return code, status


async def _abort(context: grpc.aio.ServicerContext[Any, Any], exc: BaseException) -> None:
    if isinstance(exc, ServiceError):
        code, status = status_of(exc)
        await context.abort(
            code, status.message, trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),)
        )
    incident = uuid.uuid4().hex[:12]
    log.error("internal error, incident %s", incident, exc_info=exc)
    await context.abort(grpc.StatusCode.INTERNAL, f"internal server error (incident {incident})")


def _is_abort(exc: BaseException) -> bool:
    # context.abort raises this to end the call; it must pass through untouched.
    return isinstance(exc, grpc.aio.AbortError) or type(exc).__name__ == "AbortError"


class ErrorInterceptor(WrappingInterceptor):
    def wrap(self, method: str, handler: Handler) -> Handler:
        return _wrap_handler(handler)


def _wrap_handler(handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
    kwargs = {
        "request_deserializer": decoding.tolerant(handler.request_deserializer),
        "response_serializer": _passing_bytes(handler.response_serializer),
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(
            _wrap_unary(handler.unary_unary, decoding.checked), **kwargs
        )
    if handler.unary_stream is not None:
        behavior = handler.unary_stream
        wrap = _wrap_stream if inspect.isasyncgenfunction(behavior) else _wrap_unary
        return grpc.unary_stream_rpc_method_handler(wrap(behavior, decoding.checked), **kwargs)
    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(
            _wrap_stream(handler.stream_stream, decoding.checked_stream), **kwargs
        )
    return handler


def _passing_bytes(serializer: Callable[[Any], bytes] | None) -> Callable[[Any], bytes] | None:
    """Lets handlers send responses serialized in advance, such as a watch event encoded once for all."""
    if serializer is None:
        return None
    serialize = serializer

    def passing(message: Any) -> bytes:
        return message if isinstance(message, bytes) else serialize(message)

    return passing


def _wrap_unary(behavior: Any, check: Callable[[Any], Any]) -> Any:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await behavior(check(request), context)
        except Exception as exc:
            if _is_abort(exc):
                raise
            await _abort(context, exc)

    return wrapped


def _wrap_stream(behavior: Any, check: Callable[[Any], Any]) -> Any:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        try:
            async for response in behavior(check(request), context):
                yield response
        except Exception as exc:
            if _is_abort(exc):
                raise
            await _abort(context, exc)

    return wrapped
