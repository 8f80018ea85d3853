"""Throughput (issue 21 targets 1 and 4): one instance of N no-op tasks, from submit to terminal, in tasks/s,
and the server's CPU per task.

taskstream: a fresh taskstreamd with 2 local workers; ``create_instance`` with N ``noop`` TaskSpecs, then
``wait_for_completion``; and the same on a second server started with ``--short-task-prefetch 0``,
which sends a worker nothing beyond its slots (reported beside it, to show what the default's prefetch of
short tasks gains in the same run; the targets judge the default). For both, the CPU per task of the server
process (utime + stime from /proc) and of its workers and their task processes. Baselines in the same run,
on the same 2 CPUs: Ray (N ``f.remote()`` then one ``ray.get``) and a bare ProcessPoolExecutor(2) (N
submits, then every result). Repetitions are interleaved.
Writes bench/reports/throughput.json. Usage: python bench/throughput.py [--tasks N] [--reps R] [--quick]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any

import harness
import peers
import procs

import taskstream
from taskstream import TaskSpec


def run_taskstream(client: taskstream.Client, pid: int, n: int, timeout: float) -> dict[str, Any]:
    """One instance of n no-op tasks on the server ``pid``; its CPU (and its workers') from the create call
    to the wait's end, per task that succeeded (the statuses read afterwards are not counted)."""
    specs = [TaskSpec("noop", name=f"t{i}") for i in range(n)]
    cpu0 = procs.tree_cpu(pid)
    start = time.perf_counter()
    instance = client.create_instance(specs)
    submitted = time.perf_counter()
    timed_out = False
    try:
        instance.wait_for_completion(timeout=timeout)
    except taskstream.WaitTimeoutError:
        timed_out = True  # report what got done in the bound, and stop the rest
    elapsed = time.perf_counter() - start
    used = procs.tree_cpu(pid) - cpu0
    statuses = instance.get_task_statuses()  # name -> InstanceTask, as PyODPS's
    ok = sum(1 for t in statuses.values() if t.task_status == taskstream.TaskStatus.SUCCESS)
    if timed_out:
        instance.stop()
    return {
        "tasks": n,
        "succeeded": ok,
        "timed_out": timed_out,
        "seconds": elapsed,
        "submit_seconds": submitted - start,
        "tasks_per_s": ok / elapsed,
        "server_cpu_ms": 1000 * used.own / ok if ok else None,
        "workers_cpu_ms": 1000 * used.others / ok if ok else None,
    }


def run_ray(ray_noop: Any, n: int) -> dict[str, Any]:
    start = time.perf_counter()
    refs = [ray_noop.remote() for _ in range(n)]
    submitted = time.perf_counter()
    peers.ray_get(refs)
    elapsed = time.perf_counter() - start
    return {"tasks": n, "seconds": elapsed, "submit_seconds": submitted - start, "tasks_per_s": n / elapsed}


def run_pool(pool: ProcessPoolExecutor, n: int) -> dict[str, Any]:
    start = time.perf_counter()
    futures = [pool.submit(peers.noop) for _ in range(n)]
    submitted = time.perf_counter()
    for future in futures:
        future.result(timeout=600)
    elapsed = time.perf_counter() - start
    return {"tasks": n, "seconds": elapsed, "submit_seconds": submitted - start, "tasks_per_s": n / elapsed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="bound of one taskstream instance, s (past it: tasks done / s)",
    )
    parser.add_argument(
        "--no-variant",
        action="store_true",
        help="do not also measure a server without prefetch (--short-task-prefetch 0)",
    )
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 rep of 1,000 tasks")
    args = parser.parse_args()
    if args.quick:
        args.tasks, args.reps = min(args.tasks, 1000), 1
    before = harness.machine()
    systems: dict[str, Any] = {}
    with ExitStack() as stack:
        server = stack.enter_context(harness.taskstream_server(workers=2))
        client = stack.enter_context(taskstream.connect(server.address, project=harness.PROJECT))
        ts_pid = harness.server_pid(server)
        run_taskstream(client, ts_pid, 20, args.timeout)  # warm both workers; noop becomes a short type
        systems["taskstream"] = lambda: run_taskstream(client, ts_pid, args.tasks, args.timeout)
        if not args.no_variant:
            # The same with every assignment waiting for a free slot: what prefetching short tasks gains.
            plain = stack.enter_context(harness.taskstream_server(2, "--short-task-prefetch", "0"))
            plain_client = stack.enter_context(taskstream.connect(plain.address, project=harness.PROJECT))
            plain_pid = harness.server_pid(plain)
            run_taskstream(plain_client, plain_pid, 20, args.timeout)
            systems["taskstream_no_prefetch"] = lambda: run_taskstream(
                plain_client, plain_pid, args.tasks, args.timeout
            )
        pool = stack.enter_context(ProcessPoolExecutor(2))
        run_pool(pool, 20)
        systems["process_pool"] = lambda: run_pool(pool, args.tasks)
        if not args.no_ray:
            try:
                ray_noop = stack.enter_context(peers.ray_local())
                systems["ray"] = lambda: run_ray(ray_noop, args.tasks)
            except Exception as exc:
                error = f"ray could not start: {exc}"
                print(error)
                systems["ray"] = lambda: {"error": error}
        runs = harness.repeat(systems, args.reps)
    after = harness.machine()
    med = {name: harness.medians(r) for name, r in runs.items()}
    ours = med["taskstream"].get("tasks_per_s")
    ray_rate = med.get("ray", {}).get("tasks_per_s")
    vs_ray = harness.ratio(ours, ray_rate)
    cpu_ms = med["taskstream"].get("server_cpu_ms")
    report = {
        "benchmark": "throughput",
        "config": {
            "tasks": args.tasks,
            "reps": args.reps,
            "workers": 2,
            "no_prefetch_variant": not args.no_variant,
            "quick": args.quick,
        },
        "machine_before": before,
        "machine_after": after,
        "medians": med,
        "ratios": {
            "taskstream_over_ray": vs_ray,
            "taskstream_over_process_pool": harness.ratio(ours, med["process_pool"].get("tasks_per_s")),
            "taskstream_no_prefetch_over_ray": harness.ratio(
                med.get("taskstream_no_prefetch", {}).get("tasks_per_s"), ray_rate
            ),
            "taskstream_over_no_prefetch": harness.ratio(
                ours, med.get("taskstream_no_prefetch", {}).get("tasks_per_s")
            ),
        },
        "targets": {
            "throughput_vs_ray": harness.target(
                ">= 2x Ray's tasks/s (stretch 4x)",
                harness.at_least(vs_ray, 2),
                figure=ours,
                baseline=ray_rate,
                ratio=vs_ray,
                unit="tasks/s",
                stretch_met=harness.at_least(vs_ray, 4),
            ),
            "server_cpu_per_task": harness.target(
                "<= 0.15 ms of server CPU per task of a large instance",
                None if cpu_ms is None else cpu_ms <= 0.15,
                figure=cpu_ms,
                unit="ms",
                workers_cpu_ms=med["taskstream"].get("workers_cpu_ms"),
            ),
        },
        "runs": runs,
    }
    path = harness.write_report("throughput", report)
    print(f"\n{args.tasks:,} no-op tasks in one instance, medians of {args.reps} reps")
    harness.print_machine(after)
    header = ["", "tasks/s", "seconds", "submit s", "server cpu ms", "workers cpu ms"]
    rows = [
        [
            name,
            m.get("tasks_per_s"),
            m.get("seconds"),
            m.get("submit_seconds"),
            m.get("server_cpu_ms"),
            m.get("workers_cpu_ms"),
        ]
        for name, m in med.items()
    ]
    harness.print_table(header, rows)
    harness.print_targets(report["targets"])
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
