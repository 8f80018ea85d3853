"""Tasks per second with the SQLite store and with the PostgreSQL store, with 1, 2 and 4 local workers.

Per configuration, a fresh taskstreamd (and, for PostgreSQL, a fresh database on a throwaway cluster
started by this script) runs ``--tasks`` one-task instances of ``noop``, created by 8 concurrent callers;
the figure is tasks / (time from the first create to the last task's end, seen by WaitInstance). One more
row runs two replicas on one PostgreSQL database, 2 workers each, with callers spread over both.

Writes bench/reports/store_backends.json and prints a table. A measurement, not a test.
Usage: python bench/store_backends.py [--tasks N] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import grpc  # noqa: E402
from google.protobuf import duration_pb2  # noqa: E402

from taskstream.v1 import instance_pb2, task_pb2  # noqa: E402
from taskstream.v1 import instance_service_pb2 as pb  # noqa: E402
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

CALLERS = 8


def run_tasks(addresses: list[str], tasks: int) -> tuple[float, int]:
    """Seconds from the first create to the last end, and how many tasks succeeded."""
    channels = [grpc.insecure_channel(a) for a in addresses]
    stubs = [pb_grpc.InstanceServiceStub(c) for c in channels]
    spec = task_pb2.TaskSpec(type="noop")
    try:
        # Warm every worker's child process first, outside the measurement.
        for stub in stubs:
            warm = stub.CreateInstance(pb.CreateInstanceRequest(parent="projects/bench", tasks=[spec]))
            stub.WaitInstance(pb.WaitInstanceRequest(name=warm.instance.name), timeout=120)

        def create(i: int) -> str:
            request = pb.CreateInstanceRequest(parent="projects/bench", tasks=[spec])
            return str(stubs[i % len(stubs)].CreateInstance(request, timeout=60).instance.name)

        start = time.perf_counter()
        with ThreadPoolExecutor(CALLERS) as pool:
            names = list(pool.map(create, range(tasks)))
        # One WaitInstance per instance, in creation order: each returns at once when the instance is
        # already done, so the last one returns when the last task ended.
        ends = [
            stubs[i % len(stubs)].WaitInstance(
                pb.WaitInstanceRequest(name=name, timeout=duration_pb2.Duration(seconds=600)), timeout=620
            )
            for i, name in enumerate(names)
        ]
        elapsed = time.perf_counter() - start
        ok = sum(
            1
            for end in ends
            if end.instance.status == instance_pb2.INSTANCE_STATUS_TERMINATED
            and end.instance.tasks[0].status == task_pb2.TASK_STATUS_SUCCESS
        )
        return elapsed, ok
    finally:
        for channel in channels:
            channel.close()


def measure(
    name: str, root: Path, tasks: int, workers: int, db: str | None, replicas: int = 1
) -> dict[str, object]:
    servers = []
    try:
        for r in range(replicas):
            extra = ["--db", db] if db else []
            servers.append(ServerProcess(root / f"{name}-{workers}-{r}", *extra, workers=workers).start())
        cpu_before = os.times()
        elapsed, ok = run_tasks([s.address for s in servers], tasks)
        cpu_after = os.times()
    finally:
        for server in servers:
            server.stop()
    return {
        "store": name,
        "replicas": replicas,
        "workers": workers * replicas,
        "tasks": tasks,
        "succeeded": ok,
        "seconds": round(elapsed, 3),
        "tasks_per_second": round(tasks / elapsed, 1),
        "bench_client_cpu_seconds": round(
            (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system), 2
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    worker_counts = [int(w) for w in args.workers.split(",")]
    rows: list[dict[str, object]] = []
    load_at_start = os.getloadavg()
    cluster = PostgresCluster().start()
    try:
        with tempfile.TemporaryDirectory() as data:
            root = Path(data)
            for workers in worker_counts:
                rows.append(measure("sqlite", root, args.tasks, workers, None))
                rows.append(measure("postgresql", root, args.tasks, workers, cluster.create_database()))
            rows.append(measure("postgresql", root, args.tasks, 2, cluster.create_database(), replicas=2))
    finally:
        cluster.stop()
    report = {
        "benchmark": "store_backends",
        "task": "noop, one task per instance",
        "callers": CALLERS,
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load_at_start,  # other work on the machine skews every figure
        "load_average_at_end": os.getloadavg(),
        "rows": rows,
    }
    out = REPO / "bench" / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / "store_backends.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'store':12} {'replicas':>8} {'workers':>8} {'tasks':>6} {'ok':>6} {'seconds':>8} {'tasks/s':>8}")
    for row in rows:
        print(
            f"{row['store']!s:12} {row['replicas']!s:>8} {row['workers']!s:>8} {row['tasks']!s:>6} "
            f"{row['succeeded']!s:>6} {row['seconds']!s:>8} {row['tasks_per_second']!s:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
