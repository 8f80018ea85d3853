"""Runs every benchmark of issue 7, each in its own process, and writes bench/reports/summary.json.

One benchmark failing or running past its bound does not stop the others: its row says so. Each one's
output goes to bench/reports/logs/NAME.log. The summary has every target of the issue (figure, baseline,
ratio, met or not) taken from the reports the benchmarks wrote in this run, the machine's load before and
after, and prints them as a table. Usage: python bench/run_all.py [--quick] [--only NAME ...]
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

# (name, script, report file, bound in seconds for a full run); the order of issue 7's list.
BENCHMARKS = [
    ("throughput", "throughput.py", "throughput.json", 3600),
    ("many_instances", "many_instances.py", "many_instances.json", 3600),
    ("roundtrip", "roundtrip.py", "roundtrip.json", 1800),
    ("watchers", "watchers.py", "watchers.json", 2400),
    ("unary", "unary.py", "unary.json", 1200),
    ("scale", "scale.py", "scale.json", 3600),
    ("output", "output.py", "output.json", 1800),
]
QUICK_BOUND = 900

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="every benchmark in its --quick smoke mode")
    parser.add_argument("--only", nargs="*", default=[], help="run only these benchmarks")
    args = parser.parse_args()
    logs = harness.REPORTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    before = harness.machine()
    results: dict[str, Any] = {}
    targets: list[dict[str, Any]] = []
    for name, script, report_file, bound in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        print(f"{name} ...", flush=True)
        run = run_one(name, script, args.quick, QUICK_BOUND if args.quick else bound, logs)
        report = read_report(harness.REPORTS / report_file, run.pop("started"))
        run["report"] = f"bench/reports/{report_file}" if report else None
        results[name] = run
        state = "timed out" if run["timed_out"] else f"exit {run['exit_code']}"
        print(
            f"  {state} after {run['seconds']:.0f} s; report {'written' if report else 'MISSING'}", flush=True
        )
        if report is None:
            targets.append(
                {"benchmark": name, "target_name": "-", "met": None, "error": f"no report ({state})"}
            )
            continue
        results[name]["machine_after"] = report.get("machine_after") or report.get("machine")
        for target_name, t in (report.get("targets_issue_7") or {}).items():
            targets.append({"benchmark": name, "target_name": target_name, **t})
    after = harness.machine()
    summary = {
        "benchmark": "summary",
        "quick": args.quick,
        "machine_before": before,
        "machine_after": after,
        "targets_issue_7": targets,
        "met": sum(1 for t in targets if t.get("met") is True),
        "not_met": sum(1 for t in targets if t.get("met") is False),
        "not_measured": sum(1 for t in targets if t.get("met") is None),
        "benchmarks": results,
        "issue_reference": ISSUE_REFERENCE,
    }
    path = harness.write_report("summary", summary)
    print(f"\nissue 7 targets ({'quick smoke run' if args.quick else 'full run'})")
    harness.print_machine(after)
    print(f"{'benchmark / target':58}{'figure':>14}{'baseline':>12}{'ratio':>10}  {'met':9}target")
    for t in targets:
        label = f"{t['benchmark']} / {t['target_name']}"
        mark = {True: "met", False: "NOT MET", None: "-"}[t.get("met")]
        # A target with a baseline compares a ratio (its value, unless it names its own); else the value.
        figure = t.get("figure", None if "baseline" in t else t.get("value"))
        ratio = t.get("ratio", t.get("value") if "baseline" in t else None)
        if "error" in t:
            print(f"{label:58}{'':>14}{'':>12}{'':>10}  {'-':9}{t['error']}")
            continue
        print(
            f"{label:58}{harness.cell(figure):>14}{harness.cell(t.get('baseline')):>12}"
            f"{harness.cell(ratio):>10}  {mark:9}{t.get('target')}"
        )
    print(f"\n{summary['met']} met, {summary['not_met']} not met, {summary['not_measured']} not measured")
    print(f"summary: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
