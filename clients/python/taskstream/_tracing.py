"""OpenTelemetry trace context, when ``opentelemetry-api`` is installed (``taskstream[tracing]``).

The client sends the current span's W3C ``traceparent`` (and ``tracestate``) with every call, so that the
server's spans continue the caller's trace and the tasks it starts can join it. Without the package, or
without a current span, nothing is sent. Only the W3C trace context is sent, whatever propagators the
application configured, so no baggage leaves the process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

try:
    from opentelemetry import context as _context
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    _PROPAGATOR: Any = TraceContextTextMapPropagator()
except ImportError:  # tracing is optional
    _PROPAGATOR = None


def metadata() -> tuple[tuple[str, str], ...]:
    """gRPC metadata continuing the current trace; empty when there is none to continue."""
    if _PROPAGATOR is None:
        return ()
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return tuple((key, carrier[key]) for key in ("traceparent", "tracestate") if carrier.get(key))


def context_of(traceparent: str, tracestate: str = "") -> Any:
    """An OpenTelemetry Context continuing the trace ``traceparent`` names; None without one."""
    if _PROPAGATOR is None or not traceparent:
        return None
    carrier = {"traceparent": traceparent, **({"tracestate": tracestate} if tracestate else {})}
    return _PROPAGATOR.extract(carrier)


@contextlib.contextmanager
def attached(context: Any) -> Iterator[None]:
    """``context`` as the current OpenTelemetry context inside the block (nothing when it is None)."""
    if context is None:
        yield
        return
    token = _context.attach(context)
    try:
        yield
    finally:
        _context.detach(token)
