"""When the stages of a task's progress started and ended, as the server saw them.

A task reports its stages (PyODPS's StageProgress) without times; the core stamps each stage with the
time it first showed the stage at work and the time it first showed it finished, and keeps the stamps
with the progress, so every reader (a watch, a Get, a page opened later) sees the same times. A new
attempt of the task starts its stages afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StageMark:
    """One stage of a progress report: its name, what the report says of it, and its stamps (if any)."""

    name: str
    active: bool  # at work or done: running or terminated workers, or a percentage above 0
    done: bool  # 100 percent, or every worker terminated
    start: datetime | None = None
    end: datetime | None = None


StageTimes = list[tuple[datetime | None, datetime | None]]


def stage_times(
    previous: Sequence[StageMark], current: Sequence[StageMark], now: datetime, attempt_start: datetime | None
) -> StageTimes:
    """The (start, end) of each stage of ``current``: kept from ``previous`` (the last stamped report)
    when the stage was stamped in this attempt (at or after ``attempt_start``), else stamped ``now`` once
    the stage is at work, and ended ``now`` once it is done."""
    before = {m.name: m for m in previous}
    times: StageTimes = []
    for mark in current:
        old = before.get(mark.name)
        start = end = None
        if (
            old is not None
            and old.start is not None
            and (attempt_start is None or old.start >= attempt_start)
        ):
            start, end = old.start, old.end
        if start is None and (mark.active or mark.done):
            start = now
        if not mark.done:
            end = None
        elif end is None:
            end = now
        times.append((start, end))
    return times
