"""No-op round trip: create a one-task instance and wait for SUCCESS, one caller, against a real server.

Baseline in the same run: a bare ProcessPoolExecutor submit + result. Writes bench/reports/roundtrip.json
with medians and the ratio, and prints a table. Usage: python bench/roundtrip.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import taskstream  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402


def _noop() -> None:
    return None


def measure(call: object, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with ProcessPoolExecutor(1) as pool:
        pool.submit(_noop).result()  # warm
        baseline = measure(lambda: pool.submit(_noop).result(), args.runs)
    with tempfile.TemporaryDirectory() as data:
        server = ServerProcess(Path(data), workers=1).start()
        try:
            with taskstream.connect(server.address, project="bench") as client:
                client.execute_task("noop")  # warm the worker's child process
                ours = measure(lambda: client.execute_task("noop"), args.runs)
        finally:
            server.stop()
    report = {
        "benchmark": "roundtrip_noop",
        "runs": args.runs,
        "taskstream_median_ms": statistics.median(ours),
        "taskstream_p90_ms": statistics.quantiles(ours, n=10)[-1],
        "process_pool_median_ms": statistics.median(baseline),
        "ratio_taskstream_over_baseline": statistics.median(ours) / statistics.median(baseline),
    }
    out = REPO / "bench" / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / "roundtrip.json").write_text(json.dumps(report, indent=2))
    for key, value in report.items():
        print(f"{key:36} {value:.3f}" if isinstance(value, float) else f"{key:36} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
