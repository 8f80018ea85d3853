"""Runs every benchmark, each in its own process, and writes bench/reports/summary.json: issue 21's targets
and the targets of issue 7 that were met and must stay met.

One benchmark failing or running past its bound does not stop the others: its rows say so. Each one's
output goes to bench/reports/logs/NAME.log. Every target is a row of the summary (figure, baseline, ratio,
met or not, and the report it came from), taken from the reports the benchmarks wrote in this run (an
older report file is ignored), with the machine's load before and after, printed as a table.
Usage: python bench/run_all.py [--quick] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness

# (name, script, report file, bound in seconds for a full run), in the order of issue 21's targets.
BENCHMARKS = [
    ("throughput", "throughput.py", "throughput.json", 3600),
    ("many_instances", "many_instances.py", "many_instances.json", 3600),
    ("roundtrip", "roundtrip.py", "roundtrip.json", 1800),
    ("watchers", "watchers.py", "watchers.json", 2400),
    ("store_backends", "store_backends.py", "store_backends.json", 3000),
    ("kill", "kill.py", "kill.json", 1800),
    ("unary", "unary.py", "unary.json", 1200),
    ("scale", "scale.py", "scale.json", 3600),
    ("output", "output.py", "output.json", 1800),
    ("workers", "workers.py", "workers.json", 1800),  # remote workers 1, 2, 4: no target, for reading
]
QUICK_BOUND = 900

# Every row of the summary: (target number, what is measured, benchmark, key of the target in its report).
ISSUE_21 = [
    ("1", "one instance of 10,000 no-op tasks: tasks/s vs Ray", "throughput", "throughput_vs_ray"),
    (
        "2",
        "10,000 one-task instances, 16 callers: results/s vs Celery",
        "many_instances",
        "many_instances_vs_celery",
    ),
    ("3", "round trip, one caller: median ms vs Ray", "roundtrip", "roundtrip_below_ray"),
    (
        "3",
        "round trip, one caller: median ms above the grpc skeleton's",
        "roundtrip",
        "roundtrip_over_skeleton",
    ),
    ("4", "server CPU ms per no-op instance (16 callers)", "many_instances", "server_cpu_per_instance"),
    ("4", "server CPU ms per task of a large instance", "throughput", "server_cpu_per_task"),
    ("5", "1,000 watchers, 50 progress/s: p99 progress latency ms", "watchers", "progress_latency_p99_ms"),
    (
        "5",
        "1,000 watchers: every status change delivered",
        "watchers",
        "every_watcher_every_status_change_and_terminal",
    ),
    ("6", "PostgreSQL 1 replica, 2 workers: results/s vs SQLite", "store_backends", "postgresql_vs_sqlite"),
    (
        "7",
        "PostgreSQL 2 replicas x 2 workers: results/s vs 1 replica",
        "store_backends",
        "two_replicas_vs_one",
    ),
    (
        "7",
        "2 replicas: CPU ms per result (servers+workers+PG) vs 1",
        "store_backends",
        "two_replicas_cpu_per_result",
    ),
    ("8", "SIGKILL of the server (SQLite) mid-load: creates lost", "kill", "sqlite_server_killed"),
    ("8", "SIGKILL of one of 2 replicas (PostgreSQL): creates lost", "kill", "replica_killed"),
]
KEPT_FROM_ISSUE_7 = [
    ("7.4", "server RSS KB per watcher", "watchers", "server_kb_per_watcher"),
    (
        "7.4",
        "1,000 watchers: delivered messages/s vs raw grpc flat out",
        "watchers",
        "messages_per_s_vs_raw_flat_out",
    ),
    ("7.5", "unary GetInstance, 16 in flight: calls/s vs raw echo", "unary", "get_instance_vs_raw_echo"),
    ("7.6", "ListInstances first page: ms at 1M vs 10k stored", "scale", "scale_list_first_large_over_small"),
    (
        "7.6",
        "ListInstances deep, filtered: ms at 1M vs 10k",
        "scale",
        "scale_list_deep_filtered_large_over_small",
    ),
    ("7.6", "GetInstance: ms at 1M vs 10k stored", "scale", "scale_get_large_over_small"),
    ("7.6", "server RSS KB at 1M vs 10k stored", "scale", "scale_rss_large_over_small"),
    ("7.7", "100 MB of stdout: head, tail and cut kept", "output", "output_head_tail_and_cut_kept"),
    ("7.7", "100 MB of stdout: server RSS peak growth KB", "output", "output_server_rss_peak_growth_kb"),
]
ROW_KEYS = ("value", "figure", "baseline", "ratio", "unit", "target", "met", "stretch_met")

# The figures issue 7 quotes for this 2-core machine, for reading the table (not compared against).
ISSUE_REFERENCE = {
    "roundtrip_ms": {"ray": 1.4, "celery_redis": 2.0, "process_pool": 0.2},
    "trivial_tasks_per_s": {"ray": 2000, "celery": "600-1,000", "dask": 600, "process_pool": 12000},
    "raw_grpc_aio_unary_calls_per_s_16_in_flight": 4500,
    "raw_grpc_aio_stream_messages_per_s_100_streams": 37000,
}


def run_one(name: str, script: str, quick: bool, bound: float, logs: Path) -> dict[str, Any]:
    args = [sys.executable, str(harness.REPO / "bench" / script), *(["--quick"] if quick else [])]
    log = logs / f"{name}.log"
    start = time.time()
    with log.open("w") as out:
        # Its own session, so a benchmark past its bound is stopped with the servers it started.
        process = subprocess.Popen(
            args, cwd=harness.REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = process.wait(timeout=bound)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
            code = None
    return {
        "command": " ".join(args),
        "exit_code": code,
        "timed_out": code is None,
        "seconds": time.time() - start,
        "log": str(log.relative_to(harness.REPO)),
        "started": start,
    }


def read_report(path: Path, started: float) -> dict[str, Any] | None:
    """The report the benchmark wrote in this run; None when it wrote none (an older file does not count)."""
    if not path.exists() or path.stat().st_mtime < started:
        return None
    return json.loads(path.read_text())


def rows_of(
    table: list[tuple[str, str, str, str]], issue: int, reports: dict[str, Any], runs: dict[str, Any]
) -> list[dict[str, Any]]:
    """One row per target: what its benchmark's report says of it, or why there is nothing."""
    rows = []
    for number, what, benchmark, key in table:
        row: dict[str, Any] = {"issue": issue, "number": number, "what": what, "benchmark": benchmark}
        report = reports.get(benchmark)
        found = (report.get("targets") or {}).get(key) if report else None
        if found is None:
            row["met"] = None
            if benchmark not in runs:
                row["error"] = "not run"
            elif report is None:
                run = runs[benchmark]
                state = "timed out" if run["timed_out"] else f"exit {run['exit_code']}"
                row["error"] = f"no report ({state}; see {run['log']})"
            else:
                row["error"] = f"the report has no target {key}"
        else:
            row.update({k: found.get(k) for k in ROW_KEYS if k in found})
            extra = {k: v for k, v in found.items() if k not in ROW_KEYS and k != "issue" and v is not None}
            if extra:
                row["details"] = extra
            row["report"] = f"bench/reports/{benchmark}.json"
        rows.append(row)
    return rows


