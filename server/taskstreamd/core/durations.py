"""How long the runs of each task type took lately, so the scheduler can tell short task types.

A worker is sent a short task beyond its slots only while everything it holds is short too (see
``WorkerSession.short_prefetch``): the queued task then waits behind a task that is expected to end
within milliseconds, and it saves the server round trip between one task's end and the next one's start,
which for a no-op task is most of its time. A type with too few runs, or whose runs took longer lately,
is not short: a SQL statement or a workflow is never queued behind. A short type's task can still hang;
then the tasks sent behind it are taken back once it is overdue (``OVERDUE_SECONDS``).
"""

from __future__ import annotations

# A type whose recent runs took this long or less on average counts as short.
SHORT_RUN_SECONDS = 0.05
# Runs seen before a type can count as short.
MIN_RUNS = 8
# Weight of the newest run in the moving average: one long run of a short type makes it long again.
NEWEST_WEIGHT = 0.3
# A task of a short type still running after this long turned out long: nothing more is queued behind it,
# and what waits behind it is taken back (TakeBackTask) for a worker with an idle slot.
OVERDUE_SECONDS = 1.0


class RunDurations:
    """A moving average of the run time of each task type (Python-object tasks share one)."""

    def __init__(self) -> None:
        self._types: dict[str, tuple[int, float]] = {}  # type -> (runs seen, moving average seconds)

    def record(self, task_type: str, seconds: float) -> None:
        runs, average = self._types.get(task_type, (0, 0.0))
        seconds = max(seconds, 0.0)
        average = seconds if runs == 0 else (1 - NEWEST_WEIGHT) * average + NEWEST_WEIGHT * seconds
        self._types[task_type] = (min(runs + 1, MIN_RUNS), average)

    def is_short(self, task_type: str) -> bool:
        runs, average = self._types.get(task_type, (0, 0.0))
        return runs >= MIN_RUNS and average <= SHORT_RUN_SECONDS
