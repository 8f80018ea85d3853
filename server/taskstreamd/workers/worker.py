"""The worker process: a WorkerService.Connect session that hands assignments to slots.

``run_worker`` registers with the server, hands the TaskAssignments it is sent to idle slots (several
to a slot at once when many wait), routes cancel / suspend / resume / drop / take-back to the slot that
holds the assignment, and sends the slots' reports back on the stream: everything ready at once, as one
batch when the server accepts batches. A task a slot's child has not started is recalled from it before
it is cancelled, paused, dropped or given back, and is then handled as if it had never left the worker.
When the stream breaks, running tasks are killed (the server marks them INTERRUPTED and retries them);
the worker then exits, or reconnects with backoff for up to a minute. SIGTERM and SIGINT kill the task
processes and end the worker with exit code 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import grpc
from grpc.aio import EOF  # type: ignore[attr-defined]  # missing from grpc-stubs

from taskstream.authoring import PendingCancellation, registered_tasks
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2, worker_service_pb2, worker_service_pb2_grpc
from taskstreamd.datasources import DataSource

from . import scratch
from .connection import ServerAccess
from .outbox import Outbox, pack
from .runs import Waiting
from .runtime import BUILTIN_TASK_MODULE, ChildSettings
from .slot import Slot
from .task_errors import CODE_NOT_ALLOWED, UNKNOWN_TASK_TYPE, task_error
from .tasktypes import import_task_modules, task_types

RECONNECT_SECONDS = 60.0
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 5.0
DEFAULT_GRACE_SECONDS = 5.0  # when a CancelTask carries no grace period
DEFAULT_HEARTBEAT_SECONDS = 5.0  # when the server names no interval
# The most tasks handed to a slot's child at once: enough to share one pipe message among many short
# tasks, few enough that a slot does not hoard what the others could run (a slot takes its share only).
MAX_HANDED_AT_ONCE = 32

EXIT_OK = 0
EXIT_DISCONNECTED = 1
EXIT_BAD_TASK_MODULE = 2

_log = logging.getLogger(__name__)

if TYPE_CHECKING:  # StreamStreamCall is generic only in grpc-stubs
    _ConnectCall = grpc.aio.StreamStreamCall[
        worker_service_pb2.ConnectRequest, worker_service_pb2.ConnectResponse
    ]


def run_worker(
    server: str,
    *,
    task_modules: Sequence[str],
    slots: int = 1,
    allow_code: bool = False,
    worker_name: str | None = None,
    exit_on_disconnect: bool = False,
    datasources: Mapping[str, DataSource] | None = None,
    labels: Mapping[str, str] | None = None,
    access: ServerAccess | None = None,
) -> int:
    """Serve tasks for the server at ``server`` (HOST:PORT, or a comma-separated list of replicas tried in
    turn after a lost session) until stopped; returns the exit code.

    0 after SIGTERM / SIGINT, 1 when the connection is lost for good (at once with
    ``exit_on_disconnect``), 2 when a task module does not import.
    """
    worker = Worker(
        server,
        task_modules=task_modules,
        slots=slots,
        allow_code=allow_code,
        worker_name=worker_name,
        exit_on_disconnect=exit_on_disconnect,
        datasources=datasources,
        labels=labels,
        access=access,
    )
    return asyncio.run(worker.run())


class Worker:
    """One worker; ``run()`` serves until ``stop()`` or a signal, or until the server is gone."""

    def __init__(
        self,
        server: str,
        *,
        task_modules: Sequence[str],
        slots: int = 1,
        allow_code: bool = False,
        worker_name: str | None = None,
        exit_on_disconnect: bool = False,
        datasources: Mapping[str, DataSource] | None = None,
        labels: Mapping[str, str] | None = None,
        access: ServerAccess | None = None,
    ) -> None:
        if slots < 1:
            raise ValueError(f"a worker needs at least one slot, not {slots}")
        # "HOST:PORT[,HOST:PORT...]": replicas of one service; after a lost session the next one is tried.
        self._servers = [address.strip() for address in server.split(",") if address.strip()]
        self._server = self._servers[0]
        # The built-in task types (sql, workflows) first, so every worker offers them.
        self._task_modules = [BUILTIN_TASK_MODULE, *task_modules]
        self._child_settings = ChildSettings(server=self._server, datasources=dict(datasources or {}))
        self._slot_count = slots
        self._allow_code = allow_code
        self._name = worker_name or f"{socket.gethostname()}:{os.getpid()}"
        self._exit_on_disconnect = exit_on_disconnect
        self._labels = dict(labels or {})
        self._access = access or ServerAccess()
        self._slots: list[Slot] = []
        # Assignments waiting for a slot, in the order they came (insertion order), by id.
        self._pending: dict[str, Waiting] = {}
        self._paused_pending: set[str] = set()
        # What to do about an assignment once its slot's child answered a recall of it.
        self._intents: dict[str, list[Callable[[], None]]] = {}
        self._outbox: Outbox | None = None
        self._max_output_bytes = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._stop_requested = False
        self.worker_id = ""

    def stop(self) -> None:
        """Ask ``run()`` to end with exit code 0; callable from any thread."""
        self._stop_requested = True
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stopping.set)

    async def run(self) -> int:
        try:
            import_task_modules(self._task_modules)
        except Exception:
            _log.exception("cannot import the task modules %s", ", ".join(self._task_modules))
            return EXIT_BAD_TASK_MODULE
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if self._stop_requested:
            return EXIT_OK
        handled = self._handle_signals()
        for abandoned in scratch.remove_abandoned():
            _log.info("removed %s, left by a worker that was killed", abandoned)
        workdir = scratch.create()
        self._slots = [
            Slot(
                i,
                task_modules=self._task_modules,
                workdir=workdir.path,
                emit=self._emit,
                on_change=self._on_slot_change,
                settings=self._child_settings,
            )
            for i in range(self._slot_count)
        ]
        try:
            for slot in self._slots:
                slot.warm_up()
            return await self._serve()
        finally:
            for slot in self._slots:
                slot.abandon()
            await asyncio.gather(*(slot.close() for slot in self._slots))
            workdir.close()
            for signum in handled:
                self._loop.remove_signal_handler(signum)

    # Sessions and reconnection

    async def _serve(self) -> int:
        assert self._stopping is not None
        lost_since: float | None = None
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            registered = await self._session_until_stopped()
            if self._stopping.is_set():
                return EXIT_OK
            self._lose_session()
            if self._exit_on_disconnect:
                _log.warning("lost the server at %s; exiting", self._server)
                return EXIT_DISCONNECTED
            self._server = self._servers[(self._servers.index(self._server) + 1) % len(self._servers)]
            now = asyncio.get_running_loop().time()
            if registered or lost_since is None:
                lost_since, backoff = now, FIRST_BACKOFF_SECONDS
            if now - lost_since >= RECONNECT_SECONDS:
                _log.error(
                    "could not reach the server at %s for %.0f s; exiting", self._server, now - lost_since
                )
                return EXIT_DISCONNECTED
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stopping.wait(), min(backoff, RECONNECT_SECONDS - (now - lost_since))
                )
            if self._stopping.is_set():
                return EXIT_OK
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _session_until_stopped(self) -> bool:
        """Run one session until it ends or a stop is requested; True if the server registered us."""
        assert self._stopping is not None
        registered = asyncio.Event()
        session = asyncio.create_task(self._session(registered))
        stopping = asyncio.create_task(self._stopping.wait())
        await asyncio.wait({session, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not session.done():
            for slot in self._slots:  # kill tasks before the server sees the stream end and retries them
                slot.abandon()
            session.cancel()
        try:
            await session
        except asyncio.CancelledError:
            if not self._stopping.is_set():
                raise
        except grpc.aio.AioRpcError as exc:
            _log.warning("worker session ended: %s %s", exc.code().name, exc.details())
        except Exception:  # whatever broke the session, the worker reconnects or exits as configured
            _log.exception("worker session failed")
        return registered.is_set()

    async def _session(self, registered: asyncio.Event) -> None:
        options = [("grpc.max_receive_message_length", -1)]  # python_object assignments can be large
        async with self._access.channel(self._server, options) as channel:
            stub = worker_service_pb2_grpc.WorkerServiceStub(channel)
            call = stub.Connect(metadata=self._access.metadata())
            await call.write(worker_service_pb2.ConnectRequest(register=self._registration()))
            first = await call.read()
            if first is EOF or first.WhichOneof("message") != "registered":
                _log.warning("the server did not register this worker")
                return
            self.worker_id = first.registered.worker_id
            self._max_output_bytes = first.registered.max_output_bytes
            _log.info(
                "registered with %s as %s (%s)",
                self._server,
                self.worker_id,
                self._name,
                extra={"worker_id": self.worker_id},
            )
            registered.set()
            interval = DEFAULT_HEARTBEAT_SECONDS
            if first.registered.HasField("heartbeat_interval"):
                interval = first.registered.heartbeat_interval.ToTimedelta().total_seconds()
            outbox = Outbox()
            self._outbox = outbox
            writer = asyncio.create_task(self._write(call, outbox, batches=first.registered.accepts_batches))
            heartbeats = asyncio.create_task(self._heartbeat(outbox, interval))
            try:
                while (response := await call.read()) is not EOF:
                    self._on_response(response)
            finally:
                self._outbox = None
                writer.cancel()
                heartbeats.cancel()

    def _registration(self) -> worker_service_pb2.RegisterWorker:
        return worker_service_pb2.RegisterWorker(
            worker_name=self._name,
            slots=self._slot_count,
            task_types=task_types(),
            accepts_python_objects=self._allow_code,
            labels=self._labels,
            gives_back_unstarted_tasks=True,
            accepts_batches=True,
        )

    @staticmethod
    async def _heartbeat(outbox: Outbox, interval: float) -> None:
        """Keeps the leases of this worker's tasks alive; a periodic signal, so a plain sleep."""
        beat = worker_service_pb2.ConnectRequest(heartbeat=worker_service_pb2.WorkerHeartbeat())
        while True:
            await asyncio.sleep(interval)
            outbox.put(beat)

    @staticmethod
    async def _write(call: _ConnectCall, outbox: Outbox, *, batches: bool) -> None:
        """Writes what is ready: while one write is under way the next reports gather, so a busy worker
        sends few, large messages and an idle one sends each report at once."""
        while True:
            ready = await outbox.take()
            try:
                for request in pack(ready) if batches else ready:
                    await call.write(request)
            except (grpc.aio.AioRpcError, grpc.aio.UsageError, asyncio.InvalidStateError):
                return  # the stream ended; the reading side sees why

    def _lose_session(self) -> None:
        for slot in self._slots:
            slot.abandon()
        self._pending.clear()
        self._paused_pending.clear()
        self._intents.clear()

    def _emit(self, request: worker_service_pb2.ConnectRequest) -> None:
        if self._outbox is not None:  # without a session there is nobody to tell
            self._outbox.put(request)

    # What the server says

    def _on_response(self, response: worker_service_pb2.ConnectResponse) -> None:
        if response.WhichOneof("message") == "batch":
            for message in response.batch.messages:
                if message.WhichOneof("message") == "batch":
                    _log.warning("ignoring a batch inside a batch from the server")
                    continue
                self._handle(message)
        else:
            self._handle(response)
        self._dispatch()  # once for everything the message held

    def _handle(self, response: worker_service_pb2.ConnectResponse) -> None:
        kind = response.WhichOneof("message")
        if kind == "assignment":
            self._assign(response.assignment)
        elif kind == "cancel":
            self._cancel(response.cancel)
        elif kind == "suspend":
            self._pause(response.suspend.assignment_id, paused=True)
        elif kind == "resume":
            self._pause(response.resume.assignment_id, paused=False)
        elif kind == "drop":
            self._drop(response.drop.assignment_id, response.drop.reason)
        elif kind == "take_back":
            self._give_back(response.take_back.assignment_id)

    def _assign(self, assignment: worker_service_pb2.TaskAssignment) -> None:
        aid = assignment.assignment_id
        if aid in self._pending or self._slot_of(aid) is not None:
            return  # a repeat of an assignment we already have
        if assignment.python_object:
            if not self._allow_code:
                message = "this worker does not run python_object tasks (start it with code allowed)"
                self._finish_unstarted(
                    aid, task_pb2.TASK_STATUS_FAILED, task_error(CODE_NOT_ALLOWED, message)
                )
                return
        elif assignment.type not in registered_tasks():
            message = f"task type {assignment.type!r} is not registered in this worker"
            self._finish_unstarted(aid, task_pb2.TASK_STATUS_FAILED, task_error(UNKNOWN_TASK_TYPE, message))
            return
        self._pending[aid] = Waiting(assignment)

    def _dispatch(self) -> None:
        """Hand waiting assignments to idle slots, each its share: several go to one child at once (one
        pipe message), but a slot takes no more than the others could run meanwhile."""
        if not self._pending:
            return
        idle = [slot for slot in self._slots if slot.idle]
        if not idle:
            return
        runnable = [w for aid, w in self._pending.items() if aid not in self._paused_pending]
        share = min(MAX_HANDED_AT_ONCE, -(-len(runnable) // len(self._slots)))
        for slot in idle:
            handed, runnable = runnable[:share], runnable[share:]
            if not handed:
                return
            for waiting in handed:
                del self._pending[waiting.assignment_id]
            slot.hand(handed, self._max_output_bytes)

    def _on_slot_change(self, slot: Slot, returned: list[Waiting], refused: list[str]) -> None:
        """A slot gave tasks back (recalled, or never started by a child that died) or said which it
        could not give back because they started: each is now handled as the server asked meanwhile."""
        if returned:
            back = {waiting.assignment_id: waiting for waiting in returned}
            self._pending = back | self._pending  # they came before those still waiting
            for aid in back:
                self._replay(aid)
        for aid in refused:
            self._replay(aid)
        self._dispatch()

    def _recall(self, slot: Slot, aid: str, intent: Callable[[], None]) -> None:
        """Ask ``slot`` for an assignment its child has not started; ``intent`` runs with the answer."""
        self._intents.setdefault(aid, []).append(intent)
        slot.recall([aid])

    def _replay(self, aid: str) -> None:
        for intent in self._intents.pop(aid, ()):
            intent()

    def _cancel(self, cancel: worker_service_pb2.CancelTask) -> None:
        aid = cancel.assignment_id
        grace = (
            cancel.grace_period.ToTimedelta().total_seconds()
            if cancel.HasField("grace_period")
            else DEFAULT_GRACE_SECONDS
        )
        slot = self._slot_of(aid)
        if slot is not None:
            if slot.started(aid):
                slot.cancel(aid, _pending_cancellation(cancel.cancellation), grace)
            else:
                self._recall(slot, aid, lambda: self._cancel(cancel))
            return
        if self._forget_pending(aid):
            self._finish_unstarted(aid, task_pb2.TASK_STATUS_CANCELLED, None)

    def _drop(self, aid: str, reason: str) -> None:
        """The server no longer counts this attempt (say its lease expired): stop it, report nothing."""
        _log.warning("the server dropped assignment %s: %s", aid, reason)
        self._intents.pop(aid, None)
        slot = self._slot_of(aid)
        if slot is not None:
            slot.drop(aid)
        self._forget_pending(aid)

    def _give_back(self, aid: str) -> None:
        """Forget a task still waiting for a slot, so the server can run it elsewhere; one that has
        started (or that this worker does not know) stays, and the answer says so."""
        slot = self._slot_of(aid)
        if slot is not None and not slot.started(aid):
            self._recall(slot, aid, lambda: self._give_back(aid))
            return
        answer = worker_service_pb2.TaskTakenBack(assignment_id=aid, taken_back=self._forget_pending(aid))
        self._emit(worker_service_pb2.ConnectRequest(taken_back=answer))

    def _forget_pending(self, aid: str) -> bool:
        """Removes the assignment from those waiting for a slot; False when it is not one of them."""
        self._paused_pending.discard(aid)
        return self._pending.pop(aid, None) is not None

    def _pause(self, aid: str, *, paused: bool) -> None:
        slot = self._slot_of(aid)
        if slot is not None:
            if slot.started(aid):
                if paused:
                    slot.suspend(aid)
                else:
                    slot.resume(aid)
            elif paused:  # it waits in the child: back to this worker, where it waits paused
                self._recall(slot, aid, lambda: self._pause(aid, paused=True))
            else:
                self._emit_paused(aid, paused=False)
            return
        if aid in self._pending:
            if paused:
                self._paused_pending.add(aid)
            else:
                self._paused_pending.discard(aid)
            self._emit_paused(aid, paused=paused)

    def _emit_paused(self, aid: str, *, paused: bool) -> None:
        self._emit(
            worker_service_pb2.ConnectRequest(
                paused=worker_service_pb2.TaskPaused(assignment_id=aid, paused=paused)
            )
        )

    def _finish_unstarted(
        self, aid: str, status: task_pb2.TaskStatus, error: task_pb2.TaskError | None
    ) -> None:
        finished = worker_service_pb2.TaskFinished(assignment_id=aid, status=status, error=error)
        self._emit(worker_service_pb2.ConnectRequest(finished=finished))

    def _slot_of(self, aid: str) -> Slot | None:
        return next((slot for slot in self._slots if slot.holds(aid)), None)

    def _handle_signals(self) -> list[signal.Signals]:
        """Stop on SIGTERM / SIGINT; only possible when running in the main thread."""
        if threading.current_thread() is not threading.main_thread():
            return []
        assert self._loop is not None and self._stopping is not None
        handled = [signal.SIGTERM, signal.SIGINT]
        for signum in handled:
            self._loop.add_signal_handler(signum, self._stopping.set)
        return handled


def _pending_cancellation(cancellation: task_pb2.Cancellation) -> PendingCancellation:
    try:
        reason = CancellationReason.from_proto(cancellation.reason)
    except ValueError:  # a reason newer than this worker
        reason = CancellationReason.DIRECT
    return PendingCancellation(reason, cancellation.message, cancellation.requested_by)
