"""Scale (issue 7 item 6): ListInstances and GetInstance with a small and a large number of instances stored.

For each size (default 10,000 and 1,000,000) a fresh data dir is migrated (``taskstreamd migrate``) and
filled with sqlite3 ``executemany``: terminated, successful one-task ``noop`` instances as the server would
leave them (rows of ``instances``, ``tasks`` and ``instance_labels``, matching store/models.py; no events),
ids time-ordered one millisecond apart, 10 owners, labels ``shard`` (0-99) and ``kind``. Then one server
(no workers) per size runs, both at once, and each repetition times, one call at a time, on each:

- ``list_first``: ListInstances, the first page (50, newest first, no filter);
- ``list_deep_filtered``: ListInstances from the middle of the id range (a page token after the median id)
  with a label filter (``shard``: 1% of the instances) and a status filter;
- ``get``: GetInstance of ids picked at random over the whole range.

Figures: median and p90 ms per call kind and size, the ratio large / small, and each server's RSS after the
calls. Writes bench/reports/scale.json. Usage: python bench/scale.py [--sizes 10000 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import harness
from watchers import settle_rss

from taskstream.v1 import instance_pb2, instance_service_pb2_grpc
from taskstream.v1 import instance_service_pb2 as pb
from tests.support.server import ServerProcess

PROJECT = harness.PROJECT
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
TERMINATED, TASK_SUCCESS = 3, 8  # the store's integer codes (see a row the server wrote)
RESULT_NULL = b"\n\x04null"  # a serialized Result of None, as a finished noop stores it
CHUNK = 50_000


def _second(i: int) -> str:
    """The ``YYYYmmddHHMMSS`` of instance i's create time (one per 1,000 instances, so it is cached)."""
    second = i // 1000
    if _SECONDS.get("at") != second:
        _SECONDS["at"] = second
        _SECONDS["text"] = (BASE_TIME + timedelta(seconds=second)).strftime("%Y%m%d%H%M%S")
    return str(_SECONDS["text"])


_SECONDS: dict[str, object] = {}


def instance_id(i: int) -> str:
    """The server's id shape (UTC ms stamp + 8 characters), unique and ordered by i."""
    suffix, n = [], i
    for _ in range(8):
        n, r = divmod(n, 36)
        suffix.append(ALPHABET[r])
    return f"{_second(i)}{i % 1000:03d}" + "".join(reversed(suffix))


def _time(i: int, plus_ms: int = 0) -> str:
    """Instance i's create time plus ``plus_ms``, in the text form SQLAlchemy stores in SQLite."""
    s = _second(i)
    ms = i % 1000 + plus_ms  # plus_ms < 10, so at most one second later: keep it in this second
    ms = min(ms, 999)
    return f"{s[0:4]}-{s[4:6]}-{s[6:8]} {s[8:10]}:{s[10:12]}:{s[12:14]}.{ms:03d}000"


