"""Worker protocol (issue 21 item 2): tasks per second, and the CPU of workers and task processes per task,
of this tree against a base commit built in a temporary copy, in the same run with repetitions interleaved.

Mode ``server``: systems, each a fresh ``taskstreamd serve`` with 2 local workers on SQLite: ``base`` (the
base commit as it is), ``base_deep`` (the base with ``--short-task-prefetch`` at this tree's deep default:
the old worker given the new prefetch, to tell the worker's share of the gain from the prefetch's),
``head`` (this tree as it is) and ``head_prefetch_N`` for each ``--depths`` N. Per repetition and system:
``many``, one instance of ``--tasks`` no-op tasks from create to terminal; ``lone``, ``--lone`` calls of
``execute_task("noop")`` one after another (a lone task's round trip). CPU is utime + stime from /proc of
the server and of its descendants (workers and task processes), per task, as ``harness.cpu_per_result``
takes it. The server's own cost bounds the rate here, so its workers mostly get one task at a time.

Mode ``feed``: one ``taskstreamd worker`` (1 slot) of each tree fed by a fake server in this process
(bench/worker_feed.py) that answers at once, so only the worker's cost is measured: ``feed_lone``, one
task at a time; ``feed_stream_N``, ``--tasks`` tasks with up to N in flight (in batches to a
worker that takes them, one by one to the base). CPU: ``worker_ms`` of the worker process,
``children_ms`` of its task process, per task; ``feed_stream_N`` for each ``--feed-depths`` N (the base
worker at the deepest only).
Writes bench/reports/worker_protocol.json.
Usage: python bench/worker_protocol.py [--base REF] [--modes server,feed] [--tasks 4000] [--lone 300]
[--reps 3] [--quick]
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import harness
from watchers import cpu_of, cpu_seconds, descendants
from worker_feed import Feeder

import taskstream
from taskstream import TaskSpec
from taskstreamd.core.sessions import DEEP_SHORT_PREFETCH

REPO = harness.REPO


class TreeServer:
    """``taskstreamd serve`` from the source tree ``tree`` (its own packages first on the path)."""

    def __init__(self, tree: Path, data: Path, *extra: str) -> None:
        self.tree = tree
        self.args = [
            sys.executable,
            "-m",
            "taskstreamd",
            "--log-level",
            "WARNING",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--data-dir",
            str(data),
            "--workers",
            "2",
            "--tasks",
            "tests.support.tasks",
            "--shutdown-grace",
            "2",
            *extra,
        ]
        self.process: subprocess.Popen[str] | None = None
        self.address = ""

    def start(self, timeout: float = 60.0) -> TreeServer:
        # PYTHONPATH goes before the editable install's finder, which sys.meta_path consults last.
        path = [str(self.tree / "server"), str(self.tree / "clients" / "python"), str(self.tree)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
        if os.geteuid() == 0:  # a root server's workers default to nobody, who cannot run this virtualenv
            env.setdefault("TASKSTREAMD_WORKER_USER", getpass.getuser())
        self.process = subprocess.Popen(self.args, cwd=self.tree, env=env, stdout=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.process.stdout
        assert stdout is not None
        threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if line.startswith("{"):
                self.address = json.loads(line)["grpc"]
                return self
        self.stop()
        raise RuntimeError(f"taskstreamd from {self.tree} did not become ready")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)


@contextmanager
def base_tree(ref: str) -> Iterator[tuple[Path, str]]:
    """The files of commit ``ref`` in a temporary directory, and the commit's full id."""
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", ref], check=True, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ts-base-") as tmp:
        archive = subprocess.Popen(["git", "-C", str(REPO), "archive", commit], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", tmp], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            raise RuntimeError(f"git archive {commit} failed")
        yield Path(tmp), commit


@contextmanager
def server(tree: Path, *extra: str) -> Iterator[TreeServer]:
    with tempfile.TemporaryDirectory(prefix="ts-bench-") as data:
        process = TreeServer(tree, Path(data), *extra).start()
        try:
            yield process
        finally:
            process.stop()


def run_many(client: taskstream.Client, n: int) -> dict[str, Any]:
    start = time.perf_counter()
    instance = client.create_instance([TaskSpec("noop", name=f"t{i}") for i in range(n)])
    instance.wait_for_completion(timeout=600)
    elapsed = time.perf_counter() - start
    ok = sum(
        1 for t in instance.get_task_statuses().values() if t.task_status == taskstream.TaskStatus.SUCCESS
    )
    return {"tasks": ok, "seconds": elapsed, "tasks_per_s": ok / elapsed}


def run_lone(client: taskstream.Client, n: int) -> dict[str, Any]:
    latencies = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.execute_task("noop", timeout=60)
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    return {
        "tasks": n,
        "seconds": sum(latencies),
        "median_ms": 1000 * latencies[len(latencies) // 2],
        "p90_ms": 1000 * latencies[int(len(latencies) * 0.9)],
    }


def measured(pid: int, run: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    return lambda: harness.cpu_per_result(pid, run, "tasks")


@contextmanager
def fed_worker(tree: Path) -> Iterator[tuple[Feeder, int]]:
    """A ``taskstreamd worker`` of ``tree`` with one slot, registered with a Feeder; (feeder, its pid)."""
    feeder = Feeder()
    path = [str(tree / "server"), str(tree / "clients" / "python"), str(tree)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    args = [
        sys.executable,
        "-m",
        "taskstreamd",
        "--log-level",
        "WARNING",
        "worker",
        "--server",
        feeder.address,
    ]
    args += ["--tasks", "tests.support.tasks", "--slots", "1"]
    process = subprocess.Popen(args, cwd=tree, env=env)
    try:
        feeder.wait_registered()
        yield feeder, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        feeder.stop()


def fed(feeder: Feeder, pid: int, tasks: int, depth: int) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        children = descendants(pid)
        worker0, children0 = cpu_seconds(pid), cpu_of(children)
        result = feeder.feed(tasks, depth)
        result["worker_ms"] = 1000 * (cpu_seconds(pid) - worker0) / tasks
        result["children_ms"] = 1000 * (cpu_of(children) - children0) / tasks
        result["total_ms"] = result["worker_ms"] + result["children_ms"]
        return result

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument(
        "--base", default="", help="the commit to compare with (default: merge-base with main)"
    )
    parser.add_argument("--tasks", type=int, default=4000, help="no-op tasks in the one instance of 'many'")
    parser.add_argument("--lone", type=int, default=300, help="execute_task calls in 'lone'")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--depths", default="16,24", help="other short-task prefetch depths to measure")
    parser.add_argument("--modes", default="server,feed", help="server, feed or both (see the docstring)")
    parser.add_argument(
        "--feed-depths", default="16,24,32", help="tasks in flight in feed_stream (one system each for head)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 rep, 500 tasks, 50 lone calls")
    args = parser.parse_args()
    if args.quick:
        args.tasks, args.lone, args.reps = min(args.tasks, 500), min(args.lone, 50), 1
    base_ref = (
        args.base
        or subprocess.run(
            ["git", "-C", str(REPO), "merge-base", "HEAD", "main"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    depths = [int(d) for d in args.depths.split(",") if d]
    modes = set(args.modes.split(","))
    feed_depths = [int(d) for d in args.feed_depths.split(",") if d]
    before = harness.machine()
    with ExitStack() as stack:
        base, commit = stack.enter_context(base_tree(base_ref))
        systems: dict[str, Callable[[], dict[str, Any]]] = {}
        if "server" in modes:
            variants: dict[str, tuple[Path, list[str]]] = {
                "base": (base, []),
                "base_deep": (base, ["--short-task-prefetch", str(DEEP_SHORT_PREFETCH)]),
                "head": (REPO, []),
                **{f"head_prefetch_{d}": (REPO, ["--short-task-prefetch", str(d)]) for d in depths},
            }
            for name, (tree, extra) in variants.items():
                process = stack.enter_context(server(tree, *extra))
                client = stack.enter_context(taskstream.connect(process.address, project=harness.PROJECT))
                run_many(client, 200)  # warm: every task process started, the no-op type known as short
                systems[f"{name}/many"] = measured(process.pid, lambda c=client: run_many(c, args.tasks))
                systems[f"{name}/lone"] = measured(process.pid, lambda c=client: run_lone(c, args.lone))
        if "feed" in modes:
            for name, tree in (("base", base), ("head", REPO)):
                feeder, pid = stack.enter_context(fed_worker(tree))
                feeder.feed(200, max(feed_depths))  # warm
                systems[f"{name}/feed_lone"] = fed(feeder, pid, args.lone, 1)
                # The base worker takes no batches: it is fed at the deepest depth only.
                for depth in feed_depths if name == "head" else feed_depths[-1:]:
                    systems[f"{name}/feed_stream_{depth}"] = fed(feeder, pid, args.tasks, depth)
        runs = harness.repeat(systems, args.reps)
    after = harness.machine()
    med = {name: harness.medians(r) for name, r in runs.items()}

    def ratio(system: str, figure: str) -> float | None:
        mode = system.split("/")[1]
        if mode.startswith("feed_stream"):
            mode = f"feed_stream_{feed_depths[-1]}"  # the base's one depth
        base_system = med.get(f"base/{mode}", {})
        return harness.ratio(med[system].get(figure), base_system.get(figure))

    ratios = {
        f"{name}/{figure}_vs_base": ratio(name, figure)
        for name in med
        if not name.startswith("base/")
        for figure in ("tasks_per_s", "workers_cpu_ms", "server_cpu_ms", "median_ms", "total_ms", "worker_ms")
        if figure in med[name]
    }
    report = {
        "benchmark": "worker_protocol",
        "config": {
            "base": commit,
            "tasks": args.tasks,
            "lone": args.lone,
            "reps": args.reps,
            "workers": 2,
            "deep_default": DEEP_SHORT_PREFETCH,
            "depths": depths,
            "modes": sorted(modes),
            "feed_depths": feed_depths,
            "quick": args.quick,
        },
        "machine_before": before,
        "machine_after": after,
        "medians": med,
        "ratios": ratios,
        "runs": runs,
    }
    path = harness.write_report("worker_protocol", report)
    print(
        f"\n{args.tasks:,} no-op tasks in one instance, {args.lone} lone tasks; medians of {args.reps} reps"
    )
    harness.print_machine(after)
    header = ["", "tasks/s", "workers ms/task", "server ms/task", "median ms"]
    rows = [
        [name, m.get("tasks_per_s"), m.get("workers_cpu_ms"), m.get("server_cpu_ms"), m.get("median_ms")]
        for name, m in med.items()
        if "/feed" not in name
    ]
    if rows:
        harness.print_table(header, rows, first=30)
    header = ["", "tasks/s", "worker ms", "task proc ms", "total ms", "msgs/task"]
    keys = ("tasks_per_s", "worker_ms", "children_ms", "total_ms", "worker_messages_per_task")
    rows = [[name, *(m.get(k) for k in keys)] for name, m in med.items() if "/feed" in name]
    if rows:
        print()
        harness.print_table(header, rows, first=30, width=14)
    print()
    for name, value in ratios.items():
        print(f"{name:60} {harness.cell(value):>10}")
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
