"""SIGKILL mid-load (issue 21 target 8): nothing acknowledged is lost, and the store checks clean.

``sqlite``: a fresh taskstreamd (SQLite, 2 local workers) under ``--callers`` (16) concurrent grpc.aio
callers creating one-task ``noop`` instances, plain creates and waiting creates mixed (every other job
waits: CreateInstance with ``wait_timeout``). The callers count the creates acknowledged (an answer came
back); once ``--acknowledged`` (1,000) were, the server is SIGKILLed at once, with calls still in flight.
Then: ``taskstreamd check --data-dir`` on what the kill left; a restart on the same data dir; GetInstance of
every acknowledged instance (found, or lost: NOT_FOUND), which must also end (a bounded wait: what was
queued runs after the restart), and a waiting create answered terminated must still be terminated; the
server's SIGTERM; ``taskstreamd check`` again.

``replicas``: two replicas on one fresh PostgreSQL database (a throwaway cluster this script starts), 2
local workers each, the callers spread over both (caller i calls replica i mod 2). Before the load, the
script waits (polling the ``shards`` table with a deadline: the server exposes shard ownership nowhere else)
until each replica holds half of the shards, and replica A creates a held instance (the takeover probe).
Once ``--acknowledged`` creates were acknowledged in all,
replica A is SIGKILLed; its callers stop, replica B's go on. Then, through B only and with deadlines
(polling, no fixed sleeps): ResumeInstance of the probe until B accepts it, which only the owner of its
shard can (``takeover_seconds``: from the kill until B took A's shards over), and GetInstance of every
create A acknowledged until B answers it terminated (``all_ended_seconds``: B ran what A left queued).
Then B's callers stop, every acknowledged instance of both is looked up through B, B gets SIGTERM, and
``taskstreamd check --db URL`` runs.

Counts per scenario: acknowledged (plain / waiting), found, lost (must be 0), unanswered (only errors),
not ended by the deadline, answered terminated but not terminated later, the callers' errors (before and
after the kill), the checks' results, and the times. The servers' stderr and PostgreSQL's log are kept in
bench/reports/logs/kill-*.log. Writes
bench/reports/kill.json and prints a table.
Usage: python bench/kill.py [--acknowledged N] [--only sqlite|replicas] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import harness
import procs
from google.protobuf import duration_pb2

from taskstream.v1 import instance_pb2, task_pb2
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerProcess

PARENT = f"projects/{harness.PROJECT}"
TERMINATED = instance_pb2.INSTANCE_STATUS_TERMINATED
SUCCESS = task_pb2.TASK_STATUS_SUCCESS
CALL_SECONDS = 60.0
LOGS = harness.REPORTS / "logs"


def log_file(name: str) -> Path:
    """A fresh file for a server's stderr: bench/reports/logs/kill-NAME.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    path = LOGS / f"kill-{name}.log"
    path.write_text("")
    return path


def create_request(wait: bool, hold: bool = False) -> pb.CreateInstanceRequest:
    request = pb.CreateInstanceRequest(parent=PARENT, tasks=[task_pb2.TaskSpec(type="noop")], hold=hold)
    if wait:
        request.wait_timeout.CopyFrom(duration_pb2.Duration(seconds=int(CALL_SECONDS) - 10))
    return request


@dataclass
class Acknowledged:
    name: str
    waited: bool  # a waiting create
    answered_terminated: bool
    replica: int


