"""The base of taskstreamd's call wrappers, and how they are put around each method's handler.

Each wrapper (errors, metrics, tracing) turns a method's handler into another. They are applied once per
method when the services are registered (``Wrapped``), not as grpc.aio server interceptors: an interceptor
runs a chain of coroutines for every call just to hand back the same handler, which costs a few per cent of
the server's CPU on a short call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import grpc

# A string: grpc.RpcMethodHandler is generic only in its type stubs.
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"
Generic: TypeAlias = "grpc.GenericRpcHandler[Any, Any]"


class WrappingInterceptor:
    """Turns a method's handler into the one to run instead (once per method, at registration)."""

    def wrap(self, method: str, handler: Handler) -> Handler:
        """The handler to run instead of ``handler`` for ``method``."""
        raise NotImplementedError


def wrap_all(wrappers: Sequence[WrappingInterceptor], method: str, handler: Handler) -> Handler:
    """``handler`` inside every wrapper, the first one outermost."""
    for wrapper in reversed(wrappers):
        handler = wrapper.wrap(method, handler)
    return handler


class _WrappedGeneric(grpc.GenericRpcHandler):  # type: ignore[type-arg]
    """A generic handler whose method handlers come wrapped (each wrapped once, on its first call)."""

    def __init__(self, inner: Generic, wrappers: Sequence[WrappingInterceptor]) -> None:
        self._inner = inner
        self._wrappers = wrappers
        self._wrapped: dict[str, tuple[Handler, Handler]] = {}  # method -> (handler, its wrapping)

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        handler = self._inner.service(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = wrap_all(self._wrappers, method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped


class Wrapped:
    """Stands for a grpc.aio server where services register (``add_..._to_server(servicer, Wrapped(...))``)
    and registers their handlers there inside ``wrappers``, the first one outermost."""

    def __init__(self, server: grpc.aio.Server, wrappers: Sequence[WrappingInterceptor]) -> None:
        self._server = server
        self._wrappers = tuple(wrappers)

    def add_generic_rpc_handlers(self, handlers: Sequence[Generic]) -> None:
        self._server.add_generic_rpc_handlers(tuple(_WrappedGeneric(h, self._wrappers) for h in handlers))

    def add_registered_method_handlers(self, service: str, handlers: Mapping[str, Handler]) -> None:
        self._server.add_registered_method_handlers(  # type: ignore[attr-defined]
            service, {name: wrap_all(self._wrappers, f"/{service}/{name}", h) for name, h in handlers.items()}
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)
