"""A server span for every gRPC call (with ``--tracing``), continuing the caller's W3C trace context.

It is the outermost interceptor, so a span covers the whole call and ends with the status code the call
really ended with. A unary call's span is the current span while its handler runs (CreateInstance keeps
its context with the new instance; a forwarded call passes it on); a stream's span is not made current,
since a stream's generator may be resumed in other contexts.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from typing import Any

import grpc

from taskstreamd import tracing
from taskstreamd.api.wrapping import Handler, WrappingInterceptor

Context = grpc.aio.ServicerContext[Any, Any]


class TracingInterceptor(WrappingInterceptor):
    def __init__(self) -> None:
        super().__init__()
        from opentelemetry import trace

        self._trace = trace
        self._tracer = trace.get_tracer("taskstreamd")

    def wrap(self, method: str, handler: Handler) -> Handler:
        kwargs = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(self._unary(method, handler.unary_unary), **kwargs)
        if handler.unary_stream is not None:
            behavior = handler.unary_stream
            wrapped = (
                self._stream(method, behavior)
                if inspect.isasyncgenfunction(behavior)
                else self._unary(method, behavior)
            )
            return grpc.unary_stream_rpc_method_handler(wrapped, **kwargs)
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(
                self._stream(method, handler.stream_stream), **kwargs
            )
        return handler  # stream-unary: this server has none

    def _start(self, method: str, context: Context) -> Any:
        service, _, name = method.lstrip("/").rpartition("/")
        parent = tracing.context_of(tracing.headers_of(context.invocation_metadata()))
        return self._tracer.start_span(
            method.lstrip("/"),
            context=parent,
            kind=self._trace.SpanKind.SERVER,
            attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": name},
        )

    def _end(self, span: Any, context: Context, failure: BaseException | None) -> None:
        if isinstance(failure, asyncio.CancelledError | GeneratorExit):
            code = "CANCELLED"
        else:
            status = context.code()
            code = (
                status.name
                if isinstance(status, grpc.StatusCode)
                else ("OK" if failure is None else "UNKNOWN")
            )
        span.set_attribute("rpc.grpc.status_code", getattr(grpc.StatusCode, code).value[0])
        if code != "OK":
            description = context.details() if failure is None or code != "UNKNOWN" else repr(failure)
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, f"{code}: {description or ''}"))
        span.end()

    def _unary(self, method: str, behavior: Any) -> Any:
        async def wrapped(request: Any, context: Context) -> Any:
            span = self._start(method, context)
            failure: BaseException | None = None
            try:
                with self._trace.use_span(span, end_on_exit=False, record_exception=False):
                    return await behavior(request, context)
            except BaseException as exc:
                failure = exc
                raise
            finally:
                self._end(span, context, failure)

        return wrapped

    def _stream(self, method: str, behavior: Any) -> Any:
        async def wrapped(request: Any, context: Context) -> AsyncIterator[Any]:
            span = self._start(method, context)
            failure: BaseException | None = None
            try:
                async for response in behavior(request, context):
                    yield response
            except BaseException as exc:
                failure = exc
                raise
            finally:
                self._end(span, context, failure)

        return wrapped
