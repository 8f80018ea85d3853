"""Fan-out: W concurrent WatchInstance streams on one instance whose task reports progress 50 times a second.

Per repetition, against a fresh taskstreamd on 127.0.0.1:0 with one local worker (task types from
bench/bench_tasks.py):

1. a ``bench_gate`` instance takes the only worker and holds it; the watched ``bench_progress`` instance is
   created behind it and suspended (so its seq is past 0 and a replay from the watchers' cursor is
   possible: after_seq=0 would mean "send a snapshot");
2. W watchers (grpc.aio, spread over ``--clients`` processes, ``--streams-per-channel`` streams per HTTP/2
   connection) open WatchInstance from the start and read the snapshot; the server's RSS is read before and
   with every stream open;
3. the watched instance is resumed and the gate opens: the task is assigned, runs and calls
   ``set_progress`` ``--rate`` times a second for ``--seconds``, then ends; every watcher reads until the
   terminal snapshot;
4. one more watch from the watchers' first cursor replays the stored log: every watcher must have got
   exactly those status changes (progress is coalesced there, status never is).

Measured: delivered messages/s over all watchers, progress latency (watcher receive wall time minus
``Progress.update_time``, which TaskContext stamps in the task's process when set_progress is called),
the fraction of progress events coalesced away (seq gaps), errors, server RSS per watcher, and the CPU of
the server, its workers and the clients. A worker sends a task's progress at most every 50 ms (the
latest; workers/outbox.py), so of the 50 reports a second about 20 reach the server: the report also
gives the messages/s that could reach the watchers at all, and the share of them delivered, which bound
the ratio to the raw stream whatever the fan-out does.

Baselines in the same run: bench/raw_stream_server.py, a bare grpc.aio server-streaming server with the
same W streams and message size, (a) at the same offered rate (one ticker, 50/s, to every stream) and
(b) flat out. Writes bench/reports/watchers.json with every run, the medians, the ratios and the targets
(issue 21 target 5: p99 progress latency < 100 ms with every status change delivered; issue 7's memory per
watcher < 30 KB), and prints a table. Usage: python bench/watchers.py [--watchers W] [--runs N] [--quick]
[--profile]
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import queue
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import grpc  # noqa: E402
from google.protobuf import duration_pb2, timestamp_pb2  # noqa: E402
from procs import (  # noqa: E402
    background_busy,
    cpu_of,
    cpu_seconds,
    descendants,
    machine,
    machine_busy,
    print_machine,
    rss_kb,
    settle_rss,
)

from taskstream.v1 import (  # noqa: E402
    event_pb2,
    instance_pb2,
    instance_service_pb2,
    instance_service_pb2_grpc,
    task_pb2,
)
from tests.support.server import ServerProcess  # noqa: E402

pb = instance_service_pb2
TASKS_MODULE = "bench.bench_tasks"
PROJECT = "bench"
RAW_SERVER = Path(__file__).resolve().with_name("raw_stream_server.py")
REPORT = REPO / "bench" / "reports" / "watchers.json"
# Heartbeats only while nothing changes; long enough that the open phase does not produce any.
HEARTBEAT = duration_pb2.Duration(seconds=120)
CLIENT_OPTIONS = [
    ("grpc.use_local_subchannel_pool", 1),  # one connection per channel, not one shared by all
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
]
TERMINAL = instance_pb2.INSTANCE_STATUS_TERMINATED
RAW_END = -1
_RAW_HEADER = struct.Struct("<qd")  # bench/raw_stream_server.py's message header


# ---------------------------------------------------------------------------------------------------------
# Client processes: each runs its share of the watchers on one asyncio loop.


class Watcher:
    """What one stream saw."""

    __slots__ = (
        "cursor0",
        "error",
        "first",
        "heartbeats",
        "last",
        "messages",
        "opened",
        "out_of_order",
        "progress",
        "skipped",
        "status_seqs",
        "terminal",
        "terminal_time",
    )

    def __init__(self) -> None:
        self.opened = False
        self.cursor0 = 0
        self.messages = 0  # after the first snapshot
        self.progress = 0
        self.heartbeats = 0
        self.skipped = 0  # raw baseline: seq gaps
        self.out_of_order = 0
        self.status_seqs: list[int] = []
        self.terminal = False
        self.terminal_time = 0.0
        self.first = 0.0
        self.last = 0.0
        self.error = ""

    def summary(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class ClientRun:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.total = spec["watchers"]
        self.watchers = [Watcher() for _ in range(self.total)]
        self.progress_latency = array.array("d")
        self.status_latency = array.array("d")
        self.fanout_latency = array.array("d")
        self.intake_latency = array.array("d")  # the task's update_time to the server's event time
        self.settled = 0
        self.all_settled = asyncio.Event()

    def settle(self) -> None:
        """A watcher opened (or failed to): once all have, the client reports ready."""
        self.settled += 1
        if self.settled >= self.total:
            self.all_settled.set()

    async def watch_taskstream(self, channel: grpc.aio.Channel, w: Watcher) -> None:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        request = pb.WatchInstanceRequest(name=self.spec["target"], heartbeat_interval=HEARTBEAT)
        progress_latency, status_latency = self.progress_latency, self.status_latency
        fanout_latency = self.fanout_latency
        intake_latency = self.intake_latency
        settled = False
        try:
            call = stub.WatchInstance(request, timeout=self.spec["call_timeout"])
            first = await call.read()
            if first is grpc.aio.EOF or first.WhichOneof("kind") != "snapshot":
                w.error = f"first message is not a snapshot: {first!r}"[:200]
                return
            w.opened, w.cursor0 = True, first.snapshot.seq
            settled = True
            self.settle()
            last = w.cursor0
            while True:
                message = await call.read()
                now = time.time()
                if message is grpc.aio.EOF:
                    break
                w.messages += 1
                if not w.first:
                    w.first = now
                w.last = now
                kind = message.WhichOneof("kind")
                if kind == "event":
                    event = message.event
                    if event.seq <= last:
                        w.out_of_order += 1
                    last = event.seq
                    if event.HasField("task_progress_updated"):
                        stamp = event.task_progress_updated.progress.update_time
                        progress_latency.append(now - stamp.seconds - stamp.nanos * 1e-9)
                        event_time = event.time.seconds + event.time.nanos * 1e-9
                        fanout_latency.append(now - event_time)
                        intake_latency.append(event_time - stamp.seconds - stamp.nanos * 1e-9)
                        w.progress += 1
                    else:
                        status_latency.append(now - event.time.seconds - event.time.nanos * 1e-9)
                        w.status_seqs.append(event.seq)
                elif kind == "snapshot":
                    if message.snapshot.status == TERMINAL:
                        w.terminal, w.terminal_time = True, now
                    else:
                        w.error = "a second snapshot that is not terminal"
                elif kind == "heartbeat":
                    w.heartbeats += 1
                elif kind == "end":
                    w.error = f"WatchEnd {message.end.reason} {message.end.message}"
            code = await call.code()
            if code != grpc.StatusCode.OK:
                w.error = f"status {code.name}"
            elif not w.terminal and not w.error:
                w.error = "stream ended without the terminal snapshot"
        except grpc.aio.AioRpcError as exc:
            w.error = f"{exc.code().name}: {exc.details()}"[:300]
        except Exception as exc:  # counted, never raised: one watcher must not hide the others
            w.error = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            if not settled:
                self.settle()

    async def watch_raw(self, channel: grpc.aio.Channel, w: Watcher) -> None:
        subscribe = channel.unary_stream("/bench.RawStream/Subscribe")
        latency = self.progress_latency
        unpack = _RAW_HEADER.unpack_from
        settled = False
        try:
            call = subscribe(b"", timeout=self.spec["call_timeout"])
            first = await call.read()
            if first is grpc.aio.EOF:
                w.error = "no hello"
                return
            w.opened = True
            settled = True
            self.settle()
            last = 0
            while True:
                message = await call.read()
                now = time.time()
                if message is grpc.aio.EOF:
                    break
                w.messages += 1
                if not w.first:
                    w.first = now
                w.last = now
                seq, sent = unpack(message)
                if seq == RAW_END:
                    w.terminal, w.terminal_time = True, now
                    continue
                latency.append(now - sent)
                w.progress += 1
                if seq <= last:
                    w.out_of_order += 1
                else:
                    w.skipped += seq - last - 1
                last = seq
            code = await call.code()
            if code != grpc.StatusCode.OK:
                w.error = f"status {code.name}"
            elif not w.terminal:
                w.error = "stream ended without the end message"
        except grpc.aio.AioRpcError as exc:
            w.error = f"{exc.code().name}: {exc.details()}"[:300]
        except Exception as exc:
            w.error = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            if not settled:
                self.settle()

    async def run(self, out: Any) -> dict[str, Any]:
        spec = self.spec
        per_channel = spec["streams_per_channel"]
        channels = [
            grpc.aio.insecure_channel(spec["address"], options=CLIENT_OPTIONS)
            for _ in range(math.ceil(self.total / per_channel))
        ]
        try:
            await asyncio.wait_for(
                asyncio.gather(*(c.channel_ready() for c in channels)), spec["open_timeout"]
            )
            watch = self.watch_taskstream if spec["kind"] == "taskstream" else self.watch_raw
            started = time.time()
            tasks = [
                asyncio.create_task(watch(channels[i // per_channel], w)) for i, w in enumerate(self.watchers)
            ]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_settled.wait(), spec["open_timeout"])
            opened = sum(w.opened for w in self.watchers)
            ready_cpu, ready_wall = time.process_time(), time.time()
            out.put(("ready", spec["index"], {"opened": opened, "open_seconds": ready_wall - started}))
            _, pending = await asyncio.wait(tasks, timeout=spec["call_timeout"] + 10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task, w in zip(tasks, self.watchers, strict=True):
                if task in pending and not w.error:
                    w.error = "cancelled: the stream outlived the client's deadline"
            return {
                "watchers": [w.summary() for w in self.watchers],
                "progress_latency": self.progress_latency.tobytes(),
                "status_latency": self.status_latency.tobytes(),
                "fanout_latency": self.fanout_latency.tobytes(),
                "intake_latency": self.intake_latency.tobytes(),
                "cpu_seconds": time.process_time() - ready_cpu,
                "cpu_wall_seconds": time.time() - ready_wall,
            }
        finally:
            for channel in channels:
                await channel.close()


def client_main(spec: dict[str, Any], out: Any) -> None:
    """Entry point of a client process (spawned, so it shares no gRPC state with the parent)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when clients stop
    try:
        result = asyncio.run(ClientRun(spec).run(out))
    except BaseException as exc:
        result = {"fatal": f"{type(exc).__name__}: {exc}"}
    out.put(("done", spec["index"], result))


