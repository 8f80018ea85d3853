"""A fake WorkerService that feeds no-op tasks to one real ``taskstreamd worker`` as fast as it reports them,
so the worker's own cost is measured without the server's: used by ``worker_protocol.py --feed``.

``lone``: one assignment at a time, the next once the last one's TaskFinished arrived. ``stream``: up to
``depth`` assignments in flight, topped up on every message the worker sends (in one batch when the worker
accepts batches, as a taskstreamd server does). The feeder runs in its own thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import grpc

from taskstream.v1 import worker_service_pb2 as wpb
from taskstream.v1 import worker_service_pb2_grpc


class Feeder(worker_service_pb2_grpc.WorkerServiceServicer):
    """Registers one worker at a time and runs the feed a caller asks for with ``feed``."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="feeder", daemon=True)
        self._thread.start()
        self._session: _Session | None = None
        self._registered = threading.Event()
        self.address = self._call(self._start())

    def wait_registered(self, timeout: float = 60.0) -> None:
        if not self._registered.wait(timeout):
            raise RuntimeError("no worker registered")

    def feed(self, tasks: int, depth: int, timeout: float = 600.0) -> dict[str, Any]:
        """Feed ``tasks`` no-ops with at most ``depth`` in flight; the worker's messages counted."""
        assert self._session is not None
        return self._call(self._session.feed(tasks, depth), timeout)

    def stop(self) -> None:
        self._call(self._server.stop(grace=None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _call(self, coroutine: Any, timeout: float = 60.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _start(self) -> str:
        self._server = grpc.aio.server()
        worker_service_pb2_grpc.add_WorkerServiceServicer_to_server(self, self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        return f"127.0.0.1:{port}"

    async def Connect(self, request_iterator: Any, context: Any) -> None:
        first = await context.read()
        batches = first.register.accepts_batches
        registered = wpb.WorkerRegistered(worker_id="feeder", max_output_bytes=1 << 20, accepts_batches=True)
        await context.write(wpb.ConnectResponse(registered=registered))
        self._session = _Session(context, batches)
        self._registered.set()
        await self._session.read_forever()


class _Session:
    def __init__(self, context: Any, batches: bool) -> None:
        self._context = context
        self._batches = batches
        self._finished = 0
        self._messages = 0
        self._changed = asyncio.Event()
        self._numbers = iter(range(1, 1 << 62))

    async def read_forever(self) -> None:
        while (request := await self._context.read()) is not grpc.aio.EOF:
            self._messages += 1
            inner = request.batch.messages if request.WhichOneof("message") == "batch" else [request]
            self._finished += sum(1 for m in inner if m.WhichOneof("message") == "finished")
            self._changed.set()

    async def feed(self, tasks: int, depth: int) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        start_finished, start_messages = self._finished, self._messages
        sent = 0
        started_at = loop.time()
        while True:
            self._changed.clear()  # before looking: a report arriving after this sets it again
            done = self._finished - start_finished
            if done >= tasks:
                break
            room = min(depth - (sent - done), tasks - sent)
            if room > 0:
                await self._send([self._assignment() for _ in range(room)])
                sent += room
                continue
            await self._changed.wait()
        seconds = loop.time() - started_at
        return {
            "tasks": tasks,
            "seconds": seconds,
            "tasks_per_s": tasks / seconds,
            "worker_messages_per_task": (self._messages - start_messages) / tasks,
        }

    async def _send(self, assignments: list[wpb.TaskAssignment]) -> None:
        messages = [wpb.ConnectResponse(assignment=a) for a in assignments]
        if self._batches and len(messages) > 1:
            await self._context.write(wpb.ConnectResponse(batch=wpb.ConnectResponseBatch(messages=messages)))
            return
        for message in messages:
            await self._context.write(message)

    def _assignment(self) -> wpb.TaskAssignment:
        number = next(self._numbers)
        return wpb.TaskAssignment(
            assignment_id=f"{number}-1",
            instance="projects/bench/instances/feed",
            task=f"t{number}",
            type="noop",
            attempt=1,
        )