@dataclass
class Load:
    """``callers`` coroutines creating instances on ``addresses`` (caller i on address i mod n) until
    stopped; ``on_threshold`` runs once, in the loop, when ``threshold`` creates were acknowledged."""

    addresses: list[str]
    callers: int
    threshold: int
    on_threshold: Callable[[], None]
    max_seconds: float
    acknowledged: list[Acknowledged] = field(default_factory=list)
    errors: dict[int, Counter[str]] = field(default_factory=dict)
    errors_before_threshold: dict[int, Counter[str]] = field(default_factory=dict)  # before the kill
    error_examples: dict[str, str] = field(default_factory=dict)
    stopped: set[int] = field(default_factory=set)  # replicas whose callers stop
    everything_stopped: bool = False
    threshold_reached: asyncio.Event = field(default_factory=asyncio.Event)
    jobs: int = 0
    started: float = 0.0
    callers_of: Counter[int] = field(default_factory=Counter)
    done_callers: Counter[int] = field(default_factory=Counter)

    async def run(self) -> None:
        channels = [grpc.aio.insecure_channel(a) for a in self.addresses]
        stubs = [pb_grpc.InstanceServiceStub(c) for c in channels]
        self.started = time.monotonic()
        self.callers_of = Counter(i % len(stubs) for i in range(self.callers))
        try:
            await asyncio.gather(
                *(self._caller(i % len(stubs), stubs[i % len(stubs)]) for i in range(self.callers))
            )
        finally:
            for channel in channels:
                await channel.close(None)

    async def callers_done(self, replica: int, seconds: float) -> None:
        """Waits (bounded) until every caller of ``replica`` returned: its last answers are in."""
        deadline = time.monotonic() + seconds
        while self.done_callers[replica] < self.callers_of[replica] and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def _caller(self, replica: int, stub: Any) -> None:
        try:
            await self._calls(replica, stub)
        finally:
            self.done_callers[replica] += 1

    async def _calls(self, replica: int, stub: Any) -> None:
        errors = self.errors.setdefault(replica, Counter())
        before = self.errors_before_threshold.setdefault(replica, Counter())
        while not self.everything_stopped and replica not in self.stopped:
            if time.monotonic() - self.started > self.max_seconds:
                raise RuntimeError(f"{self.threshold} creates were not acknowledged in {self.max_seconds} s")
            self.jobs += 1
            wait = self.jobs % 2 == 0
            try:
                answer = await stub.CreateInstance(create_request(wait), timeout=CALL_SECONDS)
            except grpc.aio.AioRpcError as exc:
                errors[exc.code().name] += 1
                if not self.threshold_reached.is_set():
                    before[exc.code().name] += 1
                self.error_examples.setdefault(f"{replica}:{exc.code().name}", exc.details() or "")
                if sum(errors.values()) > 10_000:
                    raise RuntimeError(f"replica {replica}: too many errors: {dict(errors)}") from exc
                await asyncio.sleep(0.05)  # as a client backs off: a refused call is not retried at once
                continue
            self.acknowledged.append(Acknowledged(answer.instance.name, wait, answer.terminated, replica))
            if len(self.acknowledged) == self.threshold:
                self.on_threshold()
                self.threshold_reached.set()


