"""Task types the integration tests run (loaded by the test server's workers with --tasks)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from taskstream import TaskContext, TaskEnvironment, task


@task("noop")
def noop(ctx: TaskContext) -> None:
    """Does nothing."""


@task("echo")
def echo(ctx: TaskContext, **params: Any) -> dict[str, Any]:
    """Returns its parameters."""
    return params


@task("chatty")
def chatty(ctx: TaskContext, text: str = "hello") -> str:
    """Writes to both streams from Python, from C and from a subprocess."""
    print(f"py-out {text}")
    print(f"py-err {text}", file=sys.stderr)
    sys.stdout.flush()
    libc = ctypes.CDLL(None)
    libc.puts(b"c-out")
    libc.fflush(None)
    os.system("echo sub-out; echo sub-err 1>&2")
    return text.upper()


@task("fail")
def fail(ctx: TaskContext, message: str = "boom") -> None:
    """Sets properties, then raises."""
    ctx.set_property("Property1", 100)
    ctx.set_property("Property2", "one hundred")
    ctx.set_property("ratio", 0.5)
    ctx.set_property("blob", b"\x00\x01")
    raise ValueError(message)


@task("exclusive")
def exclusive(ctx: TaskContext, path: str) -> int:
    """Creates the file at ``path``, failing if it exists: a task run twice fails its second run."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return os.getpid()


@task("bad_property")
def bad_property(ctx: TaskContext) -> None:
    """Sets a property of a type STK does not allow."""
    ctx.set_property("list", [1, 2])  # type: ignore[arg-type]


@task("progress")
def progress(ctx: TaskContext) -> str:
    """Reports STK progress and two PyODPS stages."""
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
    return "done"


@task("wait_cancel")
def wait_cancel(ctx: TaskContext, limit: float = 60.0) -> str:
    """Blocks until cancelled (cooperatively), then returns."""
    ctx.wait_for_cancellation(limit)
    return "saw cancellation"


@task("stubborn")
def stubborn(ctx: TaskContext, marker: str = "") -> None:
    """Ignores cancellation; only a kill ends it."""
    if marker:
        Path(marker).write_text("running")
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.05)


@task("gate")
def gate(ctx: TaskContext, path: str, started: str = "") -> str:
    """Runs until the file at ``path`` exists (so tests control when it ends), at most 60 s."""
    if started:
        Path(started).write_text(f"started {os.getpid()}")
    deadline = time.monotonic() + 60
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.01)
    return "opened"


@task("crash")
def crash(ctx: TaskContext, how: str = "exit") -> None:
    """Kills its own process."""
    print("about to crash", flush=True)
    ctx.set_property("before", "crash")
    if how == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    os._exit(3)


@task("spam")
def spam(ctx: TaskContext, lines: int = 100_000) -> int:
    """Prints numbered lines."""
    for i in range(lines):
        print(f"line {i:08d}")
    return lines


class BrokenEnvironment(TaskEnvironment):
    def setup(self) -> None:
        raise RuntimeError("database unreachable")


@task("needs_env", environment=BrokenEnvironment)
def needs_env(ctx: TaskContext) -> str:
    """Never runs: its environment fails."""
    return "ran"


class CountingEnvironment(TaskEnvironment):
    setups = 0

    def setup(self) -> None:
        CountingEnvironment.setups += 1


@task("env_ok", environment=CountingEnvironment)
def env_ok(ctx: TaskContext) -> int:
    """Returns how often its environment was set up in this process."""
    return CountingEnvironment.setups


@task("pid")
def pid(ctx: TaskContext) -> int:
    """The id of the process running the task."""
    return os.getpid()


@task("steps")
def steps(ctx: TaskContext, gates: str, count: int = 3) -> int:
    """Reports progress ``count`` times; after step i it waits for the file ``{gates}/{i}`` (at most 60 s).

    Tests open the gates as they see each step, so they decide when the task moves on.
    """
    deadline = time.monotonic() + 60
    for i in range(count):
        ctx.set_progress(100 * (i + 1) // count, f"step {i}")
        print(f"step {i}", flush=True)
        while not Path(gates, str(i)).exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"gate {i} never opened")
            time.sleep(0.01)
    return count


@task("staged_steps")
def staged_steps(ctx: TaskContext, gates: str, stages: int = 2) -> int:
    """Runs PyODPS stages one after another: stage i starts, waits for the file ``{gates}/{i}`` (at most
    60 s), then ends and the next starts. Tests decide when each stage ends."""
    deadline = time.monotonic() + 60
    names = [f"M{i + 1}_Stg1_job0" for i in range(stages)]
    for i, name in enumerate(names):
        ctx.update_stage(
            name, running_workers=1, terminated_workers=0, total_workers=1, finished_percentage=10
        )
        while not Path(gates, str(i)).exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"gate {i} never opened")
            time.sleep(0.01)
        ctx.update_stage(
            name, running_workers=0, terminated_workers=1, total_workers=1, finished_percentage=100
        )
    return stages


