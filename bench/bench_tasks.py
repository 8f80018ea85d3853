"""Task types for the benchmarks, loaded by the benchmark server's workers with ``--tasks bench.bench_tasks``.

``bench_gate`` holds a worker until a file exists, so a benchmark can line up its clients before the work it
measures starts. ``bench_progress`` reports progress at a fixed rate; each report's message is its index and
``Progress.update_time`` is stamped by ``TaskContext`` in this process when ``set_progress`` is called, so a
watcher's receive time minus ``update_time`` is the latency from the task's call to the watcher.
``bench_output`` writes a large stdout with markers at both ends (bench/output.py).
"""

from __future__ import annotations

import os
import sys
import time

from taskstream import TaskContext, task


@task("bench_gate")
def bench_gate(ctx: TaskContext, path: str, max_seconds: float = 300.0) -> bool:
    """Returns True once the file ``path`` exists, False after ``max_seconds`` or when cancelled."""
    deadline = time.monotonic() + max_seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline or ctx.wait_for_cancellation(0.002):
            return False
    return True


@task("bench_progress")
def bench_progress(ctx: TaskContext, rate: float = 50.0, seconds: float = 10.0) -> int:
    """Calls set_progress ``rate`` times a second for ``seconds`` on a fixed schedule; returns the count."""
    count = max(1, round(rate * seconds))
    interval = 1.0 / rate
    start = time.monotonic()
    for index in range(count):
        delay = start + index * interval - time.monotonic()
        if delay > 0 and ctx.wait_for_cancellation(delay):
            return index
        ctx.set_progress(100 * (index + 1) / count, str(index))
    return count


OUTPUT_HEAD = b"BENCH-OUTPUT-HEAD\n"
OUTPUT_TAIL = b"BENCH-OUTPUT-TAIL\n"


@task("bench_output")
def bench_output(ctx: TaskContext, megabytes: float = 100.0) -> int:
    """Writes ``megabytes`` MB to stdout: a head marker line, 1 KiB lines, a tail marker line (the last
    bytes). Returns the number of bytes written."""
    total = int(megabytes * 1024 * 1024)
    line = b"x" * 1023 + b"\n"
    block = line * 64  # 64 KiB per write
    out = sys.stdout.buffer
    out.write(OUTPUT_HEAD)
    left = total - len(OUTPUT_HEAD) - len(OUTPUT_TAIL)
    while left > 0:
        piece = block[: min(left, len(block))]
        out.write(piece)
        left -= len(piece)
    out.write(OUTPUT_TAIL)
    out.flush()
    return total
