"""Unary calls (issue 7 item 5): GetInstance at 16 in flight vs a raw grpc.aio unary echo server.

taskstream: a fresh taskstreamd (1 local worker) holding one terminated one-task ``noop`` instance; a
grpc.aio InstanceService stub keeps ``--inflight`` GetInstance calls in flight until ``--calls`` are done
(or ``--max-seconds`` pass). Baseline in the same run: bench/raw_unary_server.py in its own process, the
same client loop on a bare method that takes a request of GetInstance's request size and answers with bytes
of GetInstance's response size (no proto, no store). Figures: calls/s, latency, the server's CPU. Writes
bench/reports/unary.json. Usage: python bench/unary.py [--calls N] [--inflight 16] [--reps R] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import Any

import grpc
import harness

import taskstream
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc

Call = Callable[[], Awaitable[object]]


async def drive(call: Call, calls: int, inflight: int, max_seconds: float) -> dict[str, Any]:
    """Keeps ``inflight`` calls going until ``calls`` are done or ``max_seconds`` pass."""
    for _ in range(min(200, calls)):  # warm the connection and both sides' code paths
        await call()
    measured = await harness.lanes(call, calls, inflight, max_seconds)
    latencies, errors, elapsed = measured.latencies, measured.errors, measured.seconds
    return {
        "calls": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "seconds": elapsed,
        "calls_per_s": len(latencies) / elapsed,
        "latency_median_ms": 1000 * harness.percentile(latencies, 0.5),
        "latency_p99_ms": 1000 * harness.percentile(latencies, 0.99),
    }


async def _taskstream(address: str, name: str, calls: int, inflight: int, bound: float) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        request = pb.GetInstanceRequest(name=name)
        return await drive(lambda: stub.GetInstance(request, timeout=30), calls, inflight, bound)


async def _raw(address: str, request: bytes, calls: int, inflight: int, bound: float) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(address) as channel:
        echo = channel.unary_unary("/bench.RawUnary/Echo")
        return await drive(lambda: echo(request, timeout=30), calls, inflight, bound)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--inflight", type=int, default=16)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="bound of one repetition")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 rep of 2,000 calls")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.reps = min(args.calls, 2000), 1
    before = harness.machine()
    c, k, bound = args.calls, args.inflight, args.max_seconds
    with ExitStack() as stack:
        server = stack.enter_context(harness.taskstream_server(workers=1))
        with taskstream.connect(server.address, project=harness.PROJECT) as client:
            instance = client.run_task("noop")
            instance.wait_for_completion(timeout=120)
        name = instance.name
        request = pb.GetInstanceRequest(name=name)
        with grpc.insecure_channel(server.address) as channel:
            response = instance_service_pb2_grpc.InstanceServiceStub(channel).GetInstance(request, timeout=30)
        sizes = {"request_bytes": request.ByteSize(), "response_bytes": response.ByteSize()}
        raw = stack.enter_context(
            harness.Script("raw_unary_server.py", "--size", str(sizes["response_bytes"]))
        )
        raw_request = bytes(sizes["request_bytes"])
        ts_pid = harness.server_pid(server)
        systems = {
            "taskstream": lambda: harness.cpu_percent_during(
                ts_pid, lambda: asyncio.run(_taskstream(server.address, name, c, k, bound))
            ),
            "raw_grpc_echo": lambda: harness.cpu_percent_during(
                raw.pid, lambda: asyncio.run(_raw(raw.address, raw_request, c, k, bound))
            ),
        }
        runs = harness.repeat(systems, args.reps)
    after = harness.machine()
    med = {n: harness.medians(r) for n, r in runs.items()}
    ours, echo = med["taskstream"].get("calls_per_s"), med["raw_grpc_echo"].get("calls_per_s")
    vs = harness.ratio(ours, echo)
    report = {
        "benchmark": "unary_get_instance",
        "config": {
            "calls": c,
            "inflight": k,
            "reps": args.reps,
            "max_seconds": bound,
            "quick": args.quick,
            **sizes,
        },
        "machine_before": before,
        "machine_after": after,
        "medians": med,
        "ratios": {"taskstream_over_raw_echo": vs},
        "targets": {
            "get_instance_vs_raw_echo": harness.target(
                ">= 0.7x the echo's calls/s",
                harness.at_least(vs, 0.7),
                issue=7,
                figure=ours,
                baseline=echo,
                ratio=vs,
                unit="calls/s",
            )
        },
        "runs": runs,
    }
    path = harness.write_report("unary", report)
    print(f"\nGetInstance vs raw echo ({sizes['response_bytes']} B responses), {k} in flight, {c:,} calls")
    harness.print_machine(after)
    header = ["", "calls/s", "median ms", "p99 ms", "errors", "server CPU %"]
    rows = [
        [
            n,
            m.get("calls_per_s"),
            m.get("latency_median_ms"),
            m.get("latency_p99_ms"),
            m.get("errors"),
            m.get("server_cpu_percent"),
        ]
        for n, m in med.items()
    ]
    harness.print_table(header, rows)
    harness.print_targets(report["targets"])
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
