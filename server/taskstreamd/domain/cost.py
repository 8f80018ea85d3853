"""What one attempt of a task cost, as the worker that ran it measured it in the task's process."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TaskCost:
    cpu_seconds: float  # user and system, the task's process and the children it waited for
    memory_peak_bytes: int  # the process's peak resident memory during the task; 0: not known

    @classmethod
    def reported(cls, cpu_seconds: float, memory_peak_bytes: int) -> TaskCost | None:
        """The cost a worker reported, or None when a figure is impossible (negative, NaN, infinite)."""
        if not math.isfinite(cpu_seconds) or cpu_seconds < 0 or memory_peak_bytes < 0:
            return None
        return cls(cpu_seconds, memory_peak_bytes)
