"""A fake WorkerService for testing the worker: a grpc.aio server on 127.0.0.1:0 that records every report.

The fake runs its own event loop in a thread; the worker runs ``Worker.run()`` in another thread (or as
a subprocess, for signals), so a test drives both with plain blocking calls that wait on real events
with bounded timeouts.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import grpc
from google.protobuf import duration_pb2

from taskstream import values as _values
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2, worker_service_pb2, worker_service_pb2_grpc
from taskstreamd.workers import Worker

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
TASKS = "tests.unit.worker_tasks"
WAIT = 15.0  # upper bound for any single event; tests normally see it in milliseconds
CAP = 1000  # max_output_bytes the fake server hands out


class FakeWorkerService:
    """Registers workers, sends what the test asks, and records every ConnectRequest."""

    def __init__(self, max_output_bytes: int = CAP, *, batches: bool = False) -> None:
        self.max_output_bytes = max_output_bytes
        self.batches = batches  # whether it says it accepts ConnectRequest.batch
        self.requests: list[worker_service_pb2.ConnectRequest] = []
        # Each ConnectRequest.batch received, as the kinds of its messages.
        self.received_batches: list[list[str]] = []
        self.registrations: list[worker_service_pb2.RegisterWorker] = []
        self._changed = threading.Condition()
        self._outgoing: asyncio.Queue[worker_service_pb2.ConnectResponse | None] | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-server", daemon=True)
        self._thread.start()
        self.port = self._call(self._start())
        self.address = f"127.0.0.1:{self.port}"

    # Test side (any thread)

    def send(self, **message: Any) -> None:
        response = worker_service_pb2.ConnectResponse(**message)
        outgoing = self.wait_for(lambda: self._outgoing)
        self._loop.call_soon_threadsafe(outgoing.put_nowait, response)

    def assign(self, task_type: str = "", params: dict[str, Any] | None = None, **fields: Any) -> str:
        assignment = make_assignment(task_type, params, **fields)
        self.send(assignment=assignment)
        return assignment.assignment_id

    def assign_together(self, *task_types: str) -> list[str]:
        """Assignments sent in one ConnectResponse.batch, as a batching server sends them."""
        assignments = [make_assignment(t) for t in task_types]
        batch = worker_service_pb2.ConnectResponseBatch(
            messages=[worker_service_pb2.ConnectResponse(assignment=a) for a in assignments]
        )
        self.send(batch=batch)
        return [a.assignment_id for a in assignments]

    def cancel(self, aid: str, grace: float, reason: CancellationReason = CancellationReason.DIRECT) -> None:
        cancellation = task_pb2.Cancellation(
            reason=reason.to_proto(), message="stop now", requested_by="alice"
        )
        cancel = worker_service_pb2.CancelTask(
            assignment_id=aid, cancellation=cancellation, grace_period=duration(grace)
        )
        self.send(cancel=cancel)

    def end_session(self) -> None:
        """End the current stream from the server side (as a server restart would)."""
        outgoing = self._outgoing
        assert outgoing is not None
        self._outgoing = None
        self._loop.call_soon_threadsafe(outgoing.put_nowait, None)

    def wait_for(self, probe: Callable[[], T | None], timeout: float = WAIT) -> T:
        """Wait until ``probe()`` (called under the lock) returns something other than None."""
        found: list[T] = []

        def ready() -> bool:
            value = probe()
            if value is not None:
                found.append(value)
            return value is not None

        with self._changed:
            assert self._changed.wait_for(ready, timeout), "timed out waiting for the worker"
        return found[0]

    def of(self, aid: str, kind: str) -> list[Any]:
        """The reports of one kind ("started", "output", "finished" …) about one assignment."""
        with self._changed:
            return [
                getattr(r, kind)
                for r in self.requests
                if r.WhichOneof("message") == kind and getattr(r, kind).assignment_id == aid
            ]

    def finished(self, aid: str, timeout: float = WAIT) -> worker_service_pb2.TaskFinished:
        return self.wait_for(lambda: next(iter(self.of(aid, "finished")), None), timeout)

    def property(self, aid: str, key: str) -> Any:
        prop = self.wait_for(lambda: next((p for p in self.of(aid, "property") if p.key == key), None))
        return _values.decode_property(prop.value)

    def paused(self, aid: str, paused: bool) -> None:
        self.wait_for(lambda: next((p for p in self.of(aid, "paused") if p.paused == paused), None))

    def output(self, aid: str, stream: int = task_pb2.OUTPUT_STREAM_STDOUT) -> list[tuple[int, bytes]]:
        return [(c.offset, c.data) for c in self.of(aid, "output") if c.stream == stream]

    def text(self, aid: str, stream: int = task_pb2.OUTPUT_STREAM_STDOUT) -> str:
        return b"".join(data for _, data in self.output(aid, stream)).decode()

    def kinds(self, aid: str) -> list[str]:
        with self._changed:
            return [
                kind
                for r in self.requests
                if (kind := r.WhichOneof("message")) != "register" and getattr(r, kind).assignment_id == aid
            ]

    def stop(self) -> None:
        self._call(self._server.stop(grace=None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT)

    # Server side (its own loop)

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(WAIT)

    async def _start(self) -> int:
        self._server = grpc.aio.server()
        worker_service_pb2_grpc.add_WorkerServiceServicer_to_server(_Servicer(self), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        return port

    def _record(self, request: worker_service_pb2.ConnectRequest) -> None:
        if request.WhichOneof("message") == "batch":
            with self._changed:
                self.received_batches.append([m.WhichOneof("message") or "" for m in request.batch.messages])
            for message in request.batch.messages:
                self._record(message)
            return
        with self._changed:
            self.requests.append(request)
            if request.WhichOneof("message") == "register":
                self.registrations.append(request.register)
            self._changed.notify_all()

    def _open_session(self, outgoing: asyncio.Queue[worker_service_pb2.ConnectResponse | None]) -> None:
        with self._changed:
            self._outgoing = outgoing
            self._changed.notify_all()


class _Servicer(worker_service_pb2_grpc.WorkerServiceServicer):
    def __init__(self, fake: FakeWorkerService) -> None:
        self.fake = fake

    async def Connect(self, request_iterator: Any, context: Any) -> None:
        first = await context.read()
        if first is grpc.aio.EOF:
            return
        self.fake._record(first)
        registered = worker_service_pb2.WorkerRegistered(
            worker_id=f"w{len(self.fake.registrations)}",
            max_output_bytes=self.fake.max_output_bytes,
            accepts_batches=self.fake.batches,
        )
        await context.write(worker_service_pb2.ConnectResponse(registered=registered))
        outgoing: asyncio.Queue[worker_service_pb2.ConnectResponse | None] = asyncio.Queue()

        async def read() -> None:
            while (request := await context.read()) is not grpc.aio.EOF:
                self.fake._record(request)
            outgoing.put_nowait(None)

        reader = asyncio.create_task(read())
        self.fake._open_session(outgoing)
        try:
            while (response := await outgoing.get()) is not None:
                await context.write(response)
        finally:
            reader.cancel()


class WorkerThread:
    """``Worker.run()`` in a thread with its own event loop."""

    def __init__(self, address: str, **options: Any) -> None:
        options.setdefault("task_modules", [TASKS])
        self.worker = Worker(address, **options)
        self.exit_code: int | None = None
        self._thread = threading.Thread(target=self._run, name="worker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.exit_code = asyncio.run(self.worker.run())

    def join(self, timeout: float = WAIT) -> int | None:
        self._thread.join(timeout)
        return self.exit_code

    def stop(self) -> int | None:
        self.worker.stop()
        return self.join()


def make_assignment(
    task_type: str = "", params: dict[str, Any] | None = None, **fields: Any
) -> worker_service_pb2.TaskAssignment:
    return worker_service_pb2.TaskAssignment(
        assignment_id=f"{task_type or 'object'}-{uuid.uuid4().hex[:8]}",
        instance="projects/p/instances/i",
        task=task_type,
        type=task_type,
        parameters_json=json.dumps(params or {}),
        attempt=1,
        **fields,
    )


def duration(seconds: float) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromNanoseconds(int(seconds * 1e9))
    return duration


def wait_state(pid: int, stopped: bool) -> None:
    """Wait (bounded) until /proc shows the process stopped (T) or not; signals land asynchronously."""
    deadline = time.monotonic() + WAIT
    while True:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if (state == "T") == stopped:
            return
        assert time.monotonic() < deadline, f"process {pid} is in state {state}"
        time.sleep(0.001)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
