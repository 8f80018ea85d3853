"""What decides when a task may run besides a free worker: its retry policy, its dependencies and its
instance's start time, as plain data the state machine reads.

Reasons to wait come in two kinds. The state machine holds a task out of the run queue for a reason of
its instance's own (``HELD``: a start time to come, a dependency to end, a backoff to wait out); the
dispatcher knows why a queued task has not gone to a worker yet (``IN_QUEUE``) and says so when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from taskstreamd.domain.cost import TaskCost
from taskstreamd.domain.vocabulary import TaskStatus, WaitingReason

HELD = frozenset({WaitingReason.SCHEDULED, WaitingReason.DEPENDENCY, WaitingReason.BACKOFF})
IN_QUEUE = frozenset(
    {
        WaitingReason.QUEUED,
        WaitingReason.NO_WORKER_FOR_TYPE,
        WaitingReason.NO_MATCHING_LABELS,
        WaitingReason.CONCURRENCY_LIMIT,
    }
)
# Outcomes of an attempt a retry policy retries (a cancellation never is).
RETRIED = frozenset({TaskStatus.FAILED, TaskStatus.ENVIRONMENT_ERROR, TaskStatus.TIMED_OUT})
MAX_ATTEMPTS = 1000


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon a failed task runs again (seconds throughout)."""

    max_attempts: int
    initial_backoff: float = 1.0
    multiplier: float = 2.0
    max_backoff: float | None = None  # None: 100 times initial_backoff
    jitter: float = 0.0  # the share of a wait that a random part of may be taken off
    non_retryable: tuple[str, ...] = ()

    def backoff(self, retry: int, rand: float) -> float:
        """The wait before retry number ``retry`` (from 1); ``rand`` in [0, 1) draws the jitter."""
        ceiling = self.max_backoff if self.max_backoff is not None else 100 * self.initial_backoff
        wait = min(self.initial_backoff * self.multiplier ** (retry - 1), ceiling)
        return wait * (1 - self.jitter * rand)

    def retries(self, error_type: str) -> bool:
        """Whether an error of this type may be retried: not when the policy names it (or its last
        dotted part, so "ValueError" covers "builtins.ValueError")."""
        short = error_type.rpartition(".")[2]
        return error_type not in self.non_retryable and short not in self.non_retryable


@dataclass(frozen=True)
class Dependency:
    """An edge to a task of the same instance, by its index (and name, as submitted)."""

    index: int
    name: str
    allow_failure: bool = False


@dataclass
class Attempt:
    """An earlier attempt of a task, kept when its retry policy retried it."""

    number: int
    status: TaskStatus
    worker: str
    start_time: datetime | None
    end_time: datetime | None
    error_type: str = ""
    error_message: str = ""
    error_traceback: str = ""
    result: bytes | None = None  # a serialized Result, as reported
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    cost: TaskCost | None = None  # as its worker measured it


def find_cycle(edges: dict[int, list[int]]) -> list[int] | None:
    """A cycle among tasks (``edges``: task index -> the indexes it depends on), as the indexes on it;
    None when there is none. Iterative, so a long chain does not overflow the stack."""
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    for root in edges:
        if state.get(root):
            continue
        path: list[int] = []
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            node, next_edge = stack.pop()
            if next_edge == 0:
                state[node] = 1
                path.append(node)
            targets = edges.get(node, [])
            if next_edge < len(targets):
                stack.append((node, next_edge + 1))
                target = targets[next_edge]
                if state.get(target) == 1:
                    return path[path.index(target) :]
                if not state.get(target):
                    stack.append((target, 0))
                continue
            state[node] = 2
            path.pop()
    return None
