"""Shared parts of the benchmarks: servers, repetitions, medians, targets, machine facts, reports, tables.

A benchmark script runs from the repository (``python bench/NAME.py``), so this module, ``watchers`` and the
baselines in ``peers`` import as top-level modules; the repository root is put on sys.path for ``taskstream``
and ``tests.support``.
"""

from __future__ import annotations

import asyncio
import json
import math
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import grpc  # noqa: E402
from procs import cpu_seconds, descendants, machine, print_machine, rss_kb, thread_cpu, tree_cpu  # noqa: E402

from taskstream.v1 import instance_service_pb2, instance_service_pb2_grpc, task_pb2  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

REPORTS = REPO / "bench" / "reports"
PROJECT = "bench"
BENCH_TASKS = "bench.bench_tasks"

__all__ = ["descendants", "machine", "print_machine", "rss_kb"]


# ---------------------------------------------------------------------------------------------------------
# taskstream servers


@contextmanager
def taskstream_server(workers: int = 2, *extra: str) -> Iterator[ServerProcess]:
    """A fresh taskstreamd on 127.0.0.1:0 with its own data dir and the bench task types; stopped after."""
    with tempfile.TemporaryDirectory(prefix="ts-bench-") as data:
        server = ServerProcess(Path(data), "--tasks", BENCH_TASKS, *extra, workers=workers).start()
        try:
            yield server
        finally:
            try:
                server.stop()
            except Exception:
                server.kill()


def server_pid(server: ServerProcess) -> int:
    assert server.process is not None
    return server.process.pid


# ---------------------------------------------------------------------------------------------------------
# Repetitions and medians


def repeat(systems: dict[str, Callable[[], dict[str, Any]]], reps: int) -> dict[str, list[dict[str, Any]]]:
    """Runs every system once per repetition, interleaved, so a burst of load on the shared machine hits
    all of them alike rather than the one that happened to run then. A failing system records its error
    and is skipped in later repetitions."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in systems}
    broken: set[str] = set()
    for rep in range(reps):
        for name, run in systems.items():
            if name in broken:
                continue
            print(f"rep {rep + 1}/{reps}: {name} ...", flush=True)
            try:
                result = run()
            except Exception as exc:  # a baseline that cannot run is reported, not fatal
                broken.add(name)
                result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            runs[name].append(result)
            print("  " + ", ".join(f"{k}={cell(v)}" for k, v in result.items() if _scalar(v)), flush=True)
    return runs


@dataclass
class Lanes:
    """What ``lanes`` measured: each job's latency in seconds, the errors, and the elapsed seconds."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def lanes(
    job: Callable[[], Awaitable[object]], jobs: int, concurrency: int, max_seconds: float
) -> Lanes:
    """``concurrency`` coroutines share ``jobs`` jobs, each one ``await job()``, until all are taken or
    ``max_seconds`` passed."""
    measured = Lanes()
    taken = 0
    start = time.perf_counter()
    deadline = start + max_seconds

    async def lane() -> None:
        nonlocal taken
        while taken < jobs and time.perf_counter() < deadline:
            taken += 1
            t0 = time.perf_counter()
            try:
                await job()
                measured.latencies.append(time.perf_counter() - t0)
            except grpc.aio.AioRpcError as exc:
                measured.errors.append(f"{exc.code().name}: {exc.details()}"[:300])
            except Exception as exc:
                measured.errors.append(f"{type(exc).__name__}: {exc}"[:300])

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    measured.seconds = time.perf_counter() - start
    return measured


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every numeric figure over the repetitions that did not fail."""
    good = [run for run in runs if "error" not in run]
    if not good:
        return {"error": runs[0]["error"] if runs else "not run"}
    out: dict[str, Any] = {"repetitions": len(good)}
    for key, value in good[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            values = [run[key] for run in good if isinstance(run.get(key), int | float)]
            out[key] = statistics.median(values)
    return out


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ratio(a: Any, b: Any) -> float | None:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return None
    return a / b


def target(
    goal: str,
    met: bool | None,
    *,
    issue: int = 21,
    figure: Any = None,
    baseline: Any = None,
    ratio: float | None = None,
    value: Any = None,
    unit: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """One target as a report states it: the ``figure`` measured, the ``baseline`` it is compared with
    (measured in the same run) and their ``ratio`` when it has one, what it must be (``target``) and whether
    it is ``met`` (None: not measured, or a figure the issue sets no number for). ``value`` is what the
    target judges: the ratio when there is one, else the figure, unless given. ``issue``: 21 for issue 21's
    targets, 7 for issue 7's that were met and must stay met."""
    if value is None:
        value = ratio if ratio is not None else figure
    return {
        "issue": issue,
        "value": value,
        "figure": figure,
        "baseline": baseline,
        "ratio": ratio,
        "unit": unit,
        "target": goal,
        "met": None if value is None or met is None else bool(met),
        **extra,
    }


