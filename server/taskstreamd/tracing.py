"""OpenTelemetry tracing, optional (``pip install 'taskstreamd[tracing]'``) and off unless ``--tracing``.

When on, every gRPC call gets a server span (api/tracing_interceptor.py) that continues the caller's trace
from its W3C ``traceparent`` metadata; CreateInstance keeps that span's context with the instance, and each
assignment of its tasks carries it to the worker (TaskAssignment.traceparent), so a task's own spans join
the caller's trace. A call one replica forwards to another carries it too.

The W3C headers come from callers: only a well-formed ``traceparent`` (and a ``tracestate`` of at most
MAX_TRACESTATE printable characters) is kept, so nothing else a caller sends is stored or passed on.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
MAX_TRACESTATE = 512  # W3C allows 32 members; anything longer is dropped, not stored
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
_TRACESTATE = re.compile(r"[\x20-\x7e]*")
SERVICE_NAME = "taskstreamd"

_owned_provider: Any = None  # the SDK provider setup() made, flushed by shutdown()


class TracingUnavailable(ValueError):
    """``--tracing`` without the tracing extra installed."""


def valid_traceparent(value: str) -> bool:
    """A W3C traceparent this server keeps: the version-00 layout, neither id all zeros, version not ff."""
    if not _TRACEPARENT.fullmatch(value):
        return False
    version, trace_id, span_id, _ = value.split("-")
    return version != "ff" and trace_id != "0" * 32 and span_id != "0" * 16


def clean(traceparent: str, tracestate: str) -> tuple[str, str]:
    """The pair as kept: both empty unless the traceparent is valid; a bad tracestate is dropped."""
    if not valid_traceparent(traceparent):
        return "", ""
    if len(tracestate) > MAX_TRACESTATE or not _TRACESTATE.fullmatch(tracestate):
        tracestate = ""
    return traceparent, tracestate


def headers_of(metadata: Any) -> dict[str, str]:
    """The W3C headers in a call's metadata, checked (the rest of the metadata is not looked at)."""
    found = {key: value for key, value in metadata or () if key in (TRACEPARENT, TRACESTATE)}
    parent, state = clean(str(found.get(TRACEPARENT, "")), str(found.get(TRACESTATE, "")))
    return {TRACEPARENT: parent, TRACESTATE: state} if parent else {}


def current() -> tuple[str, str]:
    """The current span's (traceparent, tracestate); empty when there is none (or no OpenTelemetry)."""
    try:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    except ImportError:
        return "", ""
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return clean(carrier.get(TRACEPARENT, ""), carrier.get(TRACESTATE, ""))


def current_metadata() -> tuple[tuple[str, str], ...]:
    """gRPC metadata that continues the current trace in another process."""
    parent, state = current()
    if not parent:
        return ()
    return ((TRACEPARENT, parent), *(((TRACESTATE, state),) if state else ()))


def context_of(headers: Mapping[str, str]) -> Any:
    """An OpenTelemetry Context continuing the trace ``headers`` name (an empty one without them)."""
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    return TraceContextTextMapPropagator().extract(dict(headers))


def setup() -> None:
    """Makes spans go somewhere: an SDK tracer provider exporting over OTLP/gRPC (the standard
    OTEL_EXPORTER_OTLP_* variables say where), unless the process has an SDK provider already (set by
    an embedding program, ``opentelemetry-instrument`` or a test). TracingUnavailable without the extra."""
    global _owned_provider
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise TracingUnavailable(
            f"--tracing needs OpenTelemetry: pip install 'taskstreamd[tracing]' ({exc})"
        ) from None
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        raise TracingUnavailable(
            f"--tracing needs the OTLP exporter: pip install 'taskstreamd[tracing]' ({exc})"
        ) from None
    name = os.environ.get("OTEL_SERVICE_NAME") or SERVICE_NAME
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _owned_provider = provider
    log.info(
        "tracing on: spans go over OTLP to %s", os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "the default")
    )


def shutdown() -> None:
    """Sends the spans still buffered (a provider setup() made), at the server's stop."""
    global _owned_provider
    if _owned_provider is not None:
        _owned_provider.shutdown()
        _owned_provider = None
