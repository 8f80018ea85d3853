"""The server's configurable limits, and the per-principal count of open long-lived calls.

Limits of one request's size (message, tasks, parameters) answer INVALID_ARGUMENT with a BadRequest
naming the field (gRPC itself answers RESOURCE_EXHAUSTED for an oversized message); running out of
concurrent streams answers RESOURCE_EXHAUSTED with an ErrorInfo (reason TOO_MANY_STREAMS, the limit).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from taskstreamd.bounded_json import MAX_JSON_DEPTH as MAX_JSON_DEPTH  # the limit lives with its check
from taskstreamd.errors import ResourceExhausted

MIB = 1024 * 1024

# Fixed limits of one request's shape (documented in the .proto comments), checked before anything costly.
MAX_LABELS = 64  # labels of an instance, worker labels one task requires, labels of a list filter
MAX_LABEL_KEY = 128  # characters of a label key
MAX_LABEL_VALUE = 256  # characters of a label value
MAX_REPORTED_VIOLATIONS = 100  # field violations sent back in one BadRequest; the rest are counted


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 64 * MIB  # the largest request the gRPC port accepts
    max_tasks_per_instance: int = 100_000
    max_parameters_bytes: int = MIB  # per task, its JSON parameters
    max_properties_per_task: int = 1000  # beyond this a task's new properties are dropped
    max_property_bytes: int = MIB  # a larger property value is dropped
    max_streams_per_principal: int = 1000  # WatchInstance, ReadTaskOutput, WaitInstance(s), waiting creates


OPTIONS = {
    "max_message_bytes": "largest gRPC request in bytes",
    "max_tasks_per_instance": "tasks one instance may have",
    "max_parameters_bytes": "size of one task's JSON parameters in bytes",
    "max_properties_per_task": "properties kept per task (later ones are dropped)",
    "max_property_bytes": "size of one property value in bytes (larger ones are dropped)",
    "max_streams_per_principal": "watches, output reads and waits one principal may have open",
}


def from_arguments(args: argparse.Namespace) -> Limits:
    return Limits(**{name: getattr(args, name) for name in OPTIONS})


class StreamCounter:
    """Counts each principal's open long-lived calls, refusing one over the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    @contextmanager
    def hold(self, principal: str) -> Iterator[None]:
        current = self._open.get(principal, 0)
        if current >= self.limit:
            raise ResourceExhausted(
                "TOO_MANY_STREAMS",
                f"{principal!r} already has {current} watches, output reads or waits open (the limit)",
                {"limit": str(self.limit), "principal": principal},
            )
        self._open[principal] = current + 1
        try:
            yield
        finally:
            left = self._open[principal] - 1
            if left:
                self._open[principal] = left
            else:
                del self._open[principal]
