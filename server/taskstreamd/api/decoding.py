"""Turns request bytes that are not a valid message into INVALID_ARGUMENT instead of grpc's UNKNOWN.

grpc decodes a request before any handler runs and reports a decoding failure as UNKNOWN. Here the
decoder returns a marker instead, and the handler wrapper raises InvalidArgument for it, which the
ErrorInterceptor (outside this one) maps to a status with a BadRequest detail.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from taskstreamd.errors import InvalidArgument


@dataclass(frozen=True)
class Malformed:
    reason: str


def _problem(reason: str) -> InvalidArgument:
    return InvalidArgument.one("request", f"not a valid message of this method: {reason}")


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    decode = deserializer

    def tolerant(data: bytes) -> Any:
        try:
            return decode(data)
        except (DecodeError, ValueError, RuntimeError) as exc:
            return Malformed(str(exc) or type(exc).__name__)

    return tolerant


def _checked(request: Any) -> Any:
    if isinstance(request, Malformed):
        raise _problem(request.reason)
    return request


async def _checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        yield _checked(request)


class DecodingInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        kwargs = {
            "request_deserializer": _tolerant(handler.request_deserializer),
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary is not None:
            unary = handler.unary_unary

            async def unary_unary(request: Any, context: Any) -> Any:
                return await unary(_checked(request), context)

            return grpc.unary_unary_rpc_method_handler(unary_unary, **kwargs)
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(_unary_stream(handler.unary_stream), **kwargs)
        if handler.stream_stream is not None:
            bidi: Any = handler.stream_stream  # typed for sync servers; here it is an async generator

            async def stream_stream(requests: AsyncIterator[Any], context: Any) -> AsyncIterator[Any]:
                async for response in bidi(_checked_stream(requests), context):
                    yield response

            return grpc.stream_stream_rpc_method_handler(stream_stream, **kwargs)
        return handler


def _unary_stream(behavior: Any) -> Any:
    """Keeps the handler's shape: an async generator stays one, a coroutine (writing with
    context.write) stays a coroutine, since the interceptors outside tell them apart."""
    if inspect.isasyncgenfunction(behavior):

        async def generator(request: Any, context: Any) -> AsyncIterator[Any]:
            async for response in behavior(_checked(request), context):
                yield response

        return generator

    async def coroutine(request: Any, context: Any) -> Any:
        return await behavior(_checked(request), context)

    return coroutine