def gone(pid: int) -> bool:
    """True once the process has exited (no /proc entry, or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"


async def wait_gone(pids: list[int], seconds: float) -> dict[str, Any]:
    """Waits for these processes (a killed server's workers) to exit; SIGKILLs those still there after
    ``seconds`` (each by its pid: they are this script's own descendants)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds and not all(gone(p) for p in pids):
        await asyncio.sleep(0.05)
    left = [p for p in pids if not gone(p)]
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return {"workers": len(pids), "exited_seconds": time.monotonic() - start, "killed_after_bound": len(left)}


def check_store(*target: str) -> dict[str, Any]:
    """``taskstreamd check`` on ``--data-dir DIR`` or ``--db URL`` (no server writing to it)."""
    args = [sys.executable, "-m", "taskstreamd", "--log-level", "WARNING", "check", *target, "--json"]
    done = subprocess.run(args, cwd=harness.REPO, capture_output=True, text=True, timeout=300, check=False)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return {
            "ok": False,
            "exit_code": done.returncode,
            "problems": [done.stdout[-500:] + done.stderr[-500:]],
        }
    return {"ok": bool(report["ok"]) and done.returncode == 0, "exit_code": done.returncode, **report}


async def verify(
    address: str, acknowledged: list[Acknowledged], seconds: float, concurrency: int = 16
) -> dict[str, Any]:
    """Polls GetInstance of every acknowledged instance through ``address`` until each is answered
    terminated, or ``seconds`` passed. Found: answered at least once; lost: never found, its last answer
    NOT_FOUND; unanswered: never found, only errors (UNAVAILABLE, DEADLINE_EXCEEDED ...: the server could
    not tell); not ended: found, not terminated at the deadline; regressed: answered terminated when
    created, not terminated now."""
    start = time.monotonic()
    found: dict[str, float] = {}
    ended: dict[str, instance_pb2.Instance] = {}
    regressed: set[str] = set()
    errors: Counter[str] = Counter()
    last_error: dict[str, str] = {}
    waited = {a.name for a in acknowledged if a.answered_terminated}
    pending = [a.name for a in acknowledged]
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.InstanceServiceStub(channel)

        async def look(names: list[str]) -> None:
            for name in names:
                try:
                    answer = await stub.GetInstance(pb.GetInstanceRequest(name=name), timeout=10)
                except grpc.aio.AioRpcError as exc:
                    errors[exc.code().name] += 1
                    last_error[name] = exc.code().name
                    continue
                last_error.pop(name, None)
                found.setdefault(name, time.monotonic() - start)
                if answer.instance.status == TERMINATED:
                    ended[name] = answer.instance
                elif name in waited:
                    regressed.add(name)

        while pending and time.monotonic() - start < seconds:
            await asyncio.gather(*(look(pending[i::concurrency]) for i in range(concurrency)))
            pending = [name for name in pending if name not in ended]
            if pending:
                await asyncio.sleep(0.05)
    every = [a.name for a in acknowledged]
    lost = [n for n in every if n not in found and last_error.get(n) == "NOT_FOUND"]
    unanswered = [n for n in every if n not in found and last_error.get(n) != "NOT_FOUND"]
    return {
        "looked_up": len(every),
        "found": sum(1 for n in every if n in found),
        "lost": len(lost),
        "lost_examples": lost[:5],
        "unanswered": len(unanswered),
        "unanswered_examples": {n: last_error.get(n) for n in unanswered[:5]},
        "ended": len(ended),
        "ended_successfully": sum(1 for i in ended.values() if i.tasks and i.tasks[0].status == SUCCESS),
        "not_ended": sum(1 for n in every if n in found and n not in ended),
        "answered_terminated_not_terminated_later": len(regressed),
        "all_found_seconds": max(found.values()) if found and len(found) == len(every) else None,
        "all_ended_seconds": time.monotonic() - start if not pending else None,
        "lookup_errors": dict(errors),
    }


def counts(acknowledged: list[Acknowledged]) -> dict[str, int]:
    return {
        "acknowledged": len(acknowledged),
        "acknowledged_plain": sum(1 for a in acknowledged if not a.waited),
        "acknowledged_waiting": sum(1 for a in acknowledged if a.waited),
        "acknowledged_answered_terminated": sum(1 for a in acknowledged if a.answered_terminated),
    }


# ---------------------------------------------------------------------------------------------------------
# SQLite: kill the server, restart it on the same data dir


def run_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ts-kill-") as tmp:
        data = Path(tmp) / "data"
        server = ServerProcess(
            data, "--tasks", harness.BENCH_TASKS, workers=2, stderr=log_file("sqlite-killed")
        ).start()
        pid = harness.server_pid(server)
        workers: list[int] = []
        killed_at = 0.0

        def kill() -> None:
            nonlocal killed_at
            workers.extend(procs.descendants(pid))  # its workers and their task processes, to see them go
            os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            load.everything_stopped = True

        load = Load([server.address], args.callers, args.acknowledged, kill, args.max_seconds)
        try:
            asyncio.run(load.run())
        finally:
            if not killed_at:
                server.kill()
        assert server.process is not None
        server.process.wait(timeout=30)
        acknowledged = list(load.acknowledged)
        result: dict[str, Any] = {
            **counts(acknowledged),
            "acknowledged_past_the_threshold": len(acknowledged) - args.acknowledged,  # answered in flight
            "caller_errors_after_kill": dict(load.errors.get(0, {})),
            "caller_error_examples": load.error_examples,
            "killed_server_exit": server.process.returncode,
            "killed_workers": asyncio.run(wait_gone(workers, 30)),
        }
        result["check_after_kill"] = check_store("--data-dir", str(data))
        t0 = time.monotonic()
        restarted = ServerProcess(
            data, "--tasks", harness.BENCH_TASKS, workers=2, stderr=log_file("sqlite-restarted")
        ).start(timeout=120)
        result["restart_seconds"] = time.monotonic() - t0
        try:
            result["after_restart"] = asyncio.run(
                verify(restarted.address, acknowledged, args.verify_seconds)
            )
        finally:
            result["restarted_server_exit_on_sigterm"] = restarted.stop()
        result["check_after_restart"] = check_store("--data-dir", str(data))
    after = result["after_restart"]
    result["met"] = bool(
        after["lost"] == 0
        and after["unanswered"] == 0
        and after["not_ended"] == 0
        and after["answered_terminated_not_terminated_later"] == 0
        and result["check_after_kill"]["ok"]
        and result["check_after_restart"]["ok"]
    )
    return result


# ---------------------------------------------------------------------------------------------------------
# Two replicas on PostgreSQL: kill one, the other takes its shards over


async def takeover(address: str, probe: str, seconds: float) -> dict[str, Any]:
    """ResumeInstance of the held probe through ``address`` until it is accepted: only the owner of the
    probe's shard can resume it, so this is when the survivor took the killed replica's shards."""
    start = time.monotonic()
    errors: Counter[str] = Counter()
    examples: dict[str, str] = {}
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.InstanceServiceStub(channel)
        while time.monotonic() - start < seconds:
            try:
                await stub.ResumeInstance(pb.ResumeInstanceRequest(name=probe), timeout=5)
                return {
                    "takeover_seconds": time.monotonic() - start,
                    "probe_errors_before": dict(errors),
                    "probe_error_examples": examples,
                }
            except grpc.aio.AioRpcError as exc:
                errors[exc.code().name] += 1
                examples.setdefault(exc.code().name, exc.details() or "")
            await asyncio.sleep(0.05)
    return {"takeover_seconds": None, "probe_errors_before": dict(errors), "probe_error_examples": examples}


def run_replicas(args: argparse.Namespace) -> dict[str, Any]:
    cluster = PostgresCluster().start()
    try:
        url = cluster.create_database()
        with tempfile.TemporaryDirectory(prefix="ts-kill-pg-") as tmp:
            servers = [
                ServerProcess(
                    Path(tmp) / name,
                    "--tasks",
                    harness.BENCH_TASKS,
                    "--db",
                    url,
                    workers=2,
                    logging=("--log-level", "INFO"),
                    stderr=log_file(f"replica-{name}"),
                ).start(timeout=120)
                for name in ("a", "b")
            ]
            try:
                return _replicas(args, url, servers)
            finally:
                for server in servers:
                    if server.process is not None and server.process.poll() is None:
                        server.kill()
    finally:
        with contextlib.suppress(OSError):  # PostgreSQL's own log: what it refused, and why
            log_file("postgres").write_bytes((cluster.root / "log").read_bytes())
        cluster.stop()


def shards_held(url: str) -> dict[str, int] | None:
    """Shards held per live replica, from the ``shards`` table (store/models.py's ShardRow); None when the
    table cannot be read (the server exposes no other way to see it)."""
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
            rows = connection.execute(
                "SELECT owner, count(*) FROM shards WHERE owner <> '' AND expires > now() GROUP BY owner"
            ).fetchall()
            total = connection.execute("SELECT count(*) FROM shards").fetchone()
    except psycopg.Error:
        return None
    held = {str(owner): int(n) for owner, n in rows}
    held[""] = int(total[0]) if total else 0
    return held


async def balanced(url: str, replicas: int, seconds: float) -> dict[str, Any]:
    """Polls (with a deadline) until each of ``replicas`` holds its share of the shards: a replica that
    joins takes its share over a few lease renewals, and the load should not start in the middle."""
    start = time.monotonic()
    held: dict[str, int] | None = {}
    while time.monotonic() - start < seconds:
        held = await asyncio.to_thread(shards_held, url)
        if held is None:
            return {"balanced": None, "note": "the shards table could not be read"}
        total = held.pop("")
        owners = list(held.values())
        if len(owners) == replicas and sum(owners) == total and min(owners) >= total // replicas:
            return {"balanced": True, "seconds": time.monotonic() - start, "shards_held": owners}
        await asyncio.sleep(0.1)
    return {"balanced": False, "seconds": time.monotonic() - start, "shards_held": held}


def _replicas(args: argparse.Namespace, url: str, servers: list[ServerProcess]) -> dict[str, Any]:
    a, b = servers
    result: dict[str, Any] = {"shards_before_the_load": asyncio.run(balanced(url, 2, 60))}
    a_pid = harness.server_pid(a)
    a_workers: list[int] = []
    with grpc.insecure_channel(a.address) as channel:
        probe = pb_grpc.InstanceServiceStub(channel).CreateInstance(
            create_request(False, hold=True), timeout=30
        )
    probe_name = probe.instance.name

    async def scenario() -> None:
        killed_at = 0.0

        def kill() -> None:
            nonlocal killed_at
            a_workers.extend(procs.descendants(a_pid))
            os.kill(a_pid, signal.SIGKILL)
            killed_at = time.monotonic()
            load.stopped.add(0)

        load = Load([a.address, b.address], args.callers, args.acknowledged, kill, args.max_seconds)
        running = asyncio.create_task(load.run())
        try:
            waiting = asyncio.create_task(load.threshold_reached.wait())
            done, _ = await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if running in done:
                running.result()  # raises what stopped the load early
            await load.callers_done(0, CALL_SECONDS)  # A's answers that were on their way are in
            on_a = [x for x in load.acknowledged if x.replica == 0]
            result.update(counts(load.acknowledged))
            result["acknowledged_by_killed_replica"] = len(on_a)
            # Through the survivor, under its callers' load: first the takeover, then every create of A.
            result.update(await takeover(b.address, probe_name, args.verify_seconds))
            result["killed_replica_creates"] = await verify(b.address, on_a, args.verify_seconds)
            result["seconds_from_kill_to_all_of_a_ended"] = (
                time.monotonic() - killed_at
                if result["killed_replica_creates"]["all_ended_seconds"]
                else None
            )
        finally:
            load.everything_stopped = True
            with contextlib.suppress(Exception):
                await running
        result["acknowledged_after_kill_by_survivor"] = len(load.acknowledged) - result["acknowledged"]
        result.update(counts(load.acknowledged))  # with what B acknowledged meanwhile
        result["caller_errors"] = {("a" if r == 0 else "b"): dict(e) for r, e in load.errors.items()}
        result["caller_errors_before_the_kill"] = {
            ("a" if r == 0 else "b"): dict(e) for r, e in load.errors_before_threshold.items()
        }
        result["caller_error_examples"] = load.error_examples
        result["every_create"] = await verify(b.address, load.acknowledged, args.verify_seconds)
        acknowledged_probe = Acknowledged(probe_name, False, False, 0)
        result["probe_ended"] = (await verify(b.address, [acknowledged_probe], 60))["ended_successfully"] == 1
        result["killed_workers"] = await wait_gone(a_workers, 30)

    asyncio.run(scenario())
    assert a.process is not None
    result["killed_replica_exit"] = a.process.wait(timeout=30)
    try:
        result["survivor_exit_on_sigterm"] = b.stop()
    except subprocess.TimeoutExpired:
        b.kill()
        result["survivor_exit_on_sigterm"] = "did not exit within 30 s of SIGTERM: killed"
    result["check"] = check_store("--db", url)
    every = result["every_create"]
    result["met"] = bool(
        every["lost"] == 0
        and every["unanswered"] == 0
        and every["not_ended"] == 0
        and every["answered_terminated_not_terminated_later"] == 0
        and result["killed_replica_creates"]["lost"] == 0
        and result["killed_replica_creates"]["unanswered"] == 0
        and result["takeover_seconds"] is not None
        and result["check"]["ok"]
    )
    return result


# ---------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--acknowledged", type=int, default=1000, help="creates acknowledged before the kill")
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--only", choices=("sqlite", "replicas"), help="run one scenario only")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="bound of the load before the kill")
    parser.add_argument(
        "--verify-seconds", type=float, default=120.0, help="bound of each wait after the kill (polling)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: kill after 300 acknowledged creates")
    args = parser.parse_args()
    if args.quick:
        args.acknowledged = min(args.acknowledged, 300)
    before = harness.machine()
    scenarios: dict[str, Any] = {}
    for name, run in (("sqlite", run_sqlite), ("replicas", run_replicas)):
        if args.only and args.only != name:
            continue
        print(f"{name} ...", flush=True)
        try:
            scenarios[name] = run(args)
        except Exception as exc:
            scenarios[name] = {"error": f"{type(exc).__name__}: {exc}"[:500], "met": None}
        print("  " + json.dumps(scenarios[name], default=str)[:2000], flush=True)
    after = harness.machine()
    sqlite, replicas = scenarios.get("sqlite"), scenarios.get("replicas")
    targets: dict[str, Any] = {}
    if sqlite is not None:
        after_restart = sqlite.get("after_restart", {})
        targets["sqlite_server_killed"] = harness.target(
            "none lost (each found and ended after the restart) and taskstreamd check clean",
            sqlite.get("met"),
            figure=sqlite.get("acknowledged"),
            value=after_restart.get("lost"),
            unit="instances",
            value_is="acknowledged creates lost",
            found=after_restart.get("found"),
            unanswered=after_restart.get("unanswered"),
            check_ok=(
                sqlite.get("check_after_kill", {}).get("ok"),
                sqlite.get("check_after_restart", {}).get("ok"),
            ),
            error=sqlite.get("error"),
        )
    if replicas is not None:
        every = replicas.get("every_create", {})
        targets["replica_killed"] = harness.target(
            "none lost (A's creates ended by B after its takeover) and taskstreamd check --db clean",
            replicas.get("met"),
            figure=replicas.get("acknowledged"),
            value=every.get("lost"),
            unit="instances",
            value_is="acknowledged creates lost",
            found=every.get("found"),
            unanswered=every.get("unanswered"),
            takeover_seconds=replicas.get("takeover_seconds"),
            check_ok=replicas.get("check", {}).get("ok"),
            error=replicas.get("error"),
        )
    report = {
        "benchmark": "kill",
        "config": {
            "acknowledged_before_kill": args.acknowledged,
            "callers": args.callers,
            "workers_per_server": 2,
            "task": "noop; every other create waits (wait_timeout)",
            "verify_seconds": args.verify_seconds,
            "quick": args.quick,
        },
        "machine_before": before,
        "machine_after": after,
        "scenarios": scenarios,
        "targets": targets,
    }
    path = harness.write_report("kill", report)
    print()
    harness.print_machine(after)
    rows: list[list[Any]] = []
    if sqlite is not None and "error" not in sqlite:
        r = sqlite["after_restart"]
        rows.append(["sqlite: acknowledged", sqlite["acknowledged"]])
        rows.append(
            ["  plain / waiting", f"{sqlite['acknowledged_plain']} / {sqlite['acknowledged_waiting']}"]
        )
        rows.append(["  found after restart", r["found"]])
        rows.append(["  lost", r["lost"]])
        rows.append(["  unanswered", r["unanswered"]])
        rows.append(["  ended after restart", r["ended"]])
        rows.append(["  check after kill", sqlite["check_after_kill"]["ok"]])
        rows.append(["  check after restart", sqlite["check_after_restart"]["ok"]])
        rows.append(["  restart seconds", sqlite["restart_seconds"]])
    if replicas is not None and "error" not in replicas:
        e, k = replicas["every_create"], replicas["killed_replica_creates"]
        rows.append(["replicas: acknowledged", replicas["acknowledged"]])
        rows.append(["  by the killed replica", replicas["acknowledged_by_killed_replica"]])
        rows.append(["  found through survivor", e["found"]])
        rows.append(["  lost", e["lost"]])
        rows.append(["  unanswered", e["unanswered"]])
        rows.append(["  takeover seconds", replicas["takeover_seconds"]])
        rows.append(["  A's creates all ended, s", k["all_ended_seconds"]])
        rows.append(["  check --db", replicas["check"]["ok"]])
    harness.print_table(["", "value"], rows, first=32)
    harness.print_targets(targets)
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