def _chunks(n: int, row: Callable[[int], tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, n, CHUNK):
        yield [row(i) for i in range(start, min(n, start + CHUNK))]


def fill(data_dir: Path, n: int) -> float:
    """Migrates a fresh data dir and bulk-inserts n instances; returns the seconds it took."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "taskstreamd",
            "--log-level",
            "WARNING",
            "migrate",
            "--data-dir",
            str(data_dir),
        ],
        check=True,
        cwd=harness.REPO,
        timeout=300,
    )
    db = sqlite3.connect(data_dir / "taskstream.db", isolation_level=None)
    # A throwaway database: no journal, no syncs. The secondary indexes the migrations made are dropped and
    # made again after the load (the same SQL, read back from sqlite_master): much faster than keeping them.
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('instances', 'tasks', 'instance_labels')"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    db.execute("BEGIN")

    def instance(i: int) -> tuple[Any, ...]:
        labels = json.dumps({"kind": "bench", "shard": str(i % 100)}, sort_keys=True)
        return (
            instance_id(i),
            PROJECT,
            f"user{i % 10}",
            TERMINATED,
            _time(i),
            _time(i, 5),
            _time(i, 9),
            labels,
        )

    instance_sql = (
        "INSERT INTO instances (id, project, owner, priority, status, successful, create_time, start_time,"
        " end_time, parent_instance, request_id, cancel_on_task_failure, max_interrupted_retries,"
        " task_timeout, labels_json, last_seq) VALUES (?, ?, ?, 9, ?, 1, ?, ?, ?, '', NULL, 0, 3, NULL, ?, 0)"
    )
    for rows in _chunks(n, instance):
        db.executemany(instance_sql, rows)
    task_sql = (
        'INSERT INTO tasks (id, instance_id, "index", name, type, parameters_json, timeout, status, attempts,'
        " interruptions, worker, assignment_id, started, start_time, end_time, grace_period, result,"
        " stdout_bytes, stderr_bytes, progress_seq)"
        " VALUES (?, ?, 0, 'noop', 'noop', '', NULL, ?, 1, 0, 'w1', ?, 1, ?, ?, 0.0, ?, 0, 0, 0)"
    )
    for rows in _chunks(
        n,
        lambda i: (i + 1, instance_id(i), TASK_SUCCESS, f"1-{i + 1}", _time(i, 5), _time(i, 9), RESULT_NULL),
    ):
        db.executemany(task_sql, rows)
    label_sql = "INSERT INTO instance_labels (instance_id, key, value) VALUES (?, ?, ?)"
    for rows in _chunks(n, lambda i: (instance_id(i), str(i % 100))):
        db.executemany(label_sql, [(iid, "kind", "bench") for iid, _ in rows])
        db.executemany(label_sql, [(iid, "shard", shard) for iid, shard in rows])
    for _, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode=WAL")  # as the server keeps it
    db.close()
    return time.perf_counter() - start


def page_token_after(last_id: str) -> str:
    """A ListInstances page token as the server hands them out (repository.encode_page_token's format), so a
    deep page can be asked for without paging through half a million rows first."""
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode()


def timed(call: Callable[[], Any], count: int) -> tuple[list[float], Any]:
    samples, last = [], None
    for _ in range(count):
        t0 = time.perf_counter()
        last = call()
        samples.append(1000 * (time.perf_counter() - t0))
    return samples, last


def measure(stub: Any, n: int, calls: int, rng: random.Random) -> dict[str, Any]:
    parent = f"projects/{PROJECT}"
    first = pb.ListInstancesRequest(parent=parent, page_size=50)
    deep = pb.ListInstancesRequest(
        parent=parent,
        page_size=50,
        page_token=page_token_after(instance_id(n // 2)),
        labels={"shard": "7"},
        statuses=[instance_pb2.INSTANCE_STATUS_TERMINATED],
    )
    out: dict[str, Any] = {}
    samples, response = timed(lambda: stub.ListInstances(first, timeout=60), calls)
    out |= _stats("list_first", samples) | {"list_first_returned": len(response.instances)}
    samples, response = timed(lambda: stub.ListInstances(deep, timeout=60), calls)
    out |= _stats("list_deep_filtered", samples) | {"list_deep_filtered_returned": len(response.instances)}
    names = [f"{parent}/instances/{instance_id(rng.randrange(n))}" for _ in range(calls)]
    requests = iter([pb.GetInstanceRequest(name=name) for name in names])
    samples, _ = timed(lambda: stub.GetInstance(next(requests), timeout=60), calls)
    out |= _stats("get", samples)
    return out


def _stats(name: str, samples: list[float]) -> dict[str, float]:
    return {
        f"{name}_median_ms": statistics.median(samples),
        f"{name}_p90_ms": harness.percentile(samples, 0.9),
    }


KINDS = ("list_first", "list_deep_filtered", "get")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 1_000_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--calls", type=int, default=200, help="calls of each kind per repetition")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: sizes 10,000 and 40,000, 1 rep of 30"
    )
    args = parser.parse_args()
    if args.quick:
        # The small size keeps a full deep filtered page (50 of shard 7 past the median), as a full run has.
        args.sizes, args.calls, args.reps = [10_000, 40_000], min(args.calls, 30), 1
    small, large = args.sizes
    before = harness.machine()
    fill_seconds: dict[str, float] = {}
    rss: dict[str, dict[str, int]] = {}
    with ExitStack() as stack:
        servers: dict[str, ServerProcess] = {}
        stubs: dict[str, Any] = {}
        for size in (small, large):
            key = str(size)
            data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ts-scale-")))
            print(f"filling {size:,} instances ...", flush=True)
            fill_seconds[key] = fill(data, size)
            print(f"  {fill_seconds[key]:.1f} s", flush=True)
            server = ServerProcess(data, workers=0).start(timeout=300)
            stack.callback(server.stop)
            servers[key] = server
            channel = stack.enter_context(grpc.insecure_channel(server.address))
            stubs[key] = instance_service_pb2_grpc.InstanceServiceStub(channel)
            stubs[key].ListInstances(
                pb.ListInstancesRequest(parent=f"projects/{PROJECT}"), timeout=120
            )  # warm
            rss[key] = {"after_start_kb": settle_rss(harness.server_pid(server))}
        rngs = {key: random.Random(size) for key, size in zip(stubs, (small, large), strict=True)}
        systems = {
            f"stored_{key}": (lambda key=key, size=size: measure(stubs[key], size, args.calls, rngs[key]))
            for key, size in zip(stubs, (small, large), strict=True)
        }
        runs = harness.repeat(systems, args.reps)
        for key, server in servers.items():
            rss[key]["after_calls_kb"] = settle_rss(harness.server_pid(server))
    after = harness.machine()
    med = {name: harness.medians(r) for name, r in runs.items()}
    s, g = med[f"stored_{small}"], med[f"stored_{large}"]
    ratios = {kind: harness.ratio(g.get(f"{kind}_median_ms"), s.get(f"{kind}_median_ms")) for kind in KINDS}
    rss_ratio = harness.ratio(rss[str(large)]["after_calls_kb"], rss[str(small)]["after_calls_kb"])
    targets = {
        f"scale_{kind}_large_over_small": harness.target(
            "<= 1.5x slower at the larger size",
            None if r is None else r <= 1.5,
            issue=7,
            ratio=r,
            figure=g.get(f"{kind}_median_ms"),
            baseline=s.get(f"{kind}_median_ms"),
            unit="ms",
            small=small,
            large=large,
        )
        for kind, r in ratios.items()
    }
    targets["scale_rss_large_over_small"] = harness.target(
        "does not grow with the number stored (<= 1.1x)",
        None if rss_ratio is None else rss_ratio <= 1.1,
        issue=7,
        ratio=rss_ratio,
        figure=rss[str(large)]["after_calls_kb"],
        baseline=rss[str(small)]["after_calls_kb"],
        unit="KB",
    )
    report = {
        "benchmark": "scale",
        "config": {"sizes": [small, large], "calls": args.calls, "reps": args.reps, "quick": args.quick},
        "machine_before": before,
        "machine_after": after,
        "fill_seconds": fill_seconds,
        "medians": med,
        "server_rss": rss,
        "ratios_large_over_small": ratios,
        "targets": targets,
        "runs": runs,
    }
    path = harness.write_report("scale", report)
    print(
        f"\nListInstances / GetInstance with {small:,} and {large:,} instances stored, {args.calls} calls each"
    )
    harness.print_machine(after)
    rows: list[list[Any]] = [
        [f"{kind} median ms", s.get(f"{kind}_median_ms"), g.get(f"{kind}_median_ms"), ratios[kind]]
        for kind in KINDS
    ]
    rows += [[f"{kind} p90 ms", s.get(f"{kind}_p90_ms"), g.get(f"{kind}_p90_ms"), None] for kind in KINDS]
    rows.append(
        [
            "server RSS KB after calls",
            rss[str(small)]["after_calls_kb"],
            rss[str(large)]["after_calls_kb"],
            rss_ratio,
        ]
    )
    harness.print_table(["", f"{small:,} stored", f"{large:,} stored", "large/small"], rows, width=20)
    harness.print_targets(targets)
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
