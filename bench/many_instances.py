"""Many small instances (issue 21 targets 2 and 4): N one-task instances, 16 concurrent callers, each one
waited on; and the server's CPU per instance.

taskstream: one asyncio client (``taskstream.aio.connect``) with 16 caller coroutines; each takes the next
of N jobs and runs it with ``execute_task("noop", timeout=60)`` (one CreateInstance that waits for the
instance, then the success check), until all N are done. A fresh taskstreamd with 2 local workers. Measured
beside it on the same server, ``taskstream_two_calls``: ``run_task("noop")`` then ``wait_for_completion``
(a CreateInstance and a WaitInstance long poll), as before CreateInstance could wait. Baseline in the same
run: Celery with Redis (a prefork worker of concurrency 2), 16 caller threads each doing
``noop.delay().get()``; and ``grpc_skeleton`` (bench/skeleton_server.py: taskstream's processes and hops
with nothing done at any of them, 2 workers), driven like taskstream by 16 grpc.aio caller coroutines with
messages of the waiting CreateInstance's sizes. Figures: results/s (N / wall time), the per-call latency,
and for taskstream and the skeleton the CPU per result of the server process (also by thread: its event
loop, its other Python threads such as the store's writer and readers, and native threads such as grpc's)
and of its workers with their task processes. A repetition stops taking jobs after ``--max-seconds`` (reported as ``bounded``).
Writes bench/reports/many_instances.json. Usage: python bench/many_instances.py [--instances N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import Any

import grpc
import harness
import peers

import taskstream.aio


def figures(latencies: list[float], elapsed: float, errors: list[str], n: int) -> dict[str, Any]:
    done = len(latencies)
    return {
        "instances": n,
        "completed": done,
        "bounded": done + len(errors) < n,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "seconds": elapsed,
        "results_per_s": done / elapsed,
        "latency_median_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "latency_p90_ms": 1000 * harness.percentile(latencies, 0.9),
    }


async def drive(
    job: Callable[[], Awaitable[object]], n: int, callers: int, max_seconds: float
) -> dict[str, Any]:
    """``callers`` coroutines share N jobs; each job is one ``await job()``."""
    measured = await harness.lanes(job, n, callers, max_seconds)
    return figures(measured.latencies, measured.seconds, measured.errors, n)


async def _taskstream(
    address: str, n: int, callers: int, max_seconds: float, *, two_calls: bool = False
) -> dict[str, Any]:
    async with taskstream.aio.connect(address, project=harness.PROJECT) as client:
        await (await client.run_task("noop")).wait_for_completion(timeout=60)  # warm

        async def job() -> None:
            if two_calls:
                await (await client.run_task("noop")).wait_for_completion(timeout=60)
            else:
                await client.execute_task("noop", timeout=60)

        return await drive(job, n, callers, max_seconds)


async def _skeleton(address: str, request: bytes, n: int, callers: int, max_seconds: float) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(address) as channel:
        run = channel.unary_unary("/bench.Skeleton/Run")
        await run(request, timeout=60)  # warm
        return await drive(lambda: run(request, timeout=60), n, callers, max_seconds)


def run_taskstream(
    address: str, n: int, callers: int, max_seconds: float, *, two_calls: bool = False
) -> dict[str, Any]:
    return asyncio.run(_taskstream(address, n, callers, max_seconds, two_calls=two_calls))


def run_threads(call: Callable[[], object], n: int, callers: int, max_seconds: float) -> dict[str, Any]:
    """``callers`` threads share N jobs; each job is one blocking ``call()``."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    taken = 0
    start = time.perf_counter()
    deadline = start + max_seconds

    def caller() -> None:
        nonlocal taken
        while True:
            with lock:
                if taken >= n or time.perf_counter() >= deadline:
                    return
                taken += 1
            t0 = time.perf_counter()
            try:
                call()
                latencies.append(time.perf_counter() - t0)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:300])

    threads = [threading.Thread(target=caller, daemon=True) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max_seconds + 120)
    return figures(latencies, time.perf_counter() - start, errors, n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="bound of one repetition")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 rep of 300 instances")
    args = parser.parse_args()
    if args.quick:
        args.instances, args.reps = min(args.instances, 300), 1
    before = harness.machine()
    systems: dict[str, Callable[[], dict[str, Any]]] = {}
    n, callers, bound = args.instances, args.callers, args.max_seconds
    with ExitStack() as stack:
        server = stack.enter_context(harness.taskstream_server(workers=2))
        ts_pid = harness.server_pid(server)
        systems["taskstream"] = lambda: harness.cpu_per_result(
            ts_pid, lambda: run_taskstream(server.address, n, callers, bound), "completed"
        )
        systems["taskstream_two_calls"] = lambda: run_taskstream(
            server.address, n, callers, bound, two_calls=True
        )
        sizes = harness.waiting_create_sizes(server.address)
        skeleton = stack.enter_context(
            harness.Script("skeleton_server.py", "--workers", "2", "--size", str(sizes["response_bytes"]))
        )
        skeleton_request = bytes(sizes["request_bytes"])
        systems["grpc_skeleton"] = lambda: harness.cpu_per_result(
            skeleton.pid,
            lambda: asyncio.run(_skeleton(skeleton.address, skeleton_request, n, callers, bound)),
            "completed",
        )
        try:
            noop = stack.enter_context(peers.celery_worker(concurrency=2))
            systems["celery"] = lambda: run_threads(lambda: noop.delay().get(timeout=60), n, callers, bound)
        except Exception as exc:
            celery_error = f"celery could not start: {exc}"
            systems["celery"] = lambda: {"error": celery_error}
        runs = harness.repeat(systems, args.reps)
    after = harness.machine()
    med = {name: harness.medians(r) for name, r in runs.items()}
    ours = med["taskstream"].get("results_per_s")
    celery = med["celery"].get("results_per_s")
    vs = harness.ratio(ours, celery)
    cpu_ms = med["taskstream"].get("server_cpu_ms")
    report = {
        "benchmark": "many_instances",
        "config": {
            "instances": n,
            "callers": callers,
            "reps": args.reps,
            "max_seconds": bound,
            "workers": 2,
            "quick": args.quick,
            **sizes,
        },
        "machine_before": before,
        "machine_after": after,
        "medians": med,
        "ratios": {
            "taskstream_over_celery": vs,
            "taskstream_over_two_calls": harness.ratio(
                ours, med["taskstream_two_calls"].get("results_per_s")
            ),
            "taskstream_over_grpc_skeleton": harness.ratio(ours, med["grpc_skeleton"].get("results_per_s")),
        },
        "targets": {
            "many_instances_vs_celery": harness.target(
                ">= 2x Celery's results/s (stretch 3x)",
                harness.at_least(vs, 2),
                figure=ours,
                baseline=celery,
                ratio=vs,
                unit="results/s",
                stretch_met=harness.at_least(vs, 3),
            ),
            "server_cpu_per_instance": harness.target(
                "<= 0.8 ms of server CPU per no-op instance",
                None if cpu_ms is None else cpu_ms <= 0.8,
                figure=cpu_ms,
                baseline=med["grpc_skeleton"].get("server_cpu_ms"),
                unit="ms",
                baseline_is="the grpc skeleton's server CPU per result (for reading; not judged)",
                workers_cpu_ms=med["taskstream"].get("workers_cpu_ms"),
                by_thread_ms={
                    kind: med["taskstream"].get(f"server_{kind}_thread_cpu_ms")
                    for kind in ("loop", "python", "native")
                },
                skeleton_by_thread_ms={
                    kind: med["grpc_skeleton"].get(f"server_{kind}_thread_cpu_ms")
                    for kind in ("loop", "python", "native")
                },
            ),
        },
        "runs": runs,
    }
    path = harness.write_report("many_instances", report)
    print(f"\n{n:,} one-task instances, {callers} concurrent callers, medians of {args.reps} reps")
    harness.print_machine(after)
    header = [
        "",
        "results/s",
        "completed",
        "errors",
        "median ms",
        "p90 ms",
        "server cpu ms",
        "  its loop",
        "  py threads",
        "  native",
        "workers cpu ms",
    ]
    rows = [
        [
            k,
            m.get("results_per_s"),
            m.get("completed"),
            m.get("errors"),
            m.get("latency_median_ms"),
            m.get("latency_p90_ms"),
            m.get("server_cpu_ms"),
            m.get("server_loop_thread_cpu_ms"),
            m.get("server_python_thread_cpu_ms"),
            m.get("server_native_thread_cpu_ms"),
            m.get("workers_cpu_ms"),
        ]
        for k, m in med.items()
    ]
    harness.print_table(header, rows)
    harness.print_targets(report["targets"])
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
