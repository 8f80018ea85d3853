"""Prometheus metrics of one server, served on the HTTP port at /metrics.

RPC counters and latencies are recorded by the gRPC interceptor (api/metrics_interceptor.py). Everything
else is read at scrape time from the live objects (run queue, workers, watchers); the only database read,
the grouped counts of tasks and instances by status, is cached for ``cache_seconds`` so frequent scrapes
do not add load. Each server has its own registry, so tests can run several in one process.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from taskstreamd.core.core import Core
from taskstreamd.domain.events import EventKind, RecordedEvent
from taskstreamd.domain.vocabulary import TaskStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Latencies of unary calls range from sub-millisecond reads to waits of minutes.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600)
_EVENT_KINDS: dict[int, str] = {
    EventKind.INSTANCE_STATUS: "instance_status",
    EventKind.TASK_STATUS: "task_status",
    EventKind.PROGRESS: "progress",
    EventKind.PROPERTY: "property",
    EventKind.OUTPUT: "output",
    EventKind.SUB_INSTANCE: "sub_instance",
}
# No STK aliases, and not NOT_SUBMITTED (a client's status for a task before its job is submitted).
_TASK_STATUSES = [
    s for s in TaskStatus if s.name == TaskStatus(s.value).name and s != TaskStatus.NOT_SUBMITTED
]


class Metrics:
    def __init__(self, core: Core, cache_seconds: float = 2.0) -> None:
        self.core = core
        self.cache_seconds = cache_seconds
        self.registry = CollectorRegistry(auto_describe=False)
        r = self.registry
        self.rpcs = Counter(
            "taskstream_rpcs", "gRPC calls ended, by method and status code", ["method", "code"], registry=r
        )
        self.rpc_seconds = Histogram(
            "taskstream_rpc_duration_seconds",
            "Time from the start to the end of a gRPC call (a stream's whole life for streaming methods)",
            ["method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.open_streams = Gauge(
            "taskstream_open_streams", "Server-streaming and bidi gRPC calls now open", ["method"], registry=r
        )
        self.events = Counter(
            "taskstream_events_published",
            "Instance events committed and published, by kind",
            ["kind"],
            registry=r,
        )
        self.draining = Gauge("taskstream_draining", "1 while the server shuts down", registry=r)
        ProcessCollector(registry=r)  # process_resident_memory_bytes, process_open_fds, CPU seconds, …
        r.register(_LiveState(self))
        self._counted_at = -cache_seconds - 1.0
        self.task_counts: dict[TaskStatus, int] = {}
        self.instance_counts: dict[str, int] = {}
        # Each kind's child, looked up on its first event only: .labels() costs more than the increment.
        self._event_counters: dict[int, Counter] = {}
        core.observers.append(self.published)

    def published(self, events: list[RecordedEvent]) -> None:
        for event in events:
            counter = self._event_counters.get(event.kind)
            if counter is None:
                name = _EVENT_KINDS.get(event.kind, "other")
                counter = self._event_counters[event.kind] = self.events.labels(name)
            counter.inc()

    async def refresh_counts(self) -> None:
        """Re-reads the per-status counts when the cached ones are older than ``cache_seconds``."""
        if time.monotonic() - self._counted_at < self.cache_seconds:
            return
        self.instance_counts, self.task_counts = await self.core.store.reader.counts_by_status()
        self._counted_at = time.monotonic()

    async def exposition(self) -> bytes:
        await self.refresh_counts()
        return generate_latest(self.registry)


class _LiveState(Collector):
    """Gauges read from the server's state at each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        m = self.metrics
        core = m.core
        tasks = GaugeMetricFamily("taskstream_tasks", "Tasks by status (cached briefly)", labels=["status"])
        for status in _TASK_STATUSES:
            tasks.add_metric([status.name], m.task_counts.get(status, 0))
        yield tasks
        instances = GaugeMetricFamily(
            "taskstream_instances", "Instances by status (cached briefly)", labels=["status"]
        )
        for name in ("Running", "Suspended", "Terminated"):
            instances.add_metric([name], m.instance_counts.get(name, 0))
        yield instances
        yield GaugeMetricFamily(
            "taskstream_queue_depth", "Tasks queued for a worker slot", value=core.queue_depth
        )
        sessions = list(core.workers)
        yield GaugeMetricFamily("taskstream_workers", "Connected workers", value=len(sessions))
        yield GaugeMetricFamily(
            "taskstream_worker_slots",
            "Task slots of the connected workers",
            value=sum(s.slots for s in sessions),
        )
        yield GaugeMetricFamily(
            "taskstream_worker_slots_busy",
            "Task slots running a task",
            value=sum(s.busy_slots for s in sessions),
        )
        yield GaugeMetricFamily(
            "taskstream_worker_tasks_waiting",
            "Tasks sent to workers beyond their slots (prefetched), waiting there for a slot",
            value=sum(s.waiting for s in sessions),
        )
        yield GaugeMetricFamily(
            "taskstream_watchers", "Open instance watches (gRPC and Logview)", value=core.hub.watchers
        )
        yield GaugeMetricFamily(
            "taskstream_watched_instances",
            "Instances with at least one watcher",
            value=core.hub.watched_instances,
        )
        yield GaugeMetricFamily(
            "taskstream_project_watchers",
            "Open project watches (gRPC WatchInstances and the console)",
            value=core.projects.watchers,
        )
