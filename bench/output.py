"""Large output (issue 7 item 7): a task writes 100 MB to stdout; the server keeps its head and tail.

Per repetition, a ``bench_output`` task (bench/bench_tasks.py: a head marker line, 1 KiB lines, a tail marker
line) runs on a fresh taskstreamd with one local worker while a thread samples, every 10 ms, the VmRSS of
the server and of each of its descendants (the worker and the task's process). Afterwards
``task.read_output()`` (ReadTaskOutput) must give the head marker first, a chunk with ``cut_bytes`` (the
cut) and the tail marker as the last bytes, ending at the byte count the task wrote. Figures: peak RSS
growth over the idle RSS before the task (server; the largest descendant; all descendants), seconds, MB/s,
bytes kept. No baseline. Writes bench/reports/output.json. Usage: python bench/output.py [--mb 100] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
from typing import Any

import harness
from bench_tasks import OUTPUT_HEAD, OUTPUT_TAIL
from watchers import settle_rss

import taskstream


class RssSampler:
    """Peak VmRSS of a process and of its descendants, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.01) -> None:
        self.pid, self.every = pid, every
        self.server_peak = self.child_peak = self.children_peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # Listing descendants scans /proc, too slow for every sample: refresh the list every 0.5 s only.
        children: list[int] = []
        listed = 0.0
        while not self._stop.is_set():
            if time.monotonic() - listed > 0.5:
                children, listed = harness.descendants(self.pid), time.monotonic()
            with contextlib.suppress(OSError, RuntimeError):
                self.server_peak = max(self.server_peak, harness.rss_kb(self.pid))
                sizes = []
                for child in children:
                    with contextlib.suppress(OSError, RuntimeError):
                        sizes.append(harness.rss_kb(child))
                self.child_peak = max([self.child_peak, *sizes])
                self.children_peak = max(self.children_peak, sum(sizes))
                self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def children_rss(pid: int) -> tuple[int, int]:
    """(largest, total) VmRSS in KB of the descendants of pid."""
    sizes = []
    for child in harness.descendants(pid):
        with contextlib.suppress(OSError, RuntimeError):
            sizes.append(harness.rss_kb(child))
    return max(sizes, default=0), sum(sizes)


def run_once(megabytes: float, timeout: float) -> dict[str, Any]:
    with harness.taskstream_server(workers=1) as server:
        pid = harness.server_pid(server)
        with taskstream.connect(server.address, project=harness.PROJECT) as client:
            client.run_task("noop").wait_for_completion(timeout=120)  # the worker's task process exists
            server0 = settle_rss(pid)
            child0, children0 = children_rss(pid)
            start = time.perf_counter()
            with RssSampler(pid) as sampler:
                instance = client.run_task("bench_output", {"megabytes": megabytes})
                instance.wait_for_completion(timeout=timeout)
            elapsed = time.perf_counter() - start
            written = int(megabytes * 1024 * 1024)
            chunks = list(instance.get_task().read_output("stdout"))
    kept = b"".join(chunk.data for chunk in chunks)
    cut = sum(chunk.cut_bytes for chunk in chunks)
    end = chunks[-1].offset + len(chunks[-1].data) if chunks else 0
    checks = {
        "head_kept": kept.startswith(OUTPUT_HEAD),
        "tail_kept": kept.endswith(OUTPUT_TAIL),
        "cut_marked": cut > 0,
        "ends_at_bytes_written": end == written,
        "kept_plus_cut_is_written": len(kept) + cut == written,
    }
    return {
        "status": str(instance.status.name),
        "bytes_written": written,
        "bytes_kept": len(kept),
        "cut_bytes": cut,
        "seconds": elapsed,
        "mb_per_s": megabytes / elapsed,
        "server_rss_idle_kb": server0,
        "server_rss_peak_growth_kb": sampler.server_peak - server0,
        "worker_rss_peak_growth_kb": sampler.child_peak - child0,
        "descendants_rss_peak_growth_kb": sampler.children_peak - children0,
        "rss_samples": sampler.samples,
        "checks_passed": sum(checks.values()),
        "checks": checks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--mb", type=float, default=100.0, help="megabytes the task writes")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0, help="bound of one task, seconds")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 rep of 20 MB")
    args = parser.parse_args()
    if args.quick:
        args.mb, args.reps = min(args.mb, 20.0), 1
    before = harness.machine()
    runs = harness.repeat({"taskstream": lambda: run_once(args.mb, args.timeout)}, args.reps)
    after = harness.machine()
    med = harness.medians(runs["taskstream"])
    good = [r for r in runs["taskstream"] if "error" not in r]
    all_checks = bool(good) and all(all(r["checks"].values()) for r in good)
    peak_server = max((r["server_rss_peak_growth_kb"] for r in good), default=None)
    peak_worker = max((r["worker_rss_peak_growth_kb"] for r in good), default=None)
    report = {
        "benchmark": "output",
        "config": {"megabytes": args.mb, "reps": args.reps, "quick": args.quick},
        "machine_before": before,
        "machine_after": after,
        "medians": med,
        "max_over_reps": {"server_rss_peak_growth_kb": peak_server, "worker_rss_peak_growth_kb": peak_worker},
        "targets": {
            "output_head_tail_and_cut_kept": harness.target(
                "head, tail, cut marker kept",
                all_checks if good else None,
                issue=7,
                figure=f"{sum(r['checks_passed'] for r in good)}/{5 * len(good)} checks" if good else None,
                megabytes_written=args.mb,
            ),
            "output_server_rss_peak_growth_kb": harness.target(
                "reported (no number in the issue)",
                None,
                issue=7,
                figure=peak_server,
                unit="KB",
                worker_kb=peak_worker,
            ),
        },
        "runs": runs,
    }
    path = harness.write_report("output", report)
    print(f"\na task writes {args.mb:g} MB to stdout, medians of {args.reps} reps")
    harness.print_machine(after)
    rows = [
        [key, med.get(key)]
        for key in (
            "seconds",
            "mb_per_s",
            "bytes_kept",
            "cut_bytes",
            "server_rss_idle_kb",
            "server_rss_peak_growth_kb",
            "worker_rss_peak_growth_kb",
            "descendants_rss_peak_growth_kb",
        )
    ]
    harness.print_table(["", "taskstream"], rows, first=34)
    for r in good:
        print("checks:", r["checks"])
    harness.print_targets(report["targets"])
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