# ---------------------------------------------------------------------------------------------------------
# Process measurements from /proc.


class Sampler:
    """CPU of the server, its descendants and the machine between start() and stop()."""

    def __init__(self, server_pid: int) -> None:
        self.pid = server_pid

    def start(self) -> None:
        self.children = descendants(self.pid)
        self.t0 = time.monotonic()
        self.server0 = cpu_seconds(self.pid)
        self.children0 = cpu_of(self.children)
        self.machine0 = machine_busy()
        self.parent0 = time.process_time()

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self.t0
        busy1, total1 = machine_busy()
        busy0, total0 = self.machine0
        return {
            "wall_seconds": wall,
            "server_cpu_percent": 100 * (cpu_seconds(self.pid) - self.server0) / wall,
            "server_children_cpu_percent": 100 * (cpu_of(self.children) - self.children0) / wall,
            "machine_busy_percent": 100 * (os.cpu_count() or 1) * (busy1 - busy0) / max(1, total1 - total0),
            "parent_cpu_percent": 100 * (time.process_time() - self.parent0) / wall,
        }


def cpu_report(cpu: dict[str, float], client_cpu: float, background: float) -> dict[str, float]:
    clients = 100 * client_cpu / cpu["wall_seconds"]
    ours = cpu.get("server_cpu_percent", 0) + cpu.get("server_children_cpu_percent", 0)
    ours += clients + cpu["parent_cpu_percent"]
    return dict(
        cpu,
        clients_cpu_percent=clients,
        background_busy_percent_before=background,
        other_processes_cpu_percent=max(0.0, cpu["machine_busy_percent"] - ours),
    )