def print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    """figure / baseline / ratio as measured; ``judged`` is the value the target is judged on (the ratio,
    the figure, or another value, e.g. ms above the grpc skeleton's)."""
    print(f"\n{title}")
    print(f"{'#':4}{'what':60}{'figure':>11}{'baseline':>11}{'ratio':>8}{'judged':>11}  {'met':8}target")
    for row in rows:
        label = f"{row['number']:4}{row['what'][:59]:60}"
        if "error" in row:
            print(f"{label}{'':>41}  {'-':8}{row['error']}")
            continue
        mark = {True: "met", False: "NOT MET", None: "-"}[row.get("met")]
        if row.get("stretch_met"):
            mark = "stretch"
        print(
            f"{label}{harness.cell(row.get('figure')):>11}{harness.cell(row.get('baseline')):>11}"
            f"{harness.cell(row.get('ratio')):>8}{harness.cell(row.get('value')):>11}  {mark:8}{row.get('target')}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="every benchmark in its --quick smoke mode")
    parser.add_argument("--only", nargs="*", default=[], help="run only these benchmarks")
    args = parser.parse_args()
    logs = harness.REPORTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    before = harness.machine()
    runs: dict[str, Any] = {}
    reports: dict[str, Any] = {}
    for name, script, report_file, bound in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        print(f"{name} ...", flush=True)
        run = run_one(name, script, args.quick, QUICK_BOUND if args.quick else bound, logs)
        report = read_report(harness.REPORTS / report_file, run.pop("started"))
        run["report"] = f"bench/reports/{report_file}" if report else None
        runs[name] = run
        state = "timed out" if run["timed_out"] else f"exit {run['exit_code']}"
        print(
            f"  {state} after {run['seconds']:.0f} s; report {'written' if report else 'MISSING'}", flush=True
        )
        if report is not None:
            reports[name] = report
            run["machine_before"] = report.get("machine_before")
            run["machine_after"] = report.get("machine_after")
    after = harness.machine()
    issue_21 = rows_of(ISSUE_21, 21, reports, runs)
    kept = rows_of(KEPT_FROM_ISSUE_7, 7, reports, runs)
    judged = [r for r in issue_21 + kept if r.get("met") is not None]
    summary = {
        "benchmark": "summary",
        "quick": args.quick,
        "note": (
            "quick smoke run: sizes, repetitions and loads are smaller than the issue's, so 'met' here "
            "says nothing about a target"
            if args.quick
            else "medians of 3 repetitions, baselines measured in the same run; compare ratios of one run"
        ),
        "machine_before": before,
        "machine_after": after,
        "issue_21_targets": issue_21,
        "issue_7_targets_kept": kept,
        "met": sum(1 for r in judged if r["met"]),
        "not_met": sum(1 for r in judged if not r["met"]),
        "not_measured": len(issue_21) + len(kept) - len(judged),
        "benchmarks": runs,
        "issue_7_reference": ISSUE_REFERENCE,
    }
    path = harness.write_report("summary", summary)
    print(
        f"\n{'quick smoke run: figures of small runs, not judgements of the targets' if args.quick else 'full run'}"
    )
    harness.print_machine(before, "machine before")
    harness.print_machine(after, "machine after")
    print_rows("issue 21 targets", issue_21)
    print_rows("issue 7 targets that must stay met", kept)
    print(
        f"\n{summary['met']} met, {summary['not_met']} not met, {summary['not_measured']} not measured or not judged"
    )
    print(f"summary: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
