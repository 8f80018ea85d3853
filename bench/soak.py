"""Soak: sustained creates, watches and stops against one real server for a bounded time.

`--clients` loops each repeat one of three operations (chosen with a fixed seed): create a `noop`
instance and watch it to its terminal snapshot; create a `bench_progress` instance and stop it; create
an `echo` instance and wait for it. Every second the server's RSS and open file descriptors (and those of
its local workers) are sampled from /proc. The report compares the mean of the first third of the samples
with the last third (growth), counts operations and errors by status code, and ends with
`taskstreamd check` on the store once the server has stopped. Writes bench/reports/soak.json and prints a
table. Usage: python bench/soak.py [--seconds 60] [--clients 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from procs import machine  # noqa: E402

from taskstream.v1 import instance_service_pb2 as pb  # noqa: E402
from taskstream.v1 import instance_service_pb2_grpc, task_pb2  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

PROJECT = "soak"
CALL_SECONDS = 60.0


def _rss_and_fds(pid: int) -> tuple[int, int]:
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
    return rss, len(list(Path(f"/proc/{pid}/fd").iterdir()))


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for thread in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(p) for p in (thread / "children").read_text().split()]
        except OSError:
            continue
    return found


def _sample(server_pid: int) -> dict[str, float]:
    rss, fds = _rss_and_fds(server_pid)
    worker_rss = worker_fds = 0
    for child in _children(server_pid):
        try:
            r, f = _rss_and_fds(child)
        except OSError:
            continue  # a worker restarting
        worker_rss, worker_fds = worker_rss + r, worker_fds + f
    return {
        "t": time.monotonic(),
        "server_rss": rss,
        "server_fds": fds,
        "workers_rss": worker_rss,
        "workers_fds": worker_fds,
    }


class Soak:
    def __init__(self, stub: instance_service_pb2_grpc.InstanceServiceStub, seed: int) -> None:
        self.stub = stub
        self.random = random.Random(seed)
        self.ops: collections.Counter[str] = collections.Counter()
        self.errors: collections.Counter[str] = collections.Counter()
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)

    async def _create(self, task_type: str, params: dict[str, Any]) -> str:
        request = pb.CreateInstanceRequest(
            parent=f"projects/{PROJECT}",
            tasks=[task_pb2.TaskSpec(type=task_type, parameters_json=json.dumps(params))],
        )
        response = await self.stub.CreateInstance(request, timeout=CALL_SECONDS)
        return f"projects/{PROJECT}/instances/{response.instance.id}"

    async def watch(self) -> None:
        name = await self._create("noop", {})
        async for message in self.stub.WatchInstance(
            pb.WatchInstanceRequest(name=name), timeout=CALL_SECONDS
        ):
            if message.WhichOneof("kind") == "end":
                raise RuntimeError(f"watch ended early: {message.end}")
        self.ops["watched"] += 1

    async def stop(self) -> None:
        name = await self._create("bench_progress", {"rate": 20, "seconds": 30})
        await self.stub.StopInstance(pb.StopInstanceRequest(name=name, message="soak"), timeout=CALL_SECONDS)
        waited = await self.stub.WaitInstance(pb.WaitInstanceRequest(name=name), timeout=CALL_SECONDS)
        if not waited.terminated:
            raise RuntimeError(f"{name} did not end after its stop")
        self.ops["stopped"] += 1

    async def wait(self) -> None:
        name = await self._create("echo", {"n": self.random.randrange(1000)})
        waited = await self.stub.WaitInstance(pb.WaitInstanceRequest(name=name), timeout=CALL_SECONDS)
        if not waited.terminated:
            raise RuntimeError(f"{name} did not end")
        self.ops["waited"] += 1

    async def client(self, until: float) -> None:
        operations = {"watch": self.watch, "stop": self.stop, "wait": self.wait}
        while time.monotonic() < until:
            kind = self.random.choice(list(operations))
            start = time.perf_counter()
            try:
                await operations[kind]()
                self.ops["created"] += 1
                self.latencies[kind].append(time.perf_counter() - start)
            except grpc.aio.AioRpcError as error:
                self.errors[error.code().name] += 1
            except RuntimeError as error:
                self.errors[str(error).split(":")[0]] += 1


async def _run(address: str, server_pid: int, seconds: float, clients: int) -> dict[str, Any]:
    samples: list[dict[str, float]] = []
    until = time.monotonic() + seconds

    async def sampler() -> None:
        while time.monotonic() < until:
            samples.append(_sample(server_pid))
            await asyncio.sleep(1.0)

    async with grpc.aio.insecure_channel(address) as channel:
        soak = Soak(instance_service_pb2_grpc.InstanceServiceStub(channel), seed=8)
        await asyncio.gather(sampler(), *(soak.client(until) for _ in range(clients)))
    samples.append(_sample(server_pid))
    third = max(1, len(samples) // 3)

    def growth(since: list[dict[str, float]]) -> dict[str, float]:
        """The mean of the last third of the samples minus the mean of ``since``."""
        return {
            key: statistics.mean(s[key] for s in samples[-third:]) - statistics.mean(s[key] for s in since)
            for key in ("server_rss", "server_fds", "workers_rss", "workers_fds")
        }

    return {
        "operations": dict(soak.ops),
        "errors": dict(soak.errors),
        "operations_per_second": soak.ops["created"] / seconds,
        "latency_median_ms": {k: 1000 * statistics.median(v) for k, v in soak.latencies.items() if v},
        "samples": samples,
        "growth_last_third_minus_first_third": growth(samples[:third]),
        # The first third holds the warm-up (workers starting their task processes): this one does not.
        "growth_last_third_minus_middle_third": growth(samples[third : 2 * third] or samples[:third]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    before = machine()
    with tempfile.TemporaryDirectory() as data:
        server = ServerProcess(
            Path(data), "--tasks", "bench.bench_tasks", "--grace-period", "1", workers=args.workers
        ).start()
        assert server.process is not None
        try:
            result = asyncio.run(_run(server.address, server.process.pid, args.seconds, args.clients))
        finally:
            exit_code = server.stop()
        check = subprocess.run(
            [sys.executable, "-m", "taskstreamd", "check", "--data-dir", data, "--json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
    report = {
        "benchmark": "soak",
        "seconds": args.seconds,
        "clients": args.clients,
        "workers": args.workers,
        "machine_before": before,
        "machine_after": machine(),
        "server_exit_code": exit_code,
        "store_check": json.loads(check.stdout) if check.stdout else {"ok": False, "error": check.stderr},
        **result,
    }
    out = REPO / "bench" / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(report, indent=2))
    _table(report)
    return 0


def _table(report: dict[str, Any]) -> None:
    mib = 1024 * 1024
    samples = report["samples"]
    print(f"soak: {report['seconds']:g}s, {report['clients']} clients, {report['workers']} workers")
    print(f"  operations      {report['operations']}  ({report['operations_per_second']:.1f}/s)")
    print(f"  errors          {report['errors'] or 'none'}")
    print(f"  median latency  {', '.join(f'{k} {v:.0f} ms' for k, v in report['latency_median_ms'].items())}")
    print(
        f"  {'sample':>8} {'server RSS MiB':>15} {'server fds':>11} {'workers RSS MiB':>16} {'workers fds':>12}"
    )
    step = max(1, len(samples) // 10)
    t0 = samples[0]["t"]
    for s in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
        print(
            f"  {s['t'] - t0:7.0f}s {s['server_rss'] / mib:15.1f} {s['server_fds']:11.0f}"
            f" {s['workers_rss'] / mib:16.1f} {s['workers_fds']:12.0f}"
        )
    for since in ("first", "middle"):
        g = report[f"growth_last_third_minus_{since}_third"]
        print(
            f"  growth (last third - {since} third): server RSS {g['server_rss'] / mib:+.1f} MiB,"
            f" fds {g['server_fds']:+.1f}; workers RSS {g['workers_rss'] / mib:+.1f} MiB,"
            f" fds {g['workers_fds']:+.1f}"
        )
    check = report["store_check"]
    print(f"  server exit {report['server_exit_code']}; store check {'ok' if check.get('ok') else check}")


if __name__ == "__main__":
    raise SystemExit(main())