@task("set_properties")
def set_properties(ctx: TaskContext, values: dict[str, Any]) -> None:
    """Sets each property in ``values``, in order."""
    for key, value in values.items():
        ctx.set_property(key, value)


@task("flood")
def flood(ctx: TaskContext, mib: int = 64) -> int:
    """Writes ``mib`` MiB of numbered lines to stdout from a C-level write (fast), framed by markers."""
    line = b"x" * 1023 + b"\n"
    block = line * 1024  # 1 MiB
    os.write(1, b"FIRST-LINE\n")
    for _ in range(mib):
        os.write(1, block)
    os.write(1, b"LAST-LINE\n")
    return mib


@task("forker")
def forker(ctx: TaskContext, pids: str) -> str:
    """Leaves two processes behind and returns: a plain child holding stdout, and a double-forked,
    setsid daemon (outside the task's process group). Their pids go to the file ``pids``."""
    import subprocess

    child = subprocess.Popen(["sleep", "600"])  # inherits fds 1 and 2
    read_end, write_end = os.pipe()
    if os.fork() == 0:  # the daemon: fork, setsid, fork again, report its pid, sleep
        os.setsid()
        if os.fork() == 0:
            os.write(write_end, f"{os.getpid()}".encode())
            os.close(write_end)
            time.sleep(600)
        os._exit(0)
    os.close(write_end)
    daemon = os.read(read_end, 32).decode()
    os.close(read_end)
    Path(pids).write_text(f"{child.pid} {daemon}")
    print("left children behind", flush=True)
    return "returned"


def _worker_name() -> str:
    return os.environ.get("TASKSTREAM_TEST_WORKER", "")


def _append(path: Path, line: str) -> None:
    # One small O_APPEND write per line: lines from concurrent task processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


@task("where")
def where(ctx: TaskContext, runs: str = "", key: str = "") -> dict[str, str]:
    """Says which worker ran it, and appends "key worker" to the file ``runs`` (an execution count)."""
    if runs:
        _append(Path(runs), f"{key} {_worker_name()}")
    return {"worker": _worker_name(), "key": key}


@task("held_by_worker")
def held_by_worker(ctx: TaskContext, dir: str, limit: float = 120.0) -> dict[str, str]:
    """Writes dir/started-WORKER (its pid), waits until dir/open-WORKER exists, appends "done WORKER"
    to dir/runs and returns the worker's name: each worker's run is released on its own."""
    worker, base = _worker_name(), Path(dir)
    # Written whole then renamed: a test that sees the file can read the pid.
    (base / f"started-{worker}.tmp").write_text(str(os.getpid()))
    (base / f"started-{worker}.tmp").rename(base / f"started-{worker}")
    deadline = time.monotonic() + limit
    while not (base / f"open-{worker}").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"open-{worker} never appeared")
        time.sleep(0.02)
    _append(base / "runs", f"done {worker}")
    return {"worker": worker}


@task("flaky")
def flaky(ctx: TaskContext, succeed_on: int = 2, error: str = "OSError") -> str:
    """Fails (raising ``error``) until its attempt number reaches ``succeed_on`` (retry policies)."""
    print(f"attempt {ctx.attempt}")
    if ctx.attempt < succeed_on:
        raise {"OSError": OSError, "ValueError": ValueError}[error](f"attempt {ctx.attempt} failed")
    return f"succeeded on attempt {ctx.attempt}"


@task("combine")
def combine(ctx: TaskContext, names: list[str]) -> dict[str, Any]:
    """Returns its dependencies' results by name (ctx.dependency_result)."""
    return {name: ctx.dependency_result(name) for name in names}


@task("gate_one")
def gate_one(ctx: TaskContext, path: str) -> str:
    """``gate`` under a type the scheduling tests' server limits to one running task (--type-limit)."""
    return gate(ctx, path)


@task("trace_context")
def trace_context(ctx: TaskContext) -> dict[str, str]:
    """The W3C trace context the task was handed, and the trace that is current while it runs."""
    from opentelemetry import trace

    current = trace.get_current_span().get_span_context()
    return {
        "traceparent": ctx.traceparent,
        "tracestate": ctx.tracestate,
        "current_trace_id": format(current.trace_id, "032x") if current.is_valid else "",
    }


@task("costly")
def costly(ctx: TaskContext, cpu: float = 0.2, child_cpu: float = 0.1, megabytes: int = 64) -> int:
    """Costs at least ``cpu`` CPU seconds in its process, ``child_cpu`` in a child it waits for, and
    ``megabytes`` MiB of resident memory (tests.support.costly)."""
    from tests.support.costly import costly as burn

    return burn(cpu, child_cpu, megabytes)


class Booby:
    """What a hostile worker (or, with auth off, anyone) can hand back: unpickling it runs code of its
    choosing, here touching ``marker``. Pickling it (on the worker) runs nothing."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (Path.touch, (Path(self.marker),))

    def __repr__(self) -> str:
        return "Booby()"


@task("booby")
def booby(ctx: TaskContext, marker: str) -> Booby:
    """Returns an object whose pickle runs code when loaded (issue 20 item 4)."""
    return Booby(marker)
