"""Counts every gRPC call by method and final status code, times it, and tracks open streams.

It sits outside the ErrorInterceptor, so it sees the code a call really ended with: OK, the code of a
deliberate abort, or CANCELLED when the caller went away.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc

from taskstreamd.api.wrapping import Handler, WrappingInterceptor
from taskstreamd.metrics import Metrics

Context = grpc.aio.ServicerContext[Any, Any]


def _code_of(context: Context, exc: BaseException | None) -> str:
    if exc is None:
        code = context.code()
        return code.name if isinstance(code, grpc.StatusCode) else "OK"
    if isinstance(exc, asyncio.CancelledError | GeneratorExit):  # the caller cancelled or went away
        return "CANCELLED"
    code = context.code()
    return code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"


class MetricsInterceptor(WrappingInterceptor):
    metrics: Metrics  # given to the constructor, or to attach() when the server is built before its metrics

    def __init__(self, metrics: Metrics | None = None) -> None:
        super().__init__()
        if metrics is not None:
            self.metrics = metrics
        # Label children made once per method and code, instead of looked up per call.
        self._counters: dict[tuple[str, str], Any] = {}
        self._timers: dict[str, Any] = {}

    def attach(self, metrics: Metrics) -> None:
        """The metrics to record in; before the server answers its first call."""
        self.metrics = metrics

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
                else self._unary(method, behavior, streaming=True)
            )
            return grpc.unary_stream_rpc_method_handler(wrapped, **kwargs)
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(
                self._stream(method, handler.stream_stream), **kwargs
            )
        return handler  # stream-unary: this server has none

    def _record(self, method: str, started: float, context: Context, exc: BaseException | None) -> None:
        key = (method, _code_of(context, exc))
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self.metrics.rpcs.labels(*key)
        counter.inc()
        timer = self._timers.get(method)
        if timer is None:
            timer = self._timers[method] = self.metrics.rpc_seconds.labels(method)
        timer.observe(time.perf_counter() - started)

    def _unary(self, method: str, behavior: Any, *, streaming: bool = False) -> Any:
        open_streams = self.metrics.open_streams.labels(method)

        async def wrapped(request: Any, context: Context) -> Any:
            started = time.perf_counter()
            if streaming:
                open_streams.inc()
            failure: BaseException | None = None
            try:
                return await behavior(request, context)
            except BaseException as exc:
                failure = exc
                raise
            finally:
                if streaming:
                    open_streams.dec()
                self._record(method, started, context, failure)

        return wrapped

    def _stream(self, method: str, behavior: Any) -> Any:
        open_streams = self.metrics.open_streams.labels(method)

        async def wrapped(request: Any, context: Context) -> AsyncIterator[Any]:
            started = time.perf_counter()
            open_streams.inc()
            failure: BaseException | None = None
            try:
                async for response in behavior(request, context):
                    yield response
            except BaseException as exc:
                failure = exc
                raise
            finally:
                open_streams.dec()
                self._record(method, started, context, failure)

        return wrapped
