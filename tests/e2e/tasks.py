"""Task types for the CLI tests, loaded by the e2e server's workers next to tests.support.tasks."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from taskstream import TaskContext, task

_GATE_LIMIT = 60.0


def _wait_for(path: str) -> None:
    """Returns once the file at ``path`` exists, so a test decides when a task moves on (at most 60 s)."""
    deadline = time.monotonic() + _GATE_LIMIT
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.01)


@task("staged")
def staged(ctx: TaskContext, gate: str) -> dict[str, int]:
    """Reports progress with two PyODPS stages, waits for ``gate``, then finishes both stages."""
    ctx.set_progress(40, "reading")
    ctx.update_stage(
        "M1_Stg1_job0", running_workers=0, terminated_workers=1, total_workers=1, finished_percentage=100
    )
    ctx.update_stage(
        "R2_1_Stg1_job0",
        running_workers=1,
        terminated_workers=0,
        total_workers=2,
        backup_workers=1,
        finished_percentage=50,
    )
    _wait_for(gate)
    ctx.update_stage(
        "R2_1_Stg1_job0", running_workers=0, terminated_workers=2, total_workers=2, finished_percentage=100
    )
    ctx.set_progress(100, "written")
    return {"rows": 3}


@task("gated_spam")
def gated_spam(ctx: TaskContext, gate: str, lines: int) -> int:
    """Prints "start", waits for ``gate``, then prints ``lines`` numbered lines and one line to stderr."""
    print("start", flush=True)
    _wait_for(gate)
    for i in range(lines):
        print(f"line {i:08d}")
    print(f"{lines} lines written", file=sys.stderr)
    return lines
