"""Connected worker sessions as the scheduler sees them: free slots, task types, and an outbox."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE
from taskstreamd.replica import REPLICA_ID
from taskstreamd.store.repository import QueuedTask

_ids = itertools.count(1)


@dataclass
class WorkerSession:
    name: str
    slots: int
    task_types: dict[str, str]  # name -> description
    accepts_python_objects: bool
    id: str = field(default_factory=lambda: f"{REPLICA_ID}/w{next(_ids)}")  # unique across replicas
    outbox: asyncio.Queue[wpb.ConnectResponse | None] = field(default_factory=asyncio.Queue)
    running: set[int] = field(default_factory=set)  # task ids holding a slot

    @property
    def free_slots(self) -> int:
        return self.slots - len(self.running)

    def can_run(self, task: QueuedTask) -> bool:
        if task.type == PYTHON_OBJECT_TYPE:
            return self.accepts_python_objects
        return task.type in self.task_types

    def send(self, message: wpb.ConnectResponse) -> None:
        self.outbox.put_nowait(message)


class WorkerRegistry:
    def __init__(self) -> None:
        self._sessions: dict[str, WorkerSession] = {}

    def add(self, session: WorkerSession) -> None:
        self._sessions[session.id] = session

    def remove(self, session: WorkerSession) -> None:
        self._sessions.pop(session.id, None)

    def get(self, worker_id: str) -> WorkerSession | None:
        return self._sessions.get(worker_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._sessions.values()))

    def __len__(self) -> int:
        return len(self._sessions)

    def free(self) -> list[WorkerSession]:
        return [s for s in self._sessions.values() if s.free_slots > 0]

    def task_types(self) -> dict[str, tuple[str, int]]:
        """name -> (description, number of workers that run it)."""
        types: dict[str, tuple[str, int]] = {}
        for session in self._sessions.values():
            for name, description in session.task_types.items():
                _, count = types.get(name, (description, 0))
                types[name] = (description, count + 1)
        return types
