"""Example tasks, loaded by ``make run`` (``taskstreamd serve --tasks taskstream.examples``).

They show the authoring API: parameters, results, progress, stages, properties and cancellation.
"""

from __future__ import annotations

from typing import Any

from taskstream.authoring import TaskContext, task


@task("echo")
def echo(ctx: TaskContext, **params: Any) -> dict[str, Any]:
    """Returns its parameters."""
    print(f"echo: {params}")
    return params


@task("sleep")
def sleep(ctx: TaskContext, seconds: float = 1.0) -> float:
    """Sleeps for the given seconds; returns early when cancelled."""
    ctx.set_progress(0, f"sleeping {seconds:g}s")
    cancelled = ctx.wait_for_cancellation(seconds)
    if cancelled and ctx.cancellation is not None:
        print(f"cancelled: {ctx.cancellation.message}")
    else:
        ctx.set_progress(100, "awake")
    return seconds


@task("progress_demo")
def progress_demo(ctx: TaskContext, stages: int = 3, steps: int = 4, delay: float = 0.2) -> str:
    """Walks through map/reduce-like stages, reporting PyODPS-style stage progress."""
    names = [f"M{i + 1}_Stg1_job0" for i in range(stages)]
    for index, name in enumerate(names):
        for step in range(steps + 1):
            ctx.update_stage(
                name,
                running_workers=0 if step == steps else 1,
                terminated_workers=step,
                total_workers=steps,
                input_records=step * 1000,
                output_records=step * 10,
                finished_percentage=100 * step // steps,
            )
            done = (index * steps + step) * 100 // (stages * steps)
            ctx.set_progress(done, f"{name}: step {step}/{steps}")
            if ctx.wait_for_cancellation(delay):
                return "cancelled"
        ctx.set_property(f"{name}.records", steps * 1000)
    return "done"


@task("fail")
def fail(ctx: TaskContext, message: str = "this task fails on purpose") -> None:
    """Sets a property, then raises RuntimeError(message)."""
    ctx.set_property("reached", "before the failure")
    raise RuntimeError(message)
