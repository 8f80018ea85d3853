"""Connected worker sessions as the core sees them: slots, task types, what they hold, and an outbox.

The outbox holds commands (domain.worker_messages); the WorkerService servicer drains it, several at a
time when the worker takes batches, and converts them to messages there.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from taskstreamd.core.queue import QueuedTask
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE
from taskstreamd.domain.worker_messages import Command, Registration
from taskstreamd.replica import REPLICA_ID

# The default short-task prefetch (--short-task-prefetch unset). Deep for a worker that gives back what
# it has not started: no task then stays behind one that turned out long (core.durations), and a
# worker running no-op tasks is never left waiting for the server's next assignment. Shallow for one that
# does not, where a task sent too many would wait behind a long one for as long as that runs.
DEEP_SHORT_PREFETCH = 32
SHALLOW_SHORT_PREFETCH = 2


def short_prefetch_for(configured: int | None, *, gives_back: bool) -> int:
    """The short-task prefetch of a worker session: what the server was configured with, else the
    default for a worker that does (or does not) give back unstarted tasks."""
    if configured is not None:
        return configured
    return DEEP_SHORT_PREFETCH if gives_back else SHALLOW_SHORT_PREFETCH


def _new_id() -> str:
    # Unique across replicas and restarts; the replica prefix tells which server replica the session
    # belongs to (see taskstreamd.replica).
    return f"{REPLICA_ID}/w-{uuid.uuid4().hex[:16]}"


class Outbox:
    """Commands for one worker, in order; ``None`` ends the session."""

    def __init__(self) -> None:
        self._items: deque[Command | None] = deque()
        self._ready = asyncio.Event()

    def put(self, item: Command | None) -> None:
        self._items.append(item)
        self._ready.set()

    async def take(self, most: int) -> list[Command | None]:
        """Up to ``most`` items, waiting for the first; a ``None`` comes last in what is returned."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        taken: list[Command | None] = []
        while self._items and len(taken) < most:
            item = self._items.popleft()
            taken.append(item)
            if item is None:
                break
        return taken

    def __len__(self) -> int:
        return len(self._items)


