"""Schedules: an instance template started at the times of a cron expression (in a time zone) or every
so many seconds, as plain data the core fires.

A schedule keeps one cursor, ``fired_through``: every fire time at or before it has been dealt with
(fired, skipped for overlap, or missed). A fire time is dealt with in the commit that moves the cursor
past it, the same commit as the instance it starts, so a restart neither fires it again nor forgets it.
When the owner comes back (a restart, a shard taken over) the fire times after the cursor that are
within the catch-up window fire late, the most recent ``MAX_CATCH_UP`` of them; older ones are missed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import cached_property

from taskstreamd.domain.cron import Cron, parse_cron, time_zone

DEFAULT_CATCH_UP = 3600.0  # seconds
MIN_CATCH_UP = 10.0  # a timer fires a little late: a firing on time is never missed
MAX_CATCH_UP_WINDOW = 7 * 86400.0
MAX_CATCH_UP = 100  # fire times caught up at most, the most recent ones
MIN_INTERVAL = 1.0
MAX_INTERVAL = 366 * 86400.0
_COUNTED = 10_000  # missed cron fire times counted one by one; beyond, the count is a lower bound
_TICK = timedelta(microseconds=1)


class OverlapPolicy(enum.Enum):
    """What a firing does while an instance the schedule started earlier has not terminated."""

    SKIP = "SKIP"  # starts nothing (counted as skipped)
    ALLOW = "ALLOW"  # starts another one beside it
    CANCEL_PREVIOUS = "CANCEL_PREVIOUS"  # stops the earlier ones, then starts the new one


@dataclass(frozen=True)
class Timing:
    """When a schedule fires: a cron expression in a time zone, or every ``interval`` seconds counted
    from ``anchor`` (the schedule's creation)."""

    cron: str = ""
    time_zone: str = "UTC"
    interval: float | None = None
    anchor: datetime | None = None

    @cached_property
    def _cron(self) -> Cron:
        return parse_cron(self.cron)

    @cached_property
    def _zone(self) -> tzinfo:
        return time_zone(self.time_zone)

    @cached_property
    def _step(self) -> int:
        assert self.interval is not None
        return max(1, round(self.interval * 1_000_000))  # microseconds: exact arithmetic

    def _passed(self, moment: datetime) -> int:
        """How many interval fire times come at or before ``moment``."""
        assert self.anchor is not None
        return max(0, _micros(moment - self.anchor) // self._step)

    def check(self) -> None:
        """Raises CronError when the expression or the zone is not valid."""
        if self.interval is None:
            self._cron  # noqa: B018 - parsing is the check
            self._zone  # noqa: B018

    def next_after(self, after: datetime) -> datetime | None:
        """The first fire time strictly after ``after``; None when there is none."""
        if self.interval is not None:
            assert self.anchor is not None
            return self.anchor + timedelta(microseconds=(self._passed(after) + 1) * self._step)
        return self._cron.next_after(after, self._zone)

    def nth_before(self, moment: datetime, back: int) -> datetime:
        """The ``back``-th most recent interval fire time at or before ``moment`` (1: the latest)."""
        assert self.anchor is not None
        return self.anchor + timedelta(microseconds=(self._passed(moment) - back + 1) * self._step)

    def count_between(self, start: datetime, end: datetime) -> int:
        """How many fire times fall in (start, end] (for cron, at most _COUNTED)."""
        if end <= start:
            return 0
        if self.interval is not None:
            return self._passed(end) - self._passed(start)
        count, moment = 0, self.next_after(start)
        while moment is not None and moment <= end and count < _COUNTED:
            count, moment = count + 1, self.next_after(moment)
        return count


def _micros(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class Schedule:
    """A schedule as its owner holds it (see the module's docstring for ``fired_through``)."""

    project: str
    id: str
    owner: str  # who created it: its instances run as this principal
    timing: Timing
    template: bytes  # the instances' template, opaque below the API layer (a serialized message)
    code: bool  # the template has Python-object tasks (each firing checks the owner may still submit code)
    overlap: OverlapPolicy
    catch_up_window: float
    create_time: datetime
    fired_through: datetime
    paused: bool = False
    update_time: datetime | None = None
    last_fire_time: datetime | None = None  # the fire time of the last instance it started
    last_instance: str = ""  # that instance's id
    fire_count: int = 0  # instances started, by the timing and by triggers
    skip_count: int = 0  # fire times that started nothing (overlap SKIP, or an error)
    miss_count: int = 0  # fire times older than the catch-up window when the owner came back
    last_error: str = ""  # why the last firing that failed started nothing
    last_error_time: datetime | None = None
    request_id: str = ""
    fingerprint: str = ""
    answer: bytes = b""  # what the create with ``request_id`` answered

    @property
    def name(self) -> str:
        return schedule_name(self.project, self.id)

    def next_fire_time(self) -> datetime | None:
        return None if self.paused else self.timing.next_after(self.fired_through)


@dataclass(frozen=True)
class CatchUp:
    """The fire times that are due now: ``due`` fire (oldest first), ``missed`` are dropped."""

    due: list[datetime] = field(default_factory=list)
    missed: int = 0
    missed_through: datetime | None = None  # the cursor once the missed ones are dealt with


def catch_up(schedule: Schedule, now: datetime) -> CatchUp:
    """What is due at ``now``: the fire times after the cursor, those older than the catch-up window
    missed, of the rest the most recent MAX_CATCH_UP."""
    timing = schedule.timing
    horizon = now - timedelta(seconds=max(schedule.catch_up_window, MIN_CATCH_UP))
    start = schedule.fired_through
    missed = 0
    if start < horizon - _TICK:
        missed = timing.count_between(start, horizon - _TICK)
        start = horizon - _TICK
    total = timing.count_between(start, now)
    if total > MAX_CATCH_UP:  # only the most recent
        if timing.interval is not None:
            skip_to = timing.nth_before(now, MAX_CATCH_UP) - _TICK
        else:
            skip_to = start
            for _ in range(total - MAX_CATCH_UP):
                found = timing.next_after(skip_to)
                assert found is not None
                skip_to = found
        missed += total - MAX_CATCH_UP
        start = skip_to
    due: list[datetime] = []
    moment = timing.next_after(start)
    while moment is not None and moment <= now:
        due.append(moment)
        moment = timing.next_after(moment)
    return CatchUp(due, missed, start if missed else None)


def schedule_name(project: str, schedule_id: str) -> str:
    return f"projects/{project}/schedules/{schedule_id}"


@dataclass(frozen=True)
class NewSchedule:
    """A schedule as a caller asks for it (validated); ``template`` stays as the caller gave it."""

    project: str
    id: str
    owner: str
    timing: Timing
    template: bytes
    code: bool
    overlap: OverlapPolicy = OverlapPolicy.SKIP
    catch_up_window: float = DEFAULT_CATCH_UP
    paused: bool = False
    request_id: str = ""
    fingerprint: str = ""
