"""SQLite against PostgreSQL, one replica and two (issue 21 targets 6 and 7): results/s and the CPU per
task of every process that serves them.

Three configurations, each run on fresh servers with a fresh store every repetition (repetitions
interleaved: sqlite, postgresql_1, postgresql_2, then again):

- ``sqlite``: one taskstreamd with ``--workers`` local workers (2) on SQLite in a temporary data dir;
- ``postgresql_1``: the same on a fresh database of a throwaway PostgreSQL cluster this script starts
  (tests/support/postgres.py: Debian's binaries, fsync and synchronous_commit off);
- ``postgresql_2``: two replicas on one fresh database of that cluster, with ``--workers`` local workers
  each; the callers are spread over both (caller i calls replica i mod 2).

In each, ``--callers`` (16) grpc.aio caller coroutines share ``--instances`` jobs; a job is one waiting
CreateInstance of a one-task ``noop`` instance (``wait_timeout``, answered once it ended), checked
terminated and successful. Figures: ``results_per_s`` (completed / wall time), the median latency, and the
CPU per result from /proc (utime + stime, reaped children included, see procs.TreeCpu) of the server
processes (``servers_cpu_ms``), their workers and task processes (``workers_cpu_ms``), the PostgreSQL
cluster's postmaster and every process below it (``postgres_cpu_ms``, backends included), and their sum
(``total_cpu_ms``). The CPU of this script, the callers, is reported apart (``callers_cpu_ms``).

Targets: postgresql_1 >= 0.5x sqlite's results/s; postgresql_2 not slower than postgresql_1, with a total
CPU per result at most 1.25x postgresql_1's. Writes bench/reports/store_backends.json and prints a table.
Usage: python bench/store_backends.py [--instances N] [--reps R] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import grpc
import harness
import procs
from google.protobuf import duration_pb2

from taskstream.v1 import instance_pb2, task_pb2
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerProcess

PARENT = f"projects/{harness.PROJECT}"
TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED
SUCCESS = task_pb2.TASK_STATUS_SUCCESS
WARM = 20  # waiting creates per replica before the clock starts: every worker's task process is up, and
# noop has runs enough to count as a short task type (core/durations.py)


def postmaster_pid(cluster: PostgresCluster) -> int:
    """The cluster's postmaster: the first line of its postmaster.pid."""
    return int((cluster.data / "postmaster.pid").read_text().split("\n", 1)[0])


def waiting_create() -> pb.CreateInstanceRequest:
    request = pb.CreateInstanceRequest(parent=PARENT, tasks=[task_pb2.TaskSpec(type="noop")])
    request.wait_timeout.CopyFrom(duration_pb2.Duration(seconds=60))
    return request


async def warm(addresses: list[str]) -> None:
    for address in addresses:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.InstanceServiceStub(channel)
            for _ in range(WARM):
                await stub.CreateInstance(waiting_create(), timeout=120)


async def drive(addresses: list[str], jobs: int, callers: int, max_seconds: float) -> dict[str, Any]:
    """``callers`` coroutines share ``jobs`` waiting creates; caller i calls replica i mod len(addresses)."""
    channels = [grpc.aio.insecure_channel(a) for a in addresses]
    stubs = [pb_grpc.InstanceServiceStub(c) for c in channels]
    request = waiting_create()
    latencies: list[float] = []
    errors: list[str] = []
    failed = 0
    taken = 0
    try:
        start = time.perf_counter()
        deadline = start + max_seconds

        async def caller(stub: Any) -> None:
            nonlocal taken, failed
            while taken < jobs and time.perf_counter() < deadline:
                taken += 1
                t0 = time.perf_counter()
                try:
                    answer = await stub.CreateInstance(request, timeout=120)
                except grpc.aio.AioRpcError as exc:
                    errors.append(f"{exc.code().name}: {exc.details()}"[:300])
                    continue
                latencies.append(time.perf_counter() - t0)
                if not (answer.terminated and answer.instance.tasks[0].status == SUCCESS):
                    failed += 1

        await asyncio.gather(*(caller(stubs[i % len(stubs)]) for i in range(callers)))
        elapsed = time.perf_counter() - start
    finally:
        for channel in channels:
            await channel.close(None)
    done = len(latencies)
    return {
        "instances": jobs,
        "completed": done,
        "not_successful": failed,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "bounded": done + len(errors) < jobs,
        "seconds": elapsed,
        "results_per_s": done / elapsed,
        "latency_median_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "latency_p90_ms": 1000 * harness.percentile(latencies, 0.9),
    }