# ---------------------------------------------------------------------------------------------------------
# Running clients from the parent.


class Clients:
    def __init__(self, count: int, base: dict[str, Any], watchers: int) -> None:
        self.context = mp.get_context("spawn")
        self.queue: Any = self.context.Queue()
        self.processes: list[Any] = []
        self.ready: dict[int, dict[str, Any]] = {}
        self.done: dict[int, dict[str, Any]] = {}
        shares = [watchers // count + (1 if i < watchers % count else 0) for i in range(count)]
        self.specs = [dict(base, index=i, watchers=n) for i, n in enumerate(shares) if n]

    def start(self) -> None:
        for spec in self.specs:
            process = self.context.Process(target=client_main, args=(spec, self.queue), daemon=True)
            process.start()
            self.processes.append(process)

    def poll(self, timeout: float) -> None:
        try:
            kind, index, payload = self.queue.get(timeout=timeout)
        except queue.Empty:
            return
        (self.ready if kind == "ready" else self.done)[index] = payload
        if kind == "done":
            self.ready.setdefault(index, {"opened": 0, "open_seconds": math.nan})

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.ready) < len(self.specs) and time.monotonic() < deadline:
            self.poll(0.2)
        if len(self.ready) < len(self.specs):
            raise RuntimeError(f"only {len(self.ready)} of {len(self.specs)} client processes got ready")

    def wait_done(self, timeout: float, every: Callable[[], None]) -> None:
        deadline = time.monotonic() + timeout
        while len(self.done) < len(self.specs) and time.monotonic() < deadline:
            self.poll(0.1)
            every()
        if len(self.done) < len(self.specs):
            raise RuntimeError(f"only {len(self.done)} of {len(self.specs)} client processes finished")

    def stop(self) -> None:
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        self.queue.close()

    def results(self) -> tuple[list[dict[str, Any]], dict[str, array.array[float]], float]:
        """Every watcher's summary, the latency samples by name, and the clients' CPU seconds."""
        watchers: list[dict[str, Any]] = []
        latencies: dict[str, array.array[float]] = {}
        cpu = 0.0
        for index in sorted(self.done):
            result = self.done[index]
            if "fatal" in result:
                raise RuntimeError(f"client {index} failed: {result['fatal']}")
            watchers += result["watchers"]
            for name in ("progress_latency", "status_latency", "fanout_latency", "intake_latency"):
                latencies.setdefault(name, array.array("d")).frombytes(result[name])
            cpu += result["cpu_seconds"]
        return watchers, latencies, cpu


def percentiles_ms(samples: array.array[float]) -> dict[str, float]:
    if not samples:
        return {"p50_ms": math.nan, "p90_ms": math.nan, "p99_ms": math.nan, "max_ms": math.nan}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50_ms": at(0.50), "p90_ms": at(0.90), "p99_ms": at(0.99), "max_ms": 1000 * ordered[-1]}


