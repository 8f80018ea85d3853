"""Faults with real processes: a killed server, a flood of output, tasks that leave processes behind,
and clients that vanish mid-stream. Nothing acknowledged is lost, nothing stays RUNNING, and the store
passes ``taskstreamd check`` afterwards."""

from __future__ import annotations

import signal
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

import taskstream
from taskstream import TaskStatus
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc
from tests.integration.conftest import eventually
from tests.support.integrity import assert_store_sound
from tests.support.proxy import CHANNEL_OPTIONS, CuttableProxy
from tests.support.scrape import scrape, value
from tests.support.server import ServerProcess

WATCH = "/taskstream.v1.InstanceService/WatchInstance"


def test_a_server_killed_mid_run_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data, gate, started = tmp_path / "data", tmp_path / "gate", tmp_path / "started"
    server = ServerProcess(data, workers=1).start()
    with taskstream.connect(server.address, project="faults") as client:
        running = client.run_task("gate", {"path": str(gate), "started": str(started)})
        acknowledged = [client.run_task("echo", {"n": n}).id for n in range(10)]
        held = client.run_task("echo", {"held": True}, hold=True).id
        eventually(started.exists, what="the gated task to start")
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=30)
    assert_store_sound(data)  # what a SIGKILL leaves is consistent before any recovery

    gate.write_text("open")
    restarted = ServerProcess(data, workers=1).start()
    try:
        with taskstream.connect(restarted.address, project="faults") as client:
            assert client.get_instance(running.id).wait_for_success(timeout=60) is None
            for n, instance_id in enumerate(acknowledged):
                instance = client.get_instance(instance_id)
                instance.wait_for_success(timeout=60)
                assert instance.get_task_result() == {"n": n}
            assert client.get_instance(held).status == taskstream.InstanceStatus.SUSPENDED
            client.get_instance(held).stop()
            client.get_instance(held).wait_for_completion(timeout=60)
            assert not list(client.list_instances(status=taskstream.InstanceStatus.RUNNING))
    finally:
        assert restarted.stop() == 0
    report = assert_store_sound(data)
    assert report["counts"]["tasks holding a worker"] == 0


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_output_past_the_cap_keeps_head_and_tail_and_marks_the_cut(tmp_path: Path) -> None:
    cap = 64 * 1024
    server = ServerProcess(tmp_path / "data", "--max-output-bytes", str(cap), workers=1).start()
    try:
        assert server.process is not None
        with taskstream.connect(server.address, project="faults") as client:
            client.execute_task("noop")  # the server has served a task before the baseline is taken
            before = _rss_bytes(server.process.pid)
            instance = client.execute_task("flood", {"mib": 96})
            after = _rss_bytes(server.process.pid)
            task = instance.get_task()
            chunks = list(task.read_output("stdout"))
            assert task.standard_output.startswith("FIRST-LINE")
        written = 96 * 1024 * 1024 + len(b"FIRST-LINE\n") + len(b"LAST-LINE\n")
        kept = b"".join(c.data for c in chunks)
        assert len(kept) == cap
        assert kept.startswith(b"FIRST-LINE\n") and kept.endswith(b"LAST-LINE\n")
        cuts = [c for c in chunks if c.cut_bytes]
        assert len(cuts) == 1 and cuts[0].cut_bytes == written - cap
        assert cuts[0].offset == written - cap // 2  # the tail sits at its real offset
        # The server saw only the kept bytes: 96 MiB went through the worker's file, not its memory.
        assert after - before < 48 * 1024 * 1024, (before, after)
    finally:
        assert server.stop() == 0
    assert_store_sound(tmp_path / "data")


def _alive(pid: int) -> bool:
    """Running (a zombie has ended but was not reaped: that counts as alive here)."""
    try:
        Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return True


def test_processes_a_task_leaves_behind_are_ended_and_reaped(tmp_path: Path) -> None:
    pids_file = tmp_path / "pids"
    server = ServerProcess(tmp_path / "data", workers=1).start()
    try:
        with taskstream.connect(server.address, project="faults") as client:
            instance = client.execute_task("forker", {"pids": str(pids_file)})
            task = instance.get_task()
            assert task.result == "returned" and task.task_status == TaskStatus.SUCCESS
            assert "left children behind" in task.standard_output
            child, daemon = (int(p) for p in pids_file.read_text().split())
            eventually(lambda: not _alive(child) and not _alive(daemon), what="the leftovers to be gone")
            # The task process is reused and still works.
            assert client.execute_task("echo", {"after": 1}).get_task_result() == {"after": 1}
    finally:
        assert server.stop() == 0
    assert_store_sound(tmp_path / "data")


def test_clients_that_vanish_mid_stream_are_let_go(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    server = ServerProcess(tmp_path / "data", workers=1).start()
    proxy = CuttableProxy(server.address)
    try:
        with taskstream.connect(server.address, project="faults") as client:
            instance = client.run_task("gate", {"path": str(gate)})
        name = f"projects/faults/instances/{instance.id}"
        calls = []
        channel = grpc.insecure_channel(proxy.address, options=CHANNEL_OPTIONS)
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        for _ in range(5):
            watch = stub.WatchInstance(pb.WatchInstanceRequest(name=name, include_output=True))
            next(watch)  # the snapshot: the stream is open on the server
            output = stub.ReadTaskOutput(pb.ReadTaskOutputRequest(instance=name, follow=True))
            calls += [watch, output]
        samples = scrape(server.http_address)
        assert value(samples, "taskstream_open_streams", method=WATCH) == 5
        proxy.cut()  # every connection reset: the server must notice and drop the streams

        def all_let_go() -> bool:
            s = scrape(server.http_address)
            return (
                value(s, "taskstream_watchers") == 0
                and sum(
                    v for (n, _), v in s.items() if n == "taskstream_open_streams" and "Worker" not in str(_)
                )
                == 0
            )

        eventually(all_let_go, what="the server to drop the cut streams")
        channel.close()
        with grpc.insecure_channel(server.address) as direct:
            health = health_pb2_grpc.HealthStub(direct).Check(health_pb2.HealthCheckRequest(), timeout=10)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
        gate.write_text("open")
        with taskstream.connect(server.address, project="faults") as client:
            client.get_instance(instance.id).wait_for_success(timeout=60)
    finally:
        proxy.close()
        assert server.stop() == 0
    assert_store_sound(tmp_path / "data")
