"""Notices between replicas over PostgreSQL LISTEN/NOTIFY.

A commit adds its notices with ``pg_notify`` before it commits, so PostgreSQL delivers them exactly when
(and only if) the commit happens, in commit order. Each replica keeps one connection that LISTENs and
hands the other replicas' notices to the core. Notices only say *that* something changed; the data
stays in the tables (events in ``instance_events``), which readers then consult.

Payloads are short text lines: ``KIND REPLICA FIELDS...``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from taskstreamd.store.engine import libpq_url

log = logging.getLogger(__name__)

CHANNEL = "taskstream"
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
class ProjectEventsCommitted:
    """A project's log of instance-level changes grew up to ``last_seq``."""

    replica: str
    project: str
    last_seq: int


@dataclass(frozen=True)
class WorkQueued:
    """A replica holds queued tasks its own workers could not take: others may claim some."""

    replica: str


Notice = EventsCommitted | ProjectEventsCommitted | WorkQueued


def encode(notice: Notice) -> str:
    if isinstance(notice, EventsCommitted):
        flags = ("p" if notice.progress_only else "") + ("t" if notice.terminal else "") or "-"
        return f"e {notice.replica} {notice.instance_id} {notice.last_seq} {flags}"
    if isinstance(notice, ProjectEventsCommitted):
        return f"l {notice.replica} {notice.last_seq} {notice.project}"
    return f"q {notice.replica}"


def decode(payload: str) -> Notice | None:
    parts = payload.split(" ")
    try:
        if parts[0] == "e" and len(parts) == 5:
            return EventsCommitted(parts[1], parts[2], int(parts[3]), "p" in parts[4], "t" in parts[4])
        if parts[0] == "l" and len(parts) >= 4:
            project = payload.split(" ", 3)[3]
            return ProjectEventsCommitted(parts[1], project, int(parts[2]))
        if parts[0] == "q" and len(parts) == 2:
            return WorkQueued(parts[1])
    except ValueError:
        pass
    return None


class Listener:
    """The replica's LISTEN connection; reconnects on failure.

    ``on_connected`` runs after each (re)connection once LISTEN is in place: notices sent while there was
    none are lost, so it makes the replica re-read what it keeps in memory.
    """

    def __init__(
        self,
        url: str,
        replica: str,
        on_notice: Callable[[Notice], None],
        on_connected: Callable[[], None],
    ) -> None:
        self._conninfo = libpq_url(url)
        self.replica = replica
        self._on_notice = on_notice
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
                    application_name=f"taskstreamd-listener:{self.replica}",
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
                        notice = decode(notify.payload)
                        if notice is not None and notice.replica != self.replica:
                            self._on_notice(notice)
            except (psycopg.Error, OSError) as exc:
                log.warning("listening for other replicas failed (%s); reconnecting", exc)
            except Exception:
                log.exception("handling a notice from another replica failed; reconnecting")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