def stream_window(watchers: list[dict[str, Any]]) -> float:
    firsts = [w["first"] for w in watchers if w["first"]]
    lasts = [w["last"] for w in watchers if w["last"]]
    return max(lasts) - min(firsts) if firsts and lasts else math.nan


# ---------------------------------------------------------------------------------------------------------
# taskstream


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def create(stub: Any, task_type: str, params: dict[str, Any]) -> instance_pb2.Instance:
    spec = task_pb2.TaskSpec(type=task_type, parameters_json=json.dumps(params))
    request = pb.CreateInstanceRequest(parent=f"projects/{PROJECT}", tasks=[spec])
    return stub.CreateInstance(request, timeout=30).instance


def get(stub: Any, name: str) -> instance_pb2.Instance:
    return stub.GetInstance(pb.GetInstanceRequest(name=name), timeout=30).instance


def replay(stub: Any, name: str, after_seq: int) -> tuple[list[tuple[int, str]], int]:
    """The stored changes after ``after_seq`` but progress: (seq, kind) each, and the terminal seq."""
    request = pb.WatchInstanceRequest(name=name, after_seq=after_seq, heartbeat_interval=HEARTBEAT)
    changes, final_seq = [], 0
    for message in stub.WatchInstance(request, timeout=60):
        kind = message.WhichOneof("kind")
        if kind == "event":
            change = message.event.WhichOneof("change")
            if change != "task_progress_updated":
                changes.append((message.event.seq, _describe(message.event)))
        elif kind == "snapshot":
            final_seq = message.snapshot.seq
        elif kind == "end":
            raise RuntimeError(f"replay ended early: {message.end}")
    return changes, final_seq


def _describe(event: event_pb2.InstanceEvent) -> str:
    change = event.WhichOneof("change")
    if change == "task_status_changed":
        c = event.task_status_changed
        old, new = task_pb2.TaskStatus.Name(c.previous_status), task_pb2.TaskStatus.Name(c.task.status)
        return f"task {old.removeprefix('TASK_STATUS_')}->{new.removeprefix('TASK_STATUS_')}"
    if change == "instance_status_changed":
        c2 = event.instance_status_changed
        old = instance_pb2.InstanceStatus.Name(c2.previous_status).removeprefix("INSTANCE_STATUS_")
        return (
            f"instance {old}->{instance_pb2.InstanceStatus.Name(c2.status).removeprefix('INSTANCE_STATUS_')}"
        )
    return str(change)


def progress_message_size(task_name: str) -> int:
    """Bytes of one progress WatchInstanceResponse as the benchmark's task produces it."""
    now = timestamp_pb2.Timestamp()
    now.GetCurrentTime()
    progress = task_pb2.Progress(percent=50, message="249", update_time=now)
    event = event_pb2.InstanceEvent(
        seq=260,
        time=now,
        task_progress_updated=event_pb2.TaskProgressUpdated(task=task_name, progress=progress),
    )
    return pb.WatchInstanceResponse(event=event).ByteSize()


