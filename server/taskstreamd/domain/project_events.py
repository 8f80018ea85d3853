"""A project's log of instance-level changes: what a project watch (WatchInstances) follows.

Each instance-level change (an instance created, its status changed, retention deleted it) is also
recorded once in its project's log, in the same commit as the instance's own event. The writer numbers
the project's entries as it commits them (``seq``: the project's next numbers, in commit order, whichever
replica commits), so one number tells a follower where it is in the whole project; an instance's own
``seq`` cannot, as instances move independently.

``data`` is the change encoded once by the codec (without the project seq, which is only known at the
commit: the wire layer appends it when it frames the event). ``facts`` are what a watch's filter looks
at: known at once for a change recorded here, decoded from ``data`` for one read from the store.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from taskstreamd.domain.model import Instance
from taskstreamd.domain.vocabulary import InstanceStatus


class ProjectChange(enum.IntEnum):
    """The kinds of project log entries (the stored format of the log's ``kind`` column)."""

    CREATED = 5
    STATUS = 6
    DELETED = 7


@dataclass(frozen=True, slots=True)
class InstanceFacts:
    """What a filter of a project watch reads of an instance at one change."""

    instance_id: str
    owner: str
    status: InstanceStatus
    previous_status: InstanceStatus | None  # None but for a status change
    labels: Mapping[str, str]
    task_types: frozenset[str]
    create_time: datetime | None  # None for a deletion (its facts are the tombstone's)


def facts_of(instance: Instance, previous: InstanceStatus | None = None) -> InstanceFacts:
    return InstanceFacts(
        instance.id,
        instance.owner,
        instance.status,
        previous,
        instance.labels,
        frozenset(task_types(instance)),
        instance.create_time,
    )


def task_types(instance: Instance) -> list[str]:
    """The types of an instance's tasks, each once, sorted."""
    return sorted({t.type for t in instance.tasks})


@dataclass(slots=True, eq=False)
class ProjectEvent:
    """One entry of a project's log. ``seq`` is 0 until the commit that writes it numbers it."""

    project: str
    instance_id: str
    instance_seq: int
    kind: int
    data: bytes
    time: datetime | None = None  # when it was recorded
    seq: int = 0
    facts: InstanceFacts | None = None
    framed: bytes = field(default=b"", repr=False)  # free for the sending layer, as RecordedEvent's


class ProjectCodec(Protocol):
    """How project log entries are encoded and read back (the wire layer implements it)."""

    def encode_project(
        self,
        instance: Instance,
        kind: ProjectChange,
        previous: InstanceStatus | None,
        time: datetime,
    ) -> bytes: ...

    def encode_deletion(
        self, instance_id: str, project: str, successful: bool, end_time: datetime, time: datetime
    ) -> bytes: ...

    def project_facts(self, kind: int, data: bytes) -> InstanceFacts: ...


@dataclass(frozen=True)
class InstanceFilter:
    """Which instances a project watch follows: those matching every condition given."""

    statuses: frozenset[InstanceStatus] = frozenset()
    owner: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    task_types: frozenset[str] = frozenset()
    create_time_start: datetime | None = None
    create_time_end: datetime | None = None

    def matches(self, facts: InstanceFacts) -> bool:
        """Whether a change is sent: the instance matches, before or after it. A status change that
        takes an instance out of the statuses asked for is sent, so that a follower sees it leave; a
        deletion is sent for every instance, as a follower may hold it whatever the filter."""
        if facts.create_time is None:
            return True
        if self.owner and facts.owner != self.owner:
            return False
        if any(facts.labels.get(k) != v for k, v in self.labels.items()):
            return False
        if self.task_types and not (self.task_types & facts.task_types):
            return False
        if self.create_time_start is not None and facts.create_time < self.create_time_start:
            return False
        if self.create_time_end is not None and facts.create_time >= self.create_time_end:
            return False
        return not self.statuses or _any_in(self.statuses, (facts.status, facts.previous_status))


def _any_in(wanted: Collection[InstanceStatus], found: tuple[InstanceStatus | None, ...]) -> bool:
    return any(s in wanted for s in found if s is not None)