@dataclass(eq=False)
class WorkerSession:
    name: str
    slots: int
    task_types: dict[str, str]  # name -> description
    accepts_python_objects: bool
    labels: dict[str, str] = field(default_factory=dict)
    # Assignments sent beyond the slots, which wait in the worker for a slot.
    prefetch: int = 0
    # More beyond those, of short task types only and only while everything it holds is short (see
    # core.durations): the round trip is saved without queueing behind a long task.
    short_prefetch: int = 0
    gives_back: bool = False  # it answers TakeBack (core.durations.OVERDUE_SECONDS)
    accepts_batches: bool = False
    projects: frozenset[str] | None = None  # whose tasks it may run (its token's scope); None: every one
    # A worker connected to another replica (its id), seen here as the owner of tasks it claimed for it:
    # it gets only those (core.relay), never this replica's dispatch.
    remote: str = ""
    id: str = field(default_factory=_new_id)
    outbox: Outbox = field(default_factory=Outbox)
    # Task id -> type, of the tasks sent to it (running or waiting there for a slot).
    running: dict[int, str] = field(default_factory=dict)
    assigned: dict[int, str] = field(default_factory=dict)  # task id -> assignment id
    # Task id -> monotonic time its start was recorded; and the tasks asked back, not yet answered.
    started_at: dict[int, float] = field(default_factory=dict)
    taking_back: set[int] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)  # assignment ids the worker was told to drop
    remote_owner: dict[int, str] = field(default_factory=dict)  # task id -> the replica that owns it
    alive_until: float = 0.0  # monotonic time when the last heartbeat stops vouching for the worker

    @classmethod
    def of(
        cls,
        registration: Registration,
        *,
        prefetch: int,
        short_prefetch: int,
        projects: frozenset[str] | None,
    ) -> WorkerSession:
        return cls(
            name=registration.name or "worker",
            slots=registration.slots,
            task_types=dict(registration.task_types),
            accepts_python_objects=registration.accepts_python_objects,
            labels=dict(registration.labels),
            prefetch=prefetch,
            short_prefetch=short_prefetch if registration.gives_back else min(short_prefetch, 2),
            gives_back=registration.gives_back,
            accepts_batches=registration.accepts_batches,
            projects=projects,
        )

    def heard(self, lease_seconds: float) -> None:
        self.alive_until = time.monotonic() + lease_seconds

    def live(self) -> bool:
        """False while the worker is silent for longer than a lease: it gets no new tasks then."""
        return time.monotonic() < self.alive_until

    def sent(self, task_id: int, task_type: str, assignment_id: str) -> None:
        self.running[task_id] = task_type
        self.assigned[task_id] = assignment_id

    def finished(self, task_id: int, assignment_id: str) -> None:
        """An attempt ended: its slot is free (unless the task was meanwhile given to us again)."""
        if self.assigned.get(task_id, assignment_id) == assignment_id:
            self.assigned.pop(task_id, None)
            self.running.pop(task_id, None)
            self.started_at.pop(task_id, None)
            self.taking_back.discard(task_id)

    @property
    def idle_slots(self) -> int:
        return max(0, self.slots - len(self.running))

    @property
    def busy_slots(self) -> int:
        return min(len(self.running), self.slots)

    @property
    def waiting(self) -> int:
        """Tasks sent to it beyond its slots (prefetched), waiting there for one."""
        return max(0, len(self.running) - self.slots)

    @property
    def free_slots(self) -> int:
        """How many more tasks it may be sent, prefetched ones included."""
        return self.slots + self.prefetch - len(self.running)

    @property
    def may_take_more(self) -> bool:
        return self._room_with_short > 0

    @property
    def _room_with_short(self) -> int:
        return self.slots + self.prefetch + self.short_prefetch - len(self.running)

    def short_room(self, is_short: Callable[[str], bool]) -> int:
        """How many short tasks it may be sent beyond its slots and prefetch: none while it holds a task
        that is not short (``is_short`` tells by type), since what is sent now would wait behind that."""
        room = self._room_with_short
        if room <= 0 or len(self.running) < self.slots:
            return 0  # full, or idle slots first: those take any task
        if not all(is_short(task_type) for task_type in self.running.values()):
            return 0
        return room

    def runs_overdue(self, now: float, overdue: float) -> bool:
        """Whether a task it runs started more than ``overdue`` seconds ago: nothing short may queue behind."""
        return any(now - at > overdue for at in self.started_at.values())

    def stuck_waiting(self, now: float, overdue: float) -> list[int]:
        """The tasks waiting in it for a slot while every slot runs a task that started more than
        ``overdue`` seconds ago; none while a slot may be about to free."""
        started = self.started_at.values()
        if len(self.started_at) < self.slots or any(now - at <= overdue for at in started):
            return []
        return [t for t in self.running if t not in self.started_at and t in self.assigned]

    def can_run(self, task: QueuedTask) -> bool:
        if self.projects is not None and task.project not in self.projects:
            return False
        if any(self.labels.get(key) != value for key, value in task.required_labels):
            return False
        if task.type == PYTHON_OBJECT_TYPE:
            return self.accepts_python_objects
        return task.type in self.task_types

    def send(self, command: Command) -> None:
        self.outbox.put(command)

    def close(self) -> None:
        self.outbox.put(None)


class WorkerRegistry:
    def __init__(self) -> None:
        self._sessions: dict[str, WorkerSession] = {}
        self.version = 0  # moves as workers come and go (what they offer changes)

        self.offered: set[str] = set()  # every task type a worker offered since the server started
        self._joined = asyncio.Event()  # set whenever a worker registers

    def add(self, session: WorkerSession) -> None:
        self._sessions[session.id] = session
        self.version += 1
        self.offered.update(session.task_types)
        self._joined.set()

    async def registered(self, count: int) -> None:
        """Returns once at least ``count`` workers are connected."""
        while len(self._sessions) < count:
            self._joined.clear()
            await self._joined.wait()

    def remove(self, session: WorkerSession) -> None:
        self._sessions.pop(session.id, None)
        self.version += 1

    def offering(self, task: QueuedTask) -> list[WorkerSession]:
        """The live sessions that offer the task's type to its project (labels aside)."""
        found = []
        for session in self._sessions.values():
            if session.projects is not None and task.project not in session.projects:
                continue
            offers = (
                session.accepts_python_objects
                if task.type == PYTHON_OBJECT_TYPE
                else task.type in session.task_types
            )
            if offers:
                found.append(session)
        return found

    def get(self, worker_id: str) -> WorkerSession | None:
        return self._sessions.get(worker_id)

    def __iter__(self) -> Iterator[WorkerSession]:
        return iter(list(self._sessions.values()))

    def __len__(self) -> int:
        return len(self._sessions)

    def free(self) -> list[WorkerSession]:
        return [s for s in self._sessions.values() if s.may_take_more and s.live() and not s.remote]

    def task_types(self) -> dict[str, tuple[str, int]]:
        """name -> (description, number of workers that run it)."""
        types: dict[str, tuple[str, int]] = {}
        for session in self._sessions.values():
            for name, description in session.task_types.items():
                _, count = types.get(name, (description, 0))
                types[name] = (description, count + 1)
        return types