def at_least(ratio_value: float | None, goal: float) -> bool | None:
    return None if ratio_value is None else ratio_value >= goal


# ---------------------------------------------------------------------------------------------------------
# Reports and tables


def write_report(name: str, report: dict[str, Any], output: Path | None = None) -> Path:
    path = output or REPORTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return path


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(header: list[str], rows: list[list[Any]], first: int = 28, width: int = 16) -> None:
    print(f"{header[0]:{first}}" + "".join(f"{h:>{width}}" for h in header[1:]))
    for row in rows:
        print(f"{cell(row[0]):{first}}" + "".join(f"{cell(v):>{width}}" for v in row[1:]))


def print_targets(targets: dict[str, dict[str, Any]]) -> None:
    print()
    for name, t in targets.items():
        mark = {True: "met", False: "NOT MET", None: "not judged"}[t["met"]]
        print(f"{name:44} {cell(t['value']):>12}  target {t['target']:28}  {mark}")


# ---------------------------------------------------------------------------------------------------------
# Helper server scripts (raw gRPC baselines) that print one JSON ready line with their address


class Script:
    """Runs ``python bench/NAME.py ARGS`` and reads ``{"grpc": ADDRESS, ...}`` from its first line."""

    def __init__(self, name: str, *args: str) -> None:
        self.args = [sys.executable, str(REPO / "bench" / name), *args]
        self.process: subprocess.Popen[str] | None = None
        self.address = ""
        self.pid = 0

    def __enter__(self) -> Script:
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        stdout = self.process.stdout
        assert stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        if not line or not line[0].startswith("{"):
            self.__exit__()
            raise RuntimeError(f"{self.args[1]} did not become ready")
        self.address = json.loads(line[0])["grpc"]
        self.pid = self.process.pid
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def cpu_per_result(pid: int, run: Callable[[], dict[str, Any]], count: str) -> dict[str, Any]:
    """Runs ``run()`` and adds the CPU milliseconds per ``result[count]`` of the server process ``pid``
    (``server_cpu_ms``: its utime + stime from /proc) and of everything below it, the workers and their
    task processes, reaped ones included (``workers_cpu_ms``; see procs.TreeCpu); and the server's CPU by
    thread kind (``server_loop_thread_cpu_ms`` and so on; see procs.thread_cpu)."""
    before, threads_before = tree_cpu(pid), thread_cpu(pid)
    result = run()
    used = tree_cpu(pid) - before
    threads = thread_cpu(pid)
    done = result.get(count) or 0
    if done:
        result["server_cpu_ms"] = 1000 * used.own / done
        result["workers_cpu_ms"] = 1000 * used.others / done
        # Where the server's CPU went: its event loop, its other Python threads, its native threads.
        for kind, seconds in threads.items():
            result[f"server_{kind}_thread_cpu_ms"] = 1000 * (seconds - threads_before[kind]) / done
    return result


def waiting_create_sizes(address: str) -> dict[str, int]:
    """The bytes of a CreateInstance of one ``noop`` task that waits for it, and of its terminated answer:
    what the grpc skeleton (bench/skeleton_server.py) carries in its place."""
    request = instance_service_pb2.CreateInstanceRequest(
        parent=f"projects/{PROJECT}", tasks=[task_pb2.TaskSpec(type="noop")]
    )
    request.wait_timeout.FromSeconds(60)
    with grpc.insecure_channel(address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        response = stub.CreateInstance(request, timeout=60)
    if not response.terminated:
        raise RuntimeError("the sizing instance did not end within its wait")
    return {"request_bytes": request.ByteSize(), "response_bytes": response.ByteSize()}


def cpu_percent_during(pid: int, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Runs ``run()`` and adds the CPU percent (of one core) the process ``pid`` used meanwhile."""
    t0, c0 = time.monotonic(), cpu_seconds(pid)
    result = run()
    wall = time.monotonic() - t0
    result["server_cpu_percent"] = 100 * (cpu_seconds(pid) - c0) / wall
    return result
