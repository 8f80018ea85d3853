"""Tracing (``--tracing``): a server span for every call, continuing the caller's W3C trace context, and
that context handed to the task, across replicas (forwarded calls, relayed work) and to remote workers.

In one process, a server whose spans go to the OpenTelemetry SDK's in-memory exporter; across processes,
servers exporting over OTLP to a collector of the test's own (tests/support/collector.py). Tasks say what
trace context they were handed (``trace_context`` in tests/support/tasks.py).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import taskstream
import taskstream.aio
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc
from taskstream.v1 import task_pb2
from taskstreamd.app import Server, ServerConfig
from tests.support.collector import Collector, Span
from tests.support.postgres import PostgresCluster
from tests.support.server import CURRENT_USER, REPO, ServerProcess
from tests.support.workers import WorkerProcess

CREATE = "taskstream.v1.InstanceService/CreateInstance"
EXPORTER = InMemorySpanExporter()


def _in_memory_spans() -> None:
    """The process's tracer provider, once: the SDK's, keeping every span in EXPORTER."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
    assert isinstance(trace.get_tracer_provider(), TracerProvider)


async def _server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, tracing: bool) -> AsyncIterator[Server]:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    config = ServerConfig(
        listen="127.0.0.1:0",
        http="127.0.0.1:0",
        data_dir=tmp_path / "data",
        workers=1,
        task_modules=["tests.support.tasks"],
        worker_user=CURRENT_USER,
        tracing=tracing,
        shutdown_grace=2,
    )
    server = Server(config)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def traced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Server]:
    _in_memory_spans()
    async for server in _server(tmp_path, monkeypatch, tracing=True):
        EXPORTER.clear()
        yield server


def _hex(value: int, width: int) -> str:
    return format(value, f"0{width}x")


def _ids(traceparent: str) -> tuple[str, str]:
    """The trace id and parent span id of a W3C traceparent (version 00, sampled)."""
    version, trace_id, span_id, flags = traceparent.split("-")
    assert version == "00" and int(flags, 16) & 1, traceparent
    return trace_id, span_id


def _finished(name: str) -> list[ReadableSpan]:
    return [s for s in EXPORTER.get_finished_spans() if s.name == name]


async def test_calls_continue_the_callers_trace_and_the_task_joins_it(traced: Server) -> None:
    tracer = trace.get_tracer("test")
    async with taskstream.aio.connect(traced.grpc_address, project="traced") as client:
        with tracer.start_as_current_span("caller") as caller:
            instance = await client.execute_task("trace_context", {}, timeout=60)
            handed = await instance.get_task_result()
        with pytest.raises(taskstream.errors.NotFoundError):
            await (await client.get_instance("20200101000000000abcdefgh").reload())
    trace_id = _hex(caller.get_span_context().trace_id, 32)

    (create,) = _finished(CREATE)
    assert _hex(create.context.trace_id, 32) == trace_id
    assert create.parent is not None and create.parent.span_id == caller.get_span_context().span_id
    assert create.kind == trace.SpanKind.SERVER
    assert create.attributes is not None and create.attributes["rpc.system"] == "grpc"
    assert (
        create.attributes["rpc.method"] == "CreateInstance" and create.attributes["rpc.grpc.status_code"] == 0
    )
    # The task was handed the CreateInstance span's context, and ran with the caller's trace current.
    assert _ids(handed["traceparent"]) == (trace_id, _hex(create.context.span_id, 16))
    assert handed["current_trace_id"] == trace_id
    # Every call has its span (the result's too), and a failed one says how it ended.
    (result,) = _finished("taskstream.v1.InstanceService/GetTaskResult")
    assert _hex(result.context.trace_id, 32) == trace_id
    (missing,) = _finished("taskstream.v1.InstanceService/GetInstance")
    assert missing.attributes is not None and missing.attributes["rpc.grpc.status_code"] == 5  # NOT_FOUND
    assert missing.status.status_code == trace.StatusCode.ERROR and missing.parent is None


@pytest.mark.parametrize(
    "traceparent",
    [
        "00-" + "z" * 32 + "-" + "1" * 16 + "-01",  # not hex
        "00-" + "0" * 32 + "-" + "1" * 16 + "-01",  # the invalid trace id
        "00-" + "a" * 32 + "-" + "1" * 16 + "-01" + "x" * 1000,  # too long
    ],
)
async def test_a_malformed_traceparent_starts_a_trace_of_the_servers_own(
    traced: Server, traceparent: str
) -> None:
    channel = grpc.aio.insecure_channel(traced.grpc_address)
    try:
        stub = pb_grpc.InstanceServiceStub(channel)
        request = pb.CreateInstanceRequest(
            parent="projects/traced", tasks=[task_pb2.TaskSpec(type="trace_context")]
        )
        request.wait_timeout.FromSeconds(60)
        created = await stub.CreateInstance(request, metadata=(("traceparent", traceparent),), timeout=90)
        answer = await stub.GetTaskResult(pb.GetTaskResultRequest(instance=created.instance.name), timeout=30)
    finally:
        await channel.close()
    handed = json.loads(answer.result.json)
    (create,) = _finished(CREATE)
    assert create.parent is None  # a root span: nothing of the header was taken
    assert _ids(handed["traceparent"]) == (
        _hex(create.context.trace_id, 32),
        _hex(create.context.span_id, 16),
    )
    assert "z" not in handed["traceparent"] and "x" not in handed["tracestate"]


