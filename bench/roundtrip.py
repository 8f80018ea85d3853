"""No-op round trip (issue 21 target 3): one caller creates a one-task instance and waits for SUCCESS.

taskstream: a fresh taskstreamd with 2 local workers, ``client.execute_task("noop", timeout=60)``: one
CreateInstance that waits for the instance (wait_timeout) and answers with it terminated, then the success
check on that answer. Measured beside it on the same server, ``taskstream_two_calls``: ``run_task("noop")``
then ``wait_for_success`` (a CreateInstance and a WaitInstance), the way execute_task worked before
CreateInstance could wait. Baselines in the same run: a bare ProcessPoolExecutor submit + result, Ray
``ray.get(f.remote())`` (local, 2 CPUs), Celery ``noop.delay().get()`` (Redis broker and backend, a
prefork worker of concurrency 2), and ``grpc_skeleton`` (bench/skeleton_server.py: the same processes and
hops as taskstream, a unary call, a worker stream, a task process's pipe, with nothing done at any of them,
and messages of the waiting CreateInstance's sizes). For taskstream and the skeleton, the CPU per call of
the server process (also by thread: its event loop, its other Python threads, its native threads) and of its
workers with their task processes is reported too. Each repetition times
``--runs`` calls of every system in turn. Writes bench/reports/roundtrip.json with medians, p90s and
ratios and the targets (median below Ray's; median at most the skeleton's + 0.5 ms), and prints a table.
Usage: python bench/roundtrip.py [--runs N] [--reps R] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any

import grpc
import harness
import peers

import taskstream


def measure(call: Callable[[], object], runs: int) -> dict[str, Any]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "calls": runs,
        "median_ms": statistics.median(samples),
        "p90_ms": harness.percentile(samples, 0.9),
        "p99_ms": harness.percentile(samples, 0.99),
        "min_ms": min(samples),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200, help="calls per system per repetition")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 rep of 30 calls")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.reps = min(args.runs, 30), 1
    before = harness.machine()
    systems: dict[str, Callable[[], dict[str, Any]]] = {}
    with ExitStack() as stack:
        server = stack.enter_context(harness.taskstream_server(workers=2))
        client = stack.enter_context(taskstream.connect(server.address, project=harness.PROJECT))

        def ours() -> None:
            client.execute_task("noop", timeout=60)

        def two_calls() -> None:
            client.run_task("noop").wait_for_success(timeout=60)

        for _ in range(5):
            ours()  # warm the workers' task processes

        ts_pid = harness.server_pid(server)
        systems["taskstream"] = lambda: harness.cpu_per_result(
            ts_pid, lambda: measure(ours, args.runs), "calls"
        )
        systems["taskstream_two_calls"] = lambda: measure(two_calls, args.runs)
        sizes = harness.waiting_create_sizes(server.address)
        skeleton = stack.enter_context(
            harness.Script("skeleton_server.py", "--workers", "2", "--size", str(sizes["response_bytes"]))
        )
        skeleton_run = stack.enter_context(grpc.insecure_channel(skeleton.address)).unary_unary(
            "/bench.Skeleton/Run"
        )
        skeleton_request = bytes(sizes["request_bytes"])
        for _ in range(5):
            skeleton_run(skeleton_request, timeout=60)
        systems["grpc_skeleton"] = lambda: harness.cpu_per_result(
            skeleton.pid,
            lambda: measure(lambda: skeleton_run(skeleton_request, timeout=60), args.runs),
            "calls",
        )
        pool = stack.enter_context(ProcessPoolExecutor(1))
        pool.submit(peers.noop).result()
        systems["process_pool"] = lambda: measure(
            lambda: pool.submit(peers.noop).result(timeout=60), args.runs
        )
        if not args.no_ray:
            try:
                ray_noop = stack.enter_context(peers.ray_local())
                systems["ray"] = lambda: measure(lambda: peers.ray_get(ray_noop.remote()), args.runs)
            except Exception as exc:
                ray_error = f"ray could not start: {exc}"
                systems["ray"] = lambda: {"error": ray_error}
        if not args.no_celery:
            try:
                celery_noop = stack.enter_context(peers.celery_worker(concurrency=2))
                systems["celery"] = lambda: measure(lambda: celery_noop.delay().get(timeout=60), args.runs)
            except Exception as exc:
                celery_error = f"celery could not start: {exc}"
                systems["celery"] = lambda: {"error": celery_error}
        runs = harness.repeat(systems, args.reps)
    after = harness.machine()
    med = {name: harness.medians(r) for name, r in runs.items()}
    ours_ms = med["taskstream"].get("median_ms")
    ray_ms = med.get("ray", {}).get("median_ms")
    skeleton_ms = med["grpc_skeleton"].get("median_ms")
    excess = None if ours_ms is None or skeleton_ms is None else ours_ms - skeleton_ms
    report = {
        "benchmark": "roundtrip_noop",
        "config": {"runs": args.runs, "reps": args.reps, "workers": 2, "quick": args.quick, **sizes},
        "machine_before": before,
        "machine_after": after,
        "medians": med,
        "ratios": {
            f"taskstream_over_{name}": harness.ratio(ours_ms, m.get("median_ms"))
            for name, m in med.items()
            if name != "taskstream"
        },
        "targets": {
            "roundtrip_below_ray": harness.target(
                "median below Ray's",
                None if ours_ms is None or ray_ms is None else ours_ms < ray_ms,
                figure=ours_ms,
                baseline=ray_ms,
                ratio=harness.ratio(ours_ms, ray_ms),
                unit="ms",
            ),
            "roundtrip_over_skeleton": harness.target(
                "median <= the grpc skeleton's + 0.5 ms",
                None if excess is None else excess <= 0.5,
                figure=ours_ms,
                baseline=skeleton_ms,
                ratio=harness.ratio(ours_ms, skeleton_ms),
                value=excess,
                unit="ms",
                value_is="taskstream's median minus the skeleton's, ms",
            ),
        },
        "runs": runs,
    }
    path = harness.write_report("roundtrip", report)
    print(f"\nno-op round trip, one caller, {args.runs} calls x {args.reps} reps (medians of rep figures)")
    harness.print_machine(after)
    rows = [
        [
            name,
            m.get("median_ms"),
            m.get("p90_ms"),
            m.get("p99_ms"),
            m.get("min_ms"),
            m.get("server_cpu_ms"),
            m.get("server_loop_thread_cpu_ms"),
            m.get("server_python_thread_cpu_ms"),
            m.get("server_native_thread_cpu_ms"),
            m.get("workers_cpu_ms"),
        ]
        for name, m in med.items()
    ]
    header = ["", "median ms", "p90 ms", "p99 ms", "min ms", "server cpu ms", "  its loop", "  py threads"]
    header += ["  native", "workers cpu ms"]
    harness.print_table(header, rows)
    harness.print_targets(report["targets"])
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
