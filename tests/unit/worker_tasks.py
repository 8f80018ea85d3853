"""Tasks the worker tests run; the worker and its child processes import this module by name."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from typing import Any

from taskstream.authoring import TaskContext, TaskEnvironment, task
from tests.support import costly as costs

# A task process importing this module exits at once while the file this names exists (a child that
# dies before it can start any task).
DIE_AT_IMPORT = "TASKSTREAM_TEST_DIE_AT_IMPORT"
if os.path.exists(os.environ.get(DIE_AT_IMPORT, "\0")):
    os._exit(9)


class CountingEnvironment(TaskEnvironment):
    """Counts its setups in this process, so a test can see that one setup serves many tasks."""

    setups = 0

    def setup(self) -> None:
        type(self).setups += 1
        print("environment setup")


class BrokenEnvironment(TaskEnvironment):
    def setup(self) -> None:
        print("setting up a broken environment")
        raise RuntimeError("no database today")


@task("t.echo", description="Returns its parameters and writes to both streams.")
def echo(ctx: TaskContext, **params: Any) -> dict[str, Any]:
    print("to stdout")
    print("to stderr", file=sys.stderr)
    os.write(1, b"raw fd 1\n")
    os.system("echo hi")  # a subprocess writes to the inherited fd 1
    ctypes.CDLL(None).puts(b"from C")  # buffered by C stdio until the worker flushes it
    return params


@task("t.pid")
def pid(ctx: TaskContext) -> int:
    return os.getpid()


@task("t.die_on_next")
def die_on_next(ctx: TaskContext) -> int:
    """Ends normally, but its task process exits as soon as the next task reaches it, before starting it."""
    from taskstreamd.workers import child

    receive = child.TaskLoop._receive

    def exit_once_received(self: child.TaskLoop) -> bool:
        receive(self)
        os._exit(5)

    child.TaskLoop._receive = exit_once_received  # type: ignore[method-assign]
    return os.getpid()


@task("t.noop")
def noop(ctx: TaskContext) -> None:
    return None


@task("t.costly")
def costly(ctx: TaskContext, cpu: float = 0.2, child_cpu: float = 0.1, megabytes: int = 64) -> int:
    """Costs at least ``cpu`` + ``child_cpu`` CPU seconds and ``megabytes`` MiB of resident memory."""
    return costs.costly(cpu, child_cpu, megabytes)


@task("t.fail")
def fail(ctx: TaskContext) -> None:
    ctx.set_property("before", 1)
    raise ValueError("boom")


@task("t.bad_property")
def bad_property(ctx: TaskContext) -> None:
    ctx.set_property("ok", "yes")
    ctx.set_property("bad", [1, 2])  # type: ignore[arg-type]


@task("t.progress")
def progress(ctx: TaskContext) -> str:
    ctx.set_progress(10, "starting")
    ctx.update_stage("M1", running_workers=1, terminated_workers=0, total_workers=2, finished_percentage=0)
    ctx.update_stage("R2", running_workers=0, terminated_workers=0, total_workers=1, finished_percentage=0)
    ctx.update_stage(
        "M1",
        running_workers=0,
        terminated_workers=2,
        total_workers=2,
        finished_percentage=100,
        input_records=5,
    )
    ctx.set_progress(100, "done")
    return "ok"


@task("t.counted_env", environment=CountingEnvironment)
def counted_env(ctx: TaskContext) -> int:
    assert isinstance(ctx.environment, CountingEnvironment)
    return CountingEnvironment.setups


@task("t.broken_env", environment=BrokenEnvironment)
def broken_env(ctx: TaskContext) -> str:
    return "never runs"


@task("t.wait_cancel", description="Waits until cancelled, then returns the cancellation.")
def wait_cancel(ctx: TaskContext) -> dict[str, str]:
    ctx.set_property("pid", os.getpid())
    print("waiting", flush=True)
    if not ctx.wait_for_cancellation(30):
        return {}
    assert ctx.cancellation is not None and ctx.cancelled
    print(f"cancelled: {ctx.cancellation.reason.name}", flush=True)
    return {"reason": ctx.cancellation.reason.name, "message": ctx.cancellation.message}


@task("t.ignore_cancel")
def ignore_cancel(ctx: TaskContext) -> str:
    ctx.set_property("pid", os.getpid())
    print("ignoring cancellations", flush=True)
    time.sleep(30)
    return "too late"


@task("t.exit")
def exit_hard(ctx: TaskContext, code: int = 3, runs: str = "") -> None:
    """Exits its task process; appends a line to ``runs`` first when given, to count its runs."""
    if runs:
        with open(runs, "a") as f:
            f.write("ran\n")
    print("about to exit", flush=True)
    os._exit(code)


@task("t.quiet_wait", description="Writes a line, then waits until cancelled, reporting nothing.")
def quiet_wait(ctx: TaskContext) -> None:
    os.write(1, b"working\n")
    ctx.wait_for_cancellation(30)


@task("t.segv")
def segfault(ctx: TaskContext) -> None:
    print("about to crash", flush=True)
    os.kill(os.getpid(), signal.SIGSEGV)


@task("t.write")
def write(ctx: TaskContext, size: int, stream: int = 1) -> int:
    """Writes ``size`` bytes of a repeating pattern (each byte is its offset modulo 251) to fd 1 or 2."""
    data = bytes(i % 251 for i in range(size))
    view = memoryview(data)
    while view:
        written = os.write(stream, view)
        view = view[written:]
    return size


@task("t.params")
def params(ctx: TaskContext, a: int, b: int = 2) -> int:
    return a + b


@task("t.async")
async def async_task(ctx: TaskContext, value: str) -> str:
    return value.upper()
