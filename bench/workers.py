"""Throughput with remote workers: tasks per second with 1, 2 and 4 ``taskstreamd worker`` processes.

Per worker count, a fresh server with no local workers (``--db URL`` to use a given database, for example
PostgreSQL; the default is SQLite in a temporary directory) and N remote workers connected over TCP.
The clock runs from the first CreateInstance to the last instance terminated: ``--tasks`` no-op tasks in
instances of ``--per-instance`` tasks, all submitted first. Writes bench/reports/workers.json and prints a
table. No target of an issue judges it; it is there to read. Usage: python bench/workers.py [--tasks 2000]
[--workers 1,2,4] [--slots 1] [--db URL] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import procs  # noqa: E402

import taskstream  # noqa: E402
from taskstream import TaskSpec  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402


def run_once(count: int, tasks: int, per_instance: int, slots: int, db: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data:
        extra = ["--db", db] if db else []
        server = ServerProcess(Path(data), *extra, workers=0).start()
        workers = [
            WorkerProcess(server.address, f"bench-{i}", "--slots", str(slots)).start() for i in range(count)
        ]
        try:
            for worker in workers:
                worker.registered()
            with taskstream.connect(server.address, project="bench-workers") as client:
                for _ in range(count * slots):  # warm every slot's child process
                    client.execute_task("noop")
                cpu_before = os.times()
                start = time.perf_counter()
                instances = [
                    client.create_instance(
                        [TaskSpec("noop", name=f"t{i}") for i in range(min(per_instance, tasks - first))]
                    )
                    for first in range(0, tasks, per_instance)
                ]
                for instance in instances:  # one by one: most have ended by the time they are waited on
                    instance.wait_for_completion(timeout=3600)
                elapsed = time.perf_counter() - start
                cpu_after = os.times()
                failed = sum(1 for i in instances if not i.is_successful())
        finally:
            for worker in workers:
                worker.stop()
            server.stop()
    return {
        "workers": count,
        "tasks": tasks,
        "seconds": elapsed,
        "tasks_per_second": tasks / elapsed,
        "failed_instances": failed,
        "bench_client_cpu_seconds": (cpu_after.user + cpu_after.system)
        - (cpu_before.user + cpu_before.system),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--per-instance", type=int, default=20)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure, comma-separated")
    parser.add_argument("--slots", type=int, default=1, help="slots per worker")
    parser.add_argument("--db", help="SQLAlchemy async URL of the server's database (default: SQLite)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 tasks, 1 and 2 workers")
    args = parser.parse_args()
    if args.quick:
        args.tasks, args.workers = min(args.tasks, 200), "1,2"
    before = procs.machine()
    counts = [int(c) for c in args.workers.split(",") if c]
    results = [run_once(c, args.tasks, args.per_instance, args.slots, args.db) for c in counts]
    report = {
        "benchmark": "remote_workers_throughput",
        "task": "noop",
        "tasks": args.tasks,
        "per_instance": args.per_instance,
        "slots_per_worker": args.slots,
        "database": "given --db" if args.db else "sqlite (temporary)",
        "quick": args.quick,
        "machine_before": before,
        "machine_after": procs.machine(),
        "results": results,
    }
    out = REPO / "bench" / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / "workers.json").write_text(json.dumps(report, indent=2))
    procs.print_machine(report["machine_after"])
    print(f"{'workers':>8} {'tasks':>7} {'seconds':>9} {'tasks/s':>9} {'failed':>7}")
    for r in results:
        print(
            f"{r['workers']:>8} {r['tasks']:>7} {r['seconds']:>9.2f} "
            f"{r['tasks_per_second']:>9.1f} {r['failed_instances']:>7}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
