"""Signals between replicas over PostgreSQL LISTEN/NOTIFY.

A transaction adds its signals with ``pg_notify`` before it commits, so PostgreSQL delivers them exactly
when (and only if) the commit happens, in commit order. Each replica keeps one dedicated connection that
LISTENs and hands the signals of the other replicas to the scheduler. Signals only say *that* something
changed; the data stays in the tables (events in ``instance_events``), which readers then consult.

Payloads are short text lines: ``KIND REPLICA FIELDS...``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psycopg

from taskstreamd.store.engine import libpq_url

log = logging.getLogger(__name__)

CHANNEL = "taskstream"
APPLICATION_PREFIX = "taskstream-replica:"
_MAX_PAYLOAD = 7000  # PostgreSQL's limit is 8000 bytes
FIRST_BACKOFF_SECONDS = 0.1
MAX_BACKOFF_SECONDS = 5.0


@dataclass(frozen=True)
class EventsCommitted:
    """An instance's log grew up to ``last_seq``."""

    replica: str
    instance_id: str
    last_seq: int
    progress_only: bool
    terminal: bool


@dataclass(frozen=True)
class TasksQueued:
    """These tasks became runnable: any replica with a free worker may claim them."""

    replica: str
    task_ids: tuple[int, ...]


@dataclass(frozen=True)
class WorkerSignal:
    """Cancel (c), suspend (s) or resume (r) an assignment on a worker connected to another replica."""

    replica: str
    action: str
    worker: str
    instance_id: str
    task_id: int
    assignment_id: str


Signal = EventsCommitted | TasksQueued | WorkerSignal


def encode(signal: Signal) -> str:
    if isinstance(signal, EventsCommitted):
        flags = ("p" if signal.progress_only else "") + ("t" if signal.terminal else "") or "-"
        return f"e {signal.replica} {signal.instance_id} {signal.last_seq} {flags}"
    if isinstance(signal, TasksQueued):
        return f"q {signal.replica} {','.join(map(str, signal.task_ids))}"
    s = signal
    return f"w {s.replica} {s.action} {s.worker} {s.instance_id} {s.task_id} {s.assignment_id}"


def decode(payload: str) -> Signal | None:
    parts = payload.split(" ")
    try:
        if parts[0] == "e" and len(parts) == 5:
            return EventsCommitted(parts[1], parts[2], int(parts[3]), "p" in parts[4], "t" in parts[4])
        if parts[0] == "q" and len(parts) == 3:
            return TasksQueued(parts[1], tuple(int(i) for i in parts[2].split(",") if i))
        if parts[0] == "w" and len(parts) == 7:
            return WorkerSignal(parts[1], parts[2], parts[3], parts[4], int(parts[5]), parts[6])
    except ValueError:
        pass
    return None


def queued_signals(replica: str, task_ids: Iterable[int]) -> list[TasksQueued]:
    """Task ids in signals that each fit in one payload."""
    signals: list[TasksQueued] = []
    batch: list[int] = []
    size = 0
    for task_id in task_ids:
        if size + 21 > _MAX_PAYLOAD:
            signals.append(TasksQueued(replica, tuple(batch)))
            batch, size = [], 0
        batch.append(task_id)
        size += len(str(task_id)) + 1
    if batch:
        signals.append(TasksQueued(replica, tuple(batch)))
    return signals


class Listener:
    """The replica's LISTEN connection; reconnects on failure.

    ``on_connected`` runs after each (re)connection once LISTEN is in place: signals sent while there was
    none are lost, so it makes the replica re-read what it keeps in memory. The connection's
    application_name marks the replica alive for the others (see ``live_replicas``).
    """

    def __init__(
        self,
        url: str,
        replica: str,
        on_signal: Callable[[Signal], None],
        on_connected: Callable[[], None],
    ) -> None:
        self._conninfo = libpq_url(url)
        self.replica = replica
        self._on_signal = on_signal
        self._on_connected = on_connected
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self, timeout: float = 30.0) -> None:
        self._task = asyncio.create_task(self._run(), name="notify-listener")
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(
                    self._conninfo,
                    autocommit=True,
                    application_name=APPLICATION_PREFIX + self.replica,
                    # A replica on a host that vanished is noticed by the server within about a minute.
                    keepalives=1,
                    keepalives_idle=20,
                    keepalives_interval=5,
                    keepalives_count=6,
                )
                async with connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    backoff = FIRST_BACKOFF_SECONDS
                    self._on_connected()
                    self._ready.set()
                    async for notify in connection.notifies():
                        signal = decode(notify.payload)
                        if signal is not None and signal.replica != self.replica:
                            self._on_signal(signal)
            except (psycopg.Error, OSError) as exc:
                log.warning("listening for other replicas failed (%s); reconnecting", exc)
            except Exception:
                log.exception("handling a signal from another replica failed; reconnecting")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