def run_taskstream(args: argparse.Namespace, profile_to: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-watchers-") as tmp:
        gate = Path(tmp) / "gate"
        server = ServerProcess(Path(tmp) / "data", "--tasks", TASKS_MODULE, workers=1)
        clients: Clients | None = None
        channel: grpc.Channel | None = None
        spy: subprocess.Popen[bytes] | None = None
        try:
            server.start()
            assert server.process is not None
            pid = server.process.pid
            channel = grpc.insecure_channel(server.address)
            stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
            blocker = create(stub, "bench_gate", {"path": str(gate), "max_seconds": args.timeout})
            wait_until(
                lambda: get(stub, blocker.name).tasks[0].status == task_pb2.TASK_STATUS_RUNNING,
                60,
                "the gate task to run",
            )
            watched = create(stub, "bench_progress", {"rate": args.rate, "seconds": args.seconds})
            stub.SuspendInstance(pb.SuspendInstanceRequest(name=watched.name), timeout=30)
            rss_before = settle_rss(pid)
            base = {
                "kind": "taskstream",
                "address": server.address,
                "target": watched.name,
                "streams_per_channel": args.streams_per_channel,
                "open_timeout": args.timeout,
                "call_timeout": args.timeout,
            }
            clients = Clients(args.clients, base, args.watchers)
            clients.start()
            clients.wait_ready(args.timeout + 30)
            if get(stub, watched.name).tasks[0].status != task_pb2.TASK_STATUS_SUSPENDED:
                raise RuntimeError("the watched task is not held while the watchers open")
            rss_open = settle_rss(pid)
            background = background_busy()
            sampler = Sampler(pid)
            peak = [rss_open]
            sampler.start()
            if profile_to is not None:
                spy = start_py_spy(pid, profile_to, args.timeout + 60)
            stub.ResumeInstance(pb.ResumeInstanceRequest(name=watched.name), timeout=30)
            gate.touch()
            clients.wait_done(args.timeout + 60, lambda: peak.append(rss_kb(pid)))
            cpu = sampler.stop()
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes what it sampled over the whole window
                spy.wait(timeout=60)
            watchers, latencies, client_cpu = clients.results()
            cursors = Counter(w["cursor0"] for w in watchers if w["opened"])
            cursor0 = cursors.most_common(1)[0][0] if cursors else 0
            changes, final_seq = replay(stub, watched.name, cursor0)
            final = get(stub, watched.name)
            rss_after = rss_kb(pid)
        finally:
            if spy is not None and spy.poll() is None:
                spy.kill()
                spy.wait(timeout=10)
            if clients is not None:
                clients.stop()
            if channel is not None:
                channel.close()
            if server.process is not None:
                try:
                    server.stop()
                except subprocess.TimeoutExpired:
                    server.kill()
    expected_seqs = [seq for seq, _ in changes]
    recorded_progress = (final_seq - cursor0) - len(changes)
    errors: Counter[str] = Counter()
    for w in watchers:
        if w["error"]:
            errors[_error_class(w["error"])] += 1
        elif not w["terminal"]:
            errors["missing terminal snapshot"] += 1
        if w["opened"] and w["cursor0"] != cursor0:
            errors["different first cursor"] += 1
        if w["opened"] and not w["error"] and w["status_seqs"] != expected_seqs:
            errors["missed or extra status change"] += 1
        if w["out_of_order"]:
            errors["seq out of order"] += 1
    received_progress = sum(w["progress"] for w in watchers)
    messages = sum(w["messages"] for w in watchers)
    window = stream_window(watchers)
    terminal_times = [w["terminal_time"] for w in watchers if w["terminal"]]
    opened = sum(w["opened"] for w in watchers)
    result = {
        "watchers": args.watchers,
        "opened": opened,
        "open_seconds": max(r["open_seconds"] for r in clients.ready.values()),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "example_errors": sorted({w["error"] for w in watchers if w["error"]})[:5],
        "watchers_with_errors": sum(
            bool(w["error"] or not w["terminal"] or w["out_of_order"] or w["status_seqs"] != expected_seqs)
            for w in watchers
        ),
        "status_changes": [kind for _, kind in changes],
        "final_task_status": task_pb2.TaskStatus.Name(final.tasks[0].status),
        "progress_reported": round(args.rate * args.seconds),
        "progress_recorded": recorded_progress,
        "progress_received_per_watcher_mean": received_progress / max(1, len(watchers)),
        "progress_received_per_watcher_min": min((w["progress"] for w in watchers), default=0),
        "coalesced_fraction": 1 - received_progress / max(1, opened * recorded_progress),
        "messages": messages,
        "window_seconds": window,
        "messages_per_s": messages / window,
        # What reached the server can be sent at most: a worker sends a task's progress at most every
        # PROGRESS_INTERVAL (the latest), so a faster task's reports never become messages.
        "deliverable_messages_per_s": opened * (recorded_progress + len(changes) + 2) / window,
        "delivered_of_deliverable": messages / max(1, opened * (recorded_progress + len(changes) + 2)),
        "offered_messages_per_s": args.watchers * args.rate,
        "progress_latency": percentiles_ms(latencies["progress_latency"]),
        "progress_fanout_latency": percentiles_ms(latencies["fanout_latency"]),
        "progress_intake_latency": percentiles_ms(latencies["intake_latency"]),
        "status_latency": percentiles_ms(latencies["status_latency"]),
        "terminal_spread_ms": 1000 * (max(terminal_times) - min(terminal_times)) if terminal_times else None,
        "rss_before_kb": rss_before,
        "rss_open_kb": rss_open,
        "rss_peak_kb": max(peak),
        "rss_after_kb": rss_after,
        "kb_per_watcher_open": (rss_open - rss_before) / args.watchers,
        "kb_per_watcher_peak": (max(peak) - rss_before) / args.watchers,
        "cpu": cpu_report(cpu, client_cpu, background),
    }
    return result


def _error_class(error: str) -> str:
    return error.split(":", 1)[0][:80]


# ---------------------------------------------------------------------------------------------------------
# The raw grpc.aio baseline


class RawServer:
    def __init__(self, mode: str, args: argparse.Namespace, size: int) -> None:
        self.args = [
            sys.executable,
            str(RAW_SERVER),
            "--mode",
            mode,
            "--rate",
            str(args.rate),
            "--seconds",
            str(args.seconds),
            "--size",
            str(size),
            "--max-seconds",
            str(args.timeout * 3),
        ]
        self.process: subprocess.Popen[str] | None = None
        self.address = ""

    def start(self, timeout: float = 30) -> RawServer:
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not line or not line[0].startswith("{"):
            raise RuntimeError("the raw baseline server did not become ready")
        self.address = json.loads(line[0])["grpc"]
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def run_raw(mode: str, args: argparse.Namespace, size: int) -> dict[str, Any]:
    server = RawServer(mode, args, size)
    clients: Clients | None = None
    try:
        server.start()
        assert server.process is not None
        pid = server.process.pid
        rss_before = settle_rss(pid)
        base = {
            "kind": "raw",
            "address": server.address,
            "target": "",
            "streams_per_channel": args.streams_per_channel,
            "open_timeout": args.timeout,
            "call_timeout": args.timeout,
        }
        clients = Clients(args.clients, base, args.watchers)
        clients.start()
        clients.wait_ready(args.timeout + 30)
        rss_open = settle_rss(pid)
        background = background_busy()
        sampler = Sampler(pid)
        peak = [rss_open]
        sampler.start()
        with grpc.insecure_channel(server.address) as channel:
            channel.unary_unary("/bench.RawStream/Start")(b"", timeout=30)
        clients.wait_done(args.timeout + 60, lambda: peak.append(rss_kb(pid)))
        cpu = sampler.stop()
        watchers, latencies, client_cpu = clients.results()
    finally:
        if clients is not None:
            clients.stop()
        server.stop()
    errors: Counter[str] = Counter()
    for w in watchers:
        if w["error"]:
            errors[_error_class(w["error"])] += 1
        if w["out_of_order"]:
            errors["seq out of order"] += 1
    opened = sum(w["opened"] for w in watchers)
    messages = sum(w["messages"] for w in watchers)
    received = sum(w["progress"] for w in watchers)
    window = stream_window(watchers)
    result: dict[str, Any] = {
        "mode": mode,
        "watchers": args.watchers,
        "opened": opened,
        "open_seconds": max(r["open_seconds"] for r in clients.ready.values()),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "messages": messages,
        "window_seconds": window,
        "messages_per_s": messages / window,
        "latency": percentiles_ms(latencies["progress_latency"]),
        "rss_before_kb": rss_before,
        "rss_open_kb": rss_open,
        "rss_peak_kb": max(peak),
        "kb_per_stream_open": (rss_open - rss_before) / args.watchers,
        "kb_per_stream_peak": (max(peak) - rss_before) / args.watchers,
        "cpu": cpu_report(cpu, client_cpu, background),
    }
    if mode == "rate":
        published = round(args.rate * args.seconds)
        result["skipped_fraction"] = 1 - received / max(1, opened * published)
        result["offered_messages_per_s"] = args.watchers * args.rate
    return result


# ---------------------------------------------------------------------------------------------------------
# py-spy on the server (optional, an extra run not counted in the medians)


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_py_spy(pid: int, output: Path, seconds: float) -> subprocess.Popen[bytes] | None:
    exe = py_spy()
    if exe is None:
        return None
    command = [exe, "record", "--pid", str(pid), "--rate", "100", "--nonblocking", "--format", "raw"]
    command += ["--duration", str(max(1, int(seconds))), "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize_profile(path: Path, top: int = 20) -> dict[str, Any]:
    """Self and inclusive sample counts per function from py-spy's collapsed stacks."""
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_frame(f) for f in stack.split(";")]
        self_counts[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    share = lambda n: round(100 * n / max(1, total), 1)  # noqa: E731
    return {
        "samples": total,
        "self_percent": [[f, share(n)] for f, n in self_counts.most_common(top)],
        "inclusive_percent": [[f, share(n)] for f, n in inclusive.most_common(top)],
    }


def _frame(frame: str) -> str:
    """'function (path/to/file.py:123)' -> 'function (file.py)'."""
    name, _, where = frame.partition(" (")
    file = where.rstrip(")").rsplit(":", 1)[0]
    parts = file.split("/")
    short = "/".join(parts[-2:]) if len(parts) > 1 else file
    return f"{name} ({short})"


# ---------------------------------------------------------------------------------------------------------
# Report


def median_of(runs: list[dict[str, Any]], *path: str) -> float:
    values = []
    for run in runs:
        value: Any = run
        for key in path:
            value = value[key]
        values.append(value)
    return float(statistics.median(values))


def summarize(runs: list[dict[str, Any]], keys: list[tuple[str, ...]]) -> dict[str, float]:
    return {".".join(key): median_of(runs, *key) for key in keys}


TASKSTREAM_KEYS = [
    ("opened",),
    ("open_seconds",),
    ("errors",),
    ("messages_per_s",),
    ("offered_messages_per_s",),
    ("deliverable_messages_per_s",),
    ("delivered_of_deliverable",),
    ("coalesced_fraction",),
    ("progress_received_per_watcher_mean",),
    ("progress_latency", "p50_ms"),
    ("progress_latency", "p90_ms"),
    ("progress_latency", "p99_ms"),
    ("progress_latency", "max_ms"),
    ("progress_fanout_latency", "p50_ms"),
    ("progress_fanout_latency", "p99_ms"),
    ("progress_intake_latency", "p50_ms"),
    ("progress_intake_latency", "p99_ms"),
    ("status_latency", "p50_ms"),
    ("status_latency", "p99_ms"),
    ("terminal_spread_ms",),
    ("rss_before_kb",),
    ("rss_open_kb",),
    ("rss_peak_kb",),
    ("kb_per_watcher_open",),
    ("kb_per_watcher_peak",),
    ("cpu", "server_cpu_percent"),
    ("cpu", "server_children_cpu_percent"),
    ("cpu", "clients_cpu_percent"),
    ("cpu", "machine_busy_percent"),
    ("cpu", "other_processes_cpu_percent"),
]
RAW_KEYS = [
    ("opened",),
    ("open_seconds",),
    ("errors",),
    ("messages_per_s",),
    ("latency", "p50_ms"),
    ("latency", "p90_ms"),
    ("latency", "p99_ms"),
    ("kb_per_stream_open",),
    ("kb_per_stream_peak",),
    ("cpu", "server_cpu_percent"),
    ("cpu", "clients_cpu_percent"),
    ("cpu", "machine_busy_percent"),
    ("cpu", "other_processes_cpu_percent"),
]


def build_report(
    args: argparse.Namespace,
    size: int,
    ours: list[dict[str, Any]],
    rate: list[dict[str, Any]],
    flat: list[dict[str, Any]],
    profile: dict[str, Any] | None,
    machine_before: dict[str, Any],
    machine_after: dict[str, Any],
) -> dict[str, Any]:
    t = summarize(ours, TASKSTREAM_KEYS)
    r = summarize(rate, [*RAW_KEYS, ("skipped_fraction",)])
    f = summarize(flat, RAW_KEYS)
    all_delivered = all(
        run["errors"] == 0
        and run["opened"] == run["watchers"]
        and run["final_task_status"] == "TASK_STATUS_SUCCESS"
        for run in ours
    )
    errors = sum(run["errors"] for run in ours)
    p99 = t["progress_latency.p99_ms"]
    kb = max(t["kb_per_watcher_peak"], t["kb_per_watcher_open"])
    targets = {
        "progress_latency_p99_ms": {
            "issue": 21,
            "value": p99,
            "figure": p99,
            "unit": "ms",
            "target": "< 100 ms",
            "met": p99 < 100,
            "status_latency_p99_ms": t["status_latency.p99_ms"],
        },
        "every_watcher_every_status_change_and_terminal": {
            "issue": 21,
            "value": errors,
            "figure": errors,
            "unit": f"watchers with an error, over {len(ours)} runs",
            "target": "0 errors: every watcher gets every status change and the terminal snapshot",
            "met": all_delivered,
        },
        "server_kb_per_watcher": {
            "issue": 7,
            "value": kb,
            "figure": kb,
            "baseline": r["kb_per_stream_open"],
            "ratio": kb / r["kb_per_stream_open"] if r["kb_per_stream_open"] else None,
            "unit": "KB",
            "target": "< 30 KB (server RSS growth per watcher, the larger of open and streaming)",
            "met": kb < 30,
        },
        "messages_per_s_vs_raw_flat_out": {
            "issue": 7,
            "value": t["messages_per_s"] / f["messages_per_s"],
            "figure": t["messages_per_s"],
            "baseline": f["messages_per_s"],
            "ratio": t["messages_per_s"] / f["messages_per_s"],
            "unit": "messages/s",
            "target": ">= 0.5x the raw stream's messages/s flat out",
            "met": t["messages_per_s"] / f["messages_per_s"] >= 0.5,
            # The most this run could show: every message that reached the server delivered to everyone.
            "ceiling_ratio": t["deliverable_messages_per_s"] / f["messages_per_s"],
            "delivered_of_deliverable": t["delivered_of_deliverable"],
        },
    }
    return {
        "benchmark": "watchers_fanout",
        "config": {
            "watchers": args.watchers,
            "runs": args.runs,
            "rate_per_s": args.rate,
            "seconds": args.seconds,
            "client_processes": args.clients,
            "streams_per_channel": args.streams_per_channel,
            "message_bytes": size,
            "quick": args.quick,
        },
        "machine_before": machine_before,
        "machine_after": machine_after,
        "taskstream": t,
        "raw_grpc_same_rate": r,
        "raw_grpc_flat_out": f,
        "ratios": {
            "messages_per_s_vs_raw_flat_out": t["messages_per_s"] / f["messages_per_s"],
            "messages_per_s_vs_raw_same_rate": t["messages_per_s"] / r["messages_per_s"],
            "p99_latency_vs_raw_same_rate": t["progress_latency.p99_ms"] / r["latency.p99_ms"],
            "kb_per_watcher_vs_raw_stream_open": t["kb_per_watcher_open"] / r["kb_per_stream_open"]
            if r["kb_per_stream_open"]
            else None,
        },
        "targets": targets,
        "profile_server": profile,
        "runs": {"taskstream": ours, "raw_grpc_same_rate": rate, "raw_grpc_flat_out": flat},
    }


def print_table(report: dict[str, Any]) -> None:
    t, r, f = report["taskstream"], report["raw_grpc_same_rate"], report["raw_grpc_flat_out"]
    c = report["config"]
    print(
        f"\n{c['watchers']} watchers, {c['rate_per_s']:g} progress/s for {c['seconds']:g} s, "
        f"{c['client_processes']} client processes, medians of {c['runs']} runs\n"
    )
    rows = [
        ("", "taskstream", "raw same rate", "raw flat out"),
        ("streams open", t["opened"], r["opened"], f["opened"]),
        ("seconds to open all", t["open_seconds"], r["open_seconds"], f["open_seconds"]),
        ("errors", t["errors"], r["errors"], f["errors"]),
        ("delivered messages/s", t["messages_per_s"], r["messages_per_s"], f["messages_per_s"]),
        ("offered messages/s", t["offered_messages_per_s"], t["offered_messages_per_s"], "-"),
        ("  reaching the server/s", t["deliverable_messages_per_s"], "-", "-"),
        ("  delivered of those", t["delivered_of_deliverable"], "-", "-"),
        ("coalesced / skipped", t["coalesced_fraction"], r["skipped_fraction"], "-"),
        ("latency p50 ms", t["progress_latency.p50_ms"], r["latency.p50_ms"], f["latency.p50_ms"]),
        ("latency p90 ms", t["progress_latency.p90_ms"], r["latency.p90_ms"], f["latency.p90_ms"]),
        ("latency p99 ms", t["progress_latency.p99_ms"], r["latency.p99_ms"], f["latency.p99_ms"]),
        ("  of it fan-out p50 ms", t["progress_fanout_latency.p50_ms"], "-", "-"),
        ("  of it fan-out p99 ms", t["progress_fanout_latency.p99_ms"], "-", "-"),
        ("  of it intake p50 ms", t["progress_intake_latency.p50_ms"], "-", "-"),
        ("  of it intake p99 ms", t["progress_intake_latency.p99_ms"], "-", "-"),
        ("status latency p99 ms", t["status_latency.p99_ms"], "-", "-"),
        ("terminal spread ms", t["terminal_spread_ms"], "-", "-"),
        ("server KB/stream open", t["kb_per_watcher_open"], r["kb_per_stream_open"], f["kb_per_stream_open"]),
        ("server KB/stream peak", t["kb_per_watcher_peak"], r["kb_per_stream_peak"], f["kb_per_stream_peak"]),
        (
            "server CPU %",
            t["cpu.server_cpu_percent"],
            r["cpu.server_cpu_percent"],
            f["cpu.server_cpu_percent"],
        ),
        ("worker+task CPU %", t["cpu.server_children_cpu_percent"], "-", "-"),
        (
            "clients CPU %",
            t["cpu.clients_cpu_percent"],
            r["cpu.clients_cpu_percent"],
            f["cpu.clients_cpu_percent"],
        ),
        (
            "machine busy %",
            t["cpu.machine_busy_percent"],
            r["cpu.machine_busy_percent"],
            f["cpu.machine_busy_percent"],
        ),
        (
            "other processes CPU %",
            t["cpu.other_processes_cpu_percent"],
            r["cpu.other_processes_cpu_percent"],
            f["cpu.other_processes_cpu_percent"],
        ),
    ]
    for row in rows:
        print(f"{row[0]:24}" + "".join(f"{_cell(v):>16}" for v in row[1:]))
    print()
    for name, ratio in report["ratios"].items():
        print(f"{name:40} {_cell(ratio)}")
    print()
    print_machine(report["machine_after"])
    for name, target in report["targets"].items():
        mark = "met" if target["met"] else "NOT MET"
        print(f"{name:50} {_cell(target['value']):>22}  target {target['target']:10}  {mark}")
    profile = report.get("profile_server")
    if profile and profile.get("self_percent"):
        print("\nserver profile (py-spy, % of samples, self):")
        for frame, share in profile["self_percent"][:12]:
            print(f"  {share:5.1f}  {frame}")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=50.0, help="progress reports per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the task reports progress")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--streams-per-channel", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=300.0, help="bound of each phase, seconds")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 run, 100 watchers, 3 s")
    parser.add_argument("--profile", action="store_true", help="one extra taskstream run under py-spy")
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args()
    if args.quick:
        args.runs, args.watchers, args.seconds = 1, min(args.watchers, 100), min(args.seconds, 3.0)
    args.timeout = max(args.timeout, args.seconds + 60)
    before = machine("server, its worker and the client processes share these cpus with other work")
    size = progress_message_size("bench_progress")
    ours, rate, flat = [], [], []
    for run in range(args.runs):
        for name, runner, into in (
            ("taskstream", lambda: run_taskstream(args), ours),
            ("raw same rate", lambda: run_raw("rate", args, size), rate),
            ("raw flat out", lambda: run_raw("flat", args, size), flat),
        ):
            print(f"run {run + 1}/{args.runs}: {name} ...", flush=True)
            result = runner()
            into.append(result)
            print(
                f"  {result['messages_per_s']:,.0f} messages/s, {result['errors']} errors, "
                f"{result['opened']}/{result['watchers']} open",
                flush=True,
            )
    profile = None
    if args.profile:
        if py_spy() is None:
            profile = {"error": "py-spy is not installed (.venv/bin/pip install py-spy)"}
        else:
            print("profile run: taskstream under py-spy ...", flush=True)
            with tempfile.TemporaryDirectory() as tmp:
                raw = Path(tmp) / "server.txt"
                profiled = run_taskstream(args, profile_to=raw)
                profile = summarize_profile(raw) if raw.exists() else {"error": "py-spy wrote nothing"}
            profile["run"] = {k: profiled[k] for k in ("messages_per_s", "errors", "progress_latency")}
    after = machine("server, its worker and the client processes share these cpus with other work")
    report = build_report(args, size, ours, rate, flat, profile, before, after)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print_table(report)
    print(f"\nreport: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
