"""Work across replicas: a worker connected to one replica runs tasks that another replica owns.

Each instance has one owner (core.ownership), and only the owner assigns its tasks. When a worker
connected here has free slots that no queued task of ours can fill, this replica asks the owners for
work (``Relay.pull``, the owner's side is ``Relay.claim_for``): the owner assigns tasks to that worker
under its real session id, commits, and hands back the assignments, which go to the worker from here.
The worker's reports about those tasks are relayed to their owner in order (``Relay.relay``), its
heartbeats and its disconnection too; on the owner the worker is a *remote session* whose commands
(cancel, suspend, resume, drop) travel back here (``Relay.commands_for``). A remote session takes no
task but the ones claimed for it, so its worker's slots are only ever counted here.

An owner tells the others when it keeps queued tasks its own workers cannot take (a WorkQueued notice);
they pull then, and now and then anyway while a worker of theirs idles.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from taskstreamd.core.book import Book
from taskstreamd.core.dispatch import Dispatcher
from taskstreamd.core.intake import Intake
from taskstreamd.core.sessions import WorkerRegistry, WorkerSession
from taskstreamd.domain.worker_messages import (
    Assignment,
    Command,
    Drop,
    Finished,
    Heartbeat,
    Registration,
    Report,
    TakenBack,
)
from taskstreamd.replica import replica_of

log = logging.getLogger(__name__)

PULL_SECONDS = 1.0  # how often an idle worker asks again an owner that had nothing for it
RELAY_BATCH = 256


class PeerLink(Protocol):
    """Calls to another replica (the API layer implements them over ReplicaService)."""

    async def claim(
        self, replica: str, session: WorkerSession, registration: Registration, most: int
    ) -> list[Assignment]: ...

    async def relay(
        self, replica: str, worker_id: str, reports: Sequence[Report], disconnected: bool
    ) -> None: ...

    async def send(self, replica: str, worker_id: str, commands: Sequence[Command]) -> None: ...


@dataclass
class _Outgoing:
    """Reports for one owner from one worker, relayed in order by one task."""

    items: deque[tuple[list[Report], bool]] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


class Relay:
    def __init__(
        self,
        book: Book,
        workers: WorkerRegistry,
        dispatcher: Dispatcher,
        intake: Intake,
        link: PeerLink,
        peers: Callable[[], list[str]],  # the other replicas that own shards
    ) -> None:
        self.book = book
        self.workers = workers
        self.dispatcher = dispatcher
        self.intake = intake
        self.link = link
        self.peers = peers
        self.registrations: dict[str, Registration] = {}  # local worker id -> how it registered
        self._remote: dict[str, WorkerSession] = {}  # worker id -> its remote session here (owner side)
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._outgoing: dict[tuple[str, str], _Outgoing] = defaultdict(_Outgoing)
        self._asked: dict[tuple[str, str], float] = {}  # (worker, owner) -> when an ask came back empty
        self._pulling: dict[str, asyncio.Task[None]] = {}  # worker id -> its pull in progress
        self._timer: asyncio.Task[None] | None = None
        intake.relay = self

    def start(self) -> None:
        self._timer = asyncio.create_task(self._pull_now_and_then(), name="relay-pull")

    async def close(self) -> None:
        tasks = [t for t in (self._timer, *self._pumps.values(), *self._pulling.values()) if t is not None]
        tasks += [o.task for o in self._outgoing.values() if o.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- the worker's side: pull, relay ------------------------------------------------------------------

    def registered(self, session: WorkerSession, registration: Registration) -> None:
        self.registrations[session.id] = registration

    def work_queued(self, owner: str) -> None:
        """``owner`` keeps tasks its workers cannot take: the idle workers here ask it at once."""
        for key in [k for k in self._asked if k[1] == owner]:
            del self._asked[key]
        self.pull()

    def pull(self) -> None:
        """Asks owners for work for every worker here with free slots."""
        for session in self.workers:
            if session.remote or not session.live() or session.idle_slots <= 0:
                continue
            if session.id not in self._pulling:
                self._pulling[session.id] = asyncio.create_task(self._pull(session))

    async def _pull_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(PULL_SECONDS)  # a safety net for notices lost while reconnecting
            self.pull()

    async def _pull(self, session: WorkerSession) -> None:
        try:
            registration = self.registrations.get(session.id)
            if registration is None:
                return
            now = time.monotonic()
            for owner in self.peers():
                room = session.idle_slots
                if room <= 0 or self.workers.get(session.id) is not session:
                    return
                asked = self._asked.get((session.id, owner))
                if asked is not None and now - asked < PULL_SECONDS:
                    continue
                try:
                    assignments = await self.link.claim(owner, session, registration, room)
                except Exception as error:
                    log.debug("asking replica %s for work failed: %s", owner, error)
                    self._asked[(session.id, owner)] = now
                    continue
                if not assignments:
                    self._asked[(session.id, owner)] = now
                    continue
                self._asked.pop((session.id, owner), None)
                if (
                    self.workers.get(session.id) is not session
                ):  # it left meanwhile: the owner's lease expires
                    self._to(owner, session.id, [], disconnected=True)
                    return
                for assignment in assignments:
                    task_id = _task_id(assignment.assignment_id)
                    session.sent(task_id, assignment.type or "python_object", assignment.assignment_id)
                    session.remote_owner[task_id] = owner
                    session.send(assignment)
        finally:
            self._pulling.pop(session.id, None)

    def relay(self, session: WorkerSession, reports: Sequence[Report]) -> list[Report]:
        """Sends on the reports about tasks other replicas own; the rest, for this one, come back."""
        if not session.remote_owner:
            return list(reports)
        own: list[Report] = []
        routed: dict[str, list[Report]] = defaultdict(list)
        for report in reports:
            aid = getattr(report, "assignment_id", None)
            owner = session.remote_owner.get(_task_id(aid)) if aid else None
            if owner is None:
                own.append(report)
                continue
            routed[owner].append(report)
            if isinstance(report, Finished) or (isinstance(report, TakenBack) and report.taken_back):
                task_id = _task_id(report.assignment_id)  # its slot here is free
                session.finished(task_id, report.assignment_id)
                session.remote_owner.pop(task_id, None)
        for owner, forwarded in routed.items():
            self._to(owner, session.id, forwarded)
        return own

    def heartbeat(self, session: WorkerSession) -> None:
        for owner in set(session.remote_owner.values()):
            self._to(owner, session.id, [Heartbeat()])

    def disconnected(self, session: WorkerSession) -> None:
        self.registrations.pop(session.id, None)
        for owner in set(session.remote_owner.values()) | {o for w, o in self._asked if w == session.id}:
            self._to(owner, session.id, [], disconnected=True)
        for key in [k for k in self._asked if k[0] == session.id]:
            del self._asked[key]

    def commands_for(self, worker_id: str, commands: Sequence[Command]) -> bool:
        """An owner's commands for a worker connected here; False when it is not."""
        session = self.workers.get(worker_id)
        if session is None or session.remote:
            return False
        for command in commands:
            if isinstance(command, Drop):  # it will not report the task again: its slot is free
                task_id = _task_id(command.assignment_id)
                if session.remote_owner.pop(task_id, None) is not None:
                    session.finished(task_id, command.assignment_id)
                    self.dispatcher.kick()
            session.send(command)
        return True

    def _to(self, owner: str, worker_id: str, reports: list[Report], *, disconnected: bool = False) -> None:
        outgoing = self._outgoing[(owner, worker_id)]
        outgoing.items.append((reports, disconnected))
        if outgoing.task is None or outgoing.task.done():
            outgoing.task = asyncio.create_task(self._send_reports(owner, worker_id, outgoing))

    async def _send_reports(self, owner: str, worker_id: str, outgoing: _Outgoing) -> None:
        while outgoing.items:
            reports: list[Report] = []
            disconnected = False
            while outgoing.items and len(reports) < RELAY_BATCH and not disconnected:
                more, disconnected = outgoing.items.popleft()
                reports.extend(more)
            try:
                await self.link.relay(owner, worker_id, reports, disconnected)
            except Exception as error:  # the owner is gone: its successor retries the tasks
                log.warning("relaying reports of worker %s to replica %s failed: %s", worker_id, owner, error)
        self._outgoing.pop((owner, worker_id), None)

    # -- the owner's side: claims, relayed reports, remote sessions --------------------------------------

    async def claim_for(
        self, worker_id: str, registration: Registration, projects: frozenset[str] | None, most: int
    ) -> list[Assignment]:
        """Assigns up to ``most`` queued tasks to a worker connected to another replica; once committed."""
        session = self._remote_session(worker_id, registration, projects)
        self.intake.heartbeat(session)
        assignments = self.dispatcher.assign_to(session, most)
        if assignments:
            await self.book.writer.soon()
        return assignments

    async def reports_from(self, worker_id: str, reports: Sequence[Report], disconnected: bool) -> None:
        session = self._remote.get(worker_id)
        if session is None:
            if not reports:
                return
            session = self._remote_session(worker_id, Registration(name="", slots=1, task_types={}), None)
        if reports:
            await self.intake.receive(session, reports)
        if disconnected:
            self._forget(session)

    def _remote_session(
        self, worker_id: str, registration: Registration, projects: frozenset[str] | None
    ) -> WorkerSession:
        session = self._remote.get(worker_id)
        if session is not None:
            return session
        session = WorkerSession.of(registration, prefetch=0, short_prefetch=0, projects=projects)
        session.id = worker_id
        session.remote = replica_of(worker_id)
        self._remote[worker_id] = session
        self.intake.connect(session)
        self._pumps[worker_id] = asyncio.create_task(self._pump(session), name=f"commands-{worker_id}")
        return session

    def _forget(self, session: WorkerSession) -> None:
        self._remote.pop(session.id, None)
        self.intake.disconnect(session)
        session.close()

    async def _pump(self, session: WorkerSession) -> None:
        """Carries a remote session's commands to the replica its worker is connected to."""
        try:
            while True:
                commands = await session.outbox.take(RELAY_BATCH)
                live = [c for c in commands if c is not None]
                if live:
                    try:
                        await self.link.send(session.remote, session.id, live)
                    except Exception as error:
                        log.warning(
                            "commands for worker %s did not reach replica %s: %s",
                            session.id,
                            session.remote,
                            error,
                        )
                if len(live) < len(commands):
                    return
        finally:
            self._pumps.pop(session.id, None)


def _task_id(assignment_id: str) -> int:
    head, _, _ = assignment_id.partition("-")
    return int(head) if head.isdigit() else -1
