"""A bounded cache of GetInstance answers (serialized protos) per instance id, never stale.

Every write transaction collects the ids of the instances it touched (``Transaction.touched``) and the store
tells the cache twice: ``committing`` just before the commit and ``committed`` right after it (before anyone
hears of the commit). Both drop the instances' answers; in between, those instances are served from the
database only and nothing read of them is kept, since a read then may see the state before or after the
commit.

A read that started before a commit could still come back with the older state after that; so every read
takes a ``Ticket`` before it reads the database, and ``put`` keeps its answer only while no commit touched
that instance since the ticket was taken. A read whose ticket was taken after ``committed`` began after the
commit, so it sees the committed state.

Only for a database this process alone writes (SQLite): with PostgreSQL, other replicas commit changes this
process never hears of in time, so the store keeps no cache there.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field

DEFAULT_CAPACITY = 4096
DEFAULT_MAX_BYTES = (
    64 * 1024 * 1024
)  # an instance of 10,000 tasks answers megabytes: entries alone are no bound


@dataclass(eq=False)
class Ticket:
    """Taken before a read; still ``valid`` while no write touched the instance since."""

    instance_id: str
    valid: bool = True


@dataclass(frozen=True)
class Answer:
    project: str
    data: bytes


@dataclass
class AnswerCache:
    capacity: int = DEFAULT_CAPACITY  # answers kept at most
    max_bytes: int = DEFAULT_MAX_BYTES  # their bytes at most; an answer over a sixteenth of it is not kept
    _bytes: int = 0
    _answers: OrderedDict[str, Answer] = field(default_factory=OrderedDict)
    _reading: dict[str, list[Ticket]] = field(default_factory=dict)  # tickets of reads in flight
    _committing: dict[str, int] = field(default_factory=dict)  # instances of commits under way

    def get(self, instance_id: str) -> Answer | None:
        answer = self._answers.get(instance_id)
        if answer is not None:
            self._answers.move_to_end(instance_id)
        return answer

    def ticket(self, instance_id: str) -> Ticket:
        """Take one before reading the database for an answer; hand it to ``put`` or ``discard``."""
        # While a commit touching the instance is under way, a read may see the state before or after it:
        # it answers, but keeps nothing.
        ticket = Ticket(instance_id, valid=instance_id not in self._committing)
        self._reading.setdefault(instance_id, []).append(ticket)
        return ticket

    def put(self, ticket: Ticket, answer: Answer) -> None:
        """Keeps the answer read under ``ticket``, unless a write touched the instance since."""
        self.discard(ticket)
        if not ticket.valid or self.capacity <= 0 or len(answer.data) * 16 > self.max_bytes:
            return
        self._forget(ticket.instance_id)
        self._answers[ticket.instance_id] = answer
        self._bytes += len(answer.data)
        while len(self._answers) > self.capacity or self._bytes > self.max_bytes:
            _, oldest = self._answers.popitem(last=False)
            self._bytes -= len(oldest.data)

    def _forget(self, instance_id: str) -> None:
        answer = self._answers.pop(instance_id, None)
        if answer is not None:
            self._bytes -= len(answer.data)

    def discard(self, ticket: Ticket) -> None:
        """Ends a read that stores nothing (it failed, or found no instance)."""
        tickets = self._reading.get(ticket.instance_id)
        if tickets is None:
            return
        try:
            tickets.remove(ticket)
        except ValueError:
            return
        if not tickets:
            del self._reading[ticket.instance_id]

    def invalidate(self, instance_ids: Collection[str]) -> None:
        """Forgets the answers of these instances, and the answers of reads of them still in flight."""
        for instance_id in instance_ids:
            self._forget(instance_id)
            for ticket in self._reading.pop(instance_id, ()):
                ticket.valid = False

    def committing(self, instance_ids: Collection[str]) -> None:
        """A transaction that touched these instances is about to commit: until ``committed``, their
        answers are neither served nor kept (a read may see the commit before the invalidation)."""
        for instance_id in instance_ids:
            self._committing[instance_id] = self._committing.get(instance_id, 0) + 1
        self.invalidate(instance_ids)

    def committed(self, instance_ids: Collection[str]) -> None:
        """The commit announced by ``committing`` ended (committed or not)."""
        for instance_id in instance_ids:
            left = self._committing.get(instance_id, 0) - 1
            if left > 0:
                self._committing[instance_id] = left
            else:
                self._committing.pop(instance_id, None)
        self.invalidate(instance_ids)

    def __len__(self) -> int:
        return len(self._answers)

    @property
    def bytes(self) -> int:
        return self._bytes