def run_config(
    name: str,
    root: Path,
    *,
    db: Callable[[], str | None],
    replicas: int,
    workers: int,
    postmaster: int | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Fresh servers on a fresh store, warmed, then the measured jobs; stopped afterwards."""
    url = db()
    servers: list[ServerProcess] = []
    with ExitStack() as stack:
        data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"ts-{name}-", dir=root)))
        for r in range(replicas):
            extra = ["--db", url] if url else []
            server = ServerProcess(
                data / f"replica{r}", "--tasks", harness.BENCH_TASKS, *extra, workers=workers
            )
            servers.append(server.start(timeout=120))
            stack.callback(_stop, server)
        pids = [harness.server_pid(s) for s in servers]
        addresses = [s.address for s in servers]
        asyncio.run(warm(addresses))
        cpu0 = [procs.tree_cpu(pid) for pid in pids]
        pg0 = procs.tree_cpu(postmaster) if postmaster is not None else None
        client0 = time.process_time()
        result = asyncio.run(drive(addresses, args.instances, args.callers, args.max_seconds))
        client = time.process_time() - client0
        used = [procs.tree_cpu(pid) - before for pid, before in zip(pids, cpu0, strict=True)]
        pg = procs.tree_cpu(postmaster) - pg0 if postmaster is not None and pg0 is not None else None
    done = result["completed"]
    if done:
        result["servers_cpu_ms"] = 1000 * sum(u.own for u in used) / done
        result["workers_cpu_ms"] = 1000 * sum(u.others for u in used) / done
        result["postgres_cpu_ms"] = 1000 * pg.total / done if pg is not None else 0.0
        result["total_cpu_ms"] = (
            result["servers_cpu_ms"] + result["workers_cpu_ms"] + result["postgres_cpu_ms"]
        )
        result["callers_cpu_ms"] = 1000 * client / done
    result["replicas"] = replicas
    result["workers"] = workers * replicas
    return result


def _stop(server: ServerProcess) -> None:
    try:
        server.stop()
    except Exception:
        server.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--instances", type=int, default=8000, help="one-task instances per run")
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="local workers per server")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="bound of one run")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 rep of 300 instances")
    args = parser.parse_args()
    if args.quick:
        args.instances, args.reps = min(args.instances, 300), 1
    before = harness.machine()
    with ExitStack() as stack:
        cluster = PostgresCluster().start()
        stack.callback(cluster.stop)
        postmaster = postmaster_pid(cluster)
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ts-stores-")))
        common = {"workers": args.workers, "args": args}
        systems = {
            "sqlite": lambda: run_config(
                "sqlite", root, db=lambda: None, replicas=1, postmaster=None, **common
            ),
            "postgresql_1": lambda: run_config(
                "pg1", root, db=cluster.create_database, replicas=1, postmaster=postmaster, **common
            ),
            "postgresql_2": lambda: run_config(
                "pg2", root, db=cluster.create_database, replicas=2, postmaster=postmaster, **common
            ),
        }
        runs = harness.repeat(systems, args.reps)
    after = harness.machine()
    med = {name: harness.medians(r) for name, r in runs.items()}
    sqlite, one, two = med["sqlite"], med["postgresql_1"], med["postgresql_2"]
    pg_vs_sqlite = harness.ratio(one.get("results_per_s"), sqlite.get("results_per_s"))
    two_vs_one = harness.ratio(two.get("results_per_s"), one.get("results_per_s"))
    cpu_two_vs_one = harness.ratio(two.get("total_cpu_ms"), one.get("total_cpu_ms"))
    report = {
        "benchmark": "store_backends",
        "config": {
            "instances": args.instances,
            "callers": args.callers,
            "workers_per_server": args.workers,
            "reps": args.reps,
            "max_seconds": args.max_seconds,
            "task": "noop, one task per instance, one waiting CreateInstance per instance",
            "postgresql": "throwaway cluster (tests/support/postgres.py): fsync, synchronous_commit and "
            "full_page_writes off",
            "quick": args.quick,
        },
        "machine_before": before,
        "machine_after": after,
        "medians": med,
        "ratios": {
            "postgresql_1_over_sqlite": pg_vs_sqlite,
            "postgresql_2_over_postgresql_1": two_vs_one,
            "postgresql_2_over_postgresql_1_total_cpu_per_result": cpu_two_vs_one,
            "postgresql_1_over_sqlite_total_cpu_per_result": harness.ratio(
                one.get("total_cpu_ms"), sqlite.get("total_cpu_ms")
            ),
        },
        "targets": {
            "postgresql_vs_sqlite": harness.target(
                ">= 0.5x SQLite's results/s (one replica, 2 workers)",
                harness.at_least(pg_vs_sqlite, 0.5),
                figure=one.get("results_per_s"),
                baseline=sqlite.get("results_per_s"),
                ratio=pg_vs_sqlite,
                unit="results/s",
            ),
            "two_replicas_vs_one": harness.target(
                "not slower than one replica (>= 1.0x its results/s)",
                harness.at_least(two_vs_one, 1.0),
                figure=two.get("results_per_s"),
                baseline=one.get("results_per_s"),
                ratio=two_vs_one,
                unit="results/s",
            ),
            "two_replicas_cpu_per_result": harness.target(
                "CPU per result over servers, workers and PostgreSQL <= 1.25x one replica's",
                None if cpu_two_vs_one is None else cpu_two_vs_one <= 1.25,
                figure=two.get("total_cpu_ms"),
                baseline=one.get("total_cpu_ms"),
                ratio=cpu_two_vs_one,
                unit="ms",
            ),
        },
        "runs": runs,
    }
    path = harness.write_report("store_backends", report)
    print(
        f"\n{args.instances:,} one-task instances, {args.callers} callers, {args.workers} workers per server, "
        f"medians of {args.reps} reps"
    )
    harness.print_machine(after)
    header = ["", "results/s", "median ms", "errors", "servers ms", "workers ms", "postgres ms", "total ms"]
    rows = [
        [
            name,
            m.get("results_per_s"),
            m.get("latency_median_ms"),
            m.get("errors"),
            m.get("servers_cpu_ms"),
            m.get("workers_cpu_ms"),
            m.get("postgres_cpu_ms"),
            m.get("total_cpu_ms"),
        ]
        for name, m in med.items()
    ]
    harness.print_table(header, rows, width=13)
    print("(CPU columns: ms per result)")
    harness.print_targets(report["targets"])
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