async def test_without_tracing_nothing_is_kept_or_handed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _in_memory_spans()
    async for server in _server(tmp_path, monkeypatch, tracing=False):
        EXPORTER.clear()
        with trace.get_tracer("test").start_as_current_span("caller"):
            async with taskstream.aio.connect(server.grpc_address, project="untraced") as client:
                instance = await client.execute_task("trace_context", {}, timeout=60)
                handed = await instance.get_task_result()
        assert handed["traceparent"] == "" and handed["current_trace_id"] == ""
        assert [s.name for s in EXPORTER.get_finished_spans()] == ["caller"]


# -- across processes: replicas and remote workers, spans exported over OTLP --------------------------


@pytest.fixture
def collector() -> Iterator[Collector]:
    started = Collector().start()
    yield started
    started.stop()


def _caller() -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A caller's trace id, span id and the metadata that carries them (W3C traceparent + tracestate)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return (
        trace_id,
        span_id,
        (("traceparent", f"00-{trace_id}-{span_id}-01"), ("tracestate", "vendor=caller")),
    )


def _run_traced(stub: pb_grpc.InstanceServiceStub, metadata: tuple[tuple[str, str], ...]) -> dict[str, str]:
    request = pb.CreateInstanceRequest(
        parent="projects/traced", tasks=[task_pb2.TaskSpec(type="trace_context")]
    )
    request.wait_timeout.FromSeconds(60)
    created = stub.CreateInstance(request, metadata=metadata, timeout=90)
    assert created.terminated, created
    answer = stub.GetTaskResult(pb.GetTaskResultRequest(instance=created.instance.name), timeout=30)
    assert answer.task.status == task_pb2.TASK_STATUS_SUCCESS, answer.task.error
    result: dict[str, str] = json.loads(answer.result.json)
    return result


def _named(spans: list[Span], name: str, trace_id: str) -> list[Span]:
    return [s for s in spans if s.name == name and s.trace_id == trace_id]


@pytest.mark.timeout(180)
def test_replicas_forward_calls_and_relay_work_within_the_callers_trace(
    postgres: PostgresCluster, tmp_path: Path, collector: Collector
) -> None:
    url = postgres.create_database()
    servers = [
        ServerProcess(tmp_path / name, "--db", url, "--tracing", workers=0, env=collector.environment).start()
        for name in ("a", "b")
    ]
    worker = WorkerProcess(servers[1].address, "traced-worker").start()
    channels = [grpc.insecure_channel(s.address) for s in servers]
    try:
        stub_a, stub_b = (pb_grpc.InstanceServiceStub(c) for c in channels)
        trace_id, span_id, metadata = _caller()
        # Created on A, which owns it; run by the only worker, connected to B: relayed there.
        handed = _run_traced(stub_a, metadata)
        create = collector.wait_for(lambda spans: bool(_named(spans, CREATE, trace_id)))
        (created,) = _named(create, CREATE, trace_id)
        assert created.parent_span_id == span_id
        assert _ids(handed["traceparent"]) == (trace_id, created.span_id)
        assert handed["tracestate"] == "vendor=caller" and handed["current_trace_id"] == trace_id

        # A stop sent to B is forwarded to A, the owner: A's span is a child of B's, in the same trace.
        held = stub_a.CreateInstance(
            pb.CreateInstanceRequest(
                parent="projects/traced", tasks=[task_pb2.TaskSpec(type="trace_context")], hold=True
            ),
            timeout=30,
        ).instance
        stop_id, stop_span, stop_metadata = _caller()
        stub_b.StopInstance(pb.StopInstanceRequest(name=held.name), metadata=stop_metadata, timeout=30)
        stop = "taskstream.v1.InstanceService/StopInstance"
        spans = collector.wait_for(lambda spans: len(_named(spans, stop, stop_id)) == 2)
        outer = next(s for s in _named(spans, stop, stop_id) if s.parent_span_id == stop_span)
        inner = next(s for s in _named(spans, stop, stop_id) if s is not outer)
        assert inner.parent_span_id == outer.span_id
        # The relay between the replicas is traced too (ClaimTasks answered by A for B's worker).
        assert any(s.name == "taskstream.v1.ReplicaService/ClaimTasks" for s in spans)
    finally:
        for channel in channels:
            channel.close()
        worker.stop()
        for server in servers:
            server.stop()


@pytest.mark.timeout(120)
def test_a_remote_worker_hands_the_callers_trace_to_its_task(tmp_path: Path, collector: Collector) -> None:
    server = ServerProcess(tmp_path / "data", "--tracing", workers=0, env=collector.environment).start()
    worker = WorkerProcess(server.address, "remote-traced").start()
    channel = grpc.insecure_channel(server.address)
    try:
        trace_id, _, metadata = _caller()
        handed = _run_traced(pb_grpc.InstanceServiceStub(channel), metadata)
        assert handed["current_trace_id"] == trace_id and _ids(handed["traceparent"])[0] == trace_id
        spans = collector.wait_for(lambda spans: bool(_named(spans, CREATE, trace_id)))
        assert all(s.service == "taskstreamd" for s in spans)
    finally:
        channel.close()
        worker.stop()
        server.stop()


def test_the_python_client_sends_the_current_trace_context() -> None:
    from taskstream import _tracing

    _in_memory_spans()
    assert _tracing.metadata() == ()  # no current span: nothing to send
    with trace.get_tracer("test").start_as_current_span("caller") as span:
        sent = dict(_tracing.metadata())
    context = span.get_span_context()
    assert list(sent) == ["traceparent"]
    assert _ids(sent["traceparent"]) == (_hex(context.trace_id, 32), _hex(context.span_id, 16))
