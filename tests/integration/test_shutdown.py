"""Graceful shutdown on SIGTERM, with a real process: new work is refused, running tasks finish within
--shutdown-grace, the rest are cancelled with reason SHUTDOWN, streams end with a cursor, exit 0."""

from __future__ import annotations

import signal
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import taskstream
from taskstream import CancellationReason, TaskStatus
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.integration.conftest import eventually
from tests.support.integrity import assert_store_sound
from tests.support.server import ServerProcess


@pytest.mark.timeout(300)  # a bounded run of real processes on a shared 2-core machine
def test_sigterm_drains_finishes_cancels_and_exits_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    finishing_gate, finishing_started = tmp_path / "gate-a", tmp_path / "started-a"
    stuck_started = tmp_path / "started-b"
    server = ServerProcess(data, "--shutdown-grace", "3", "--grace-period", "1", workers=2).start()
    assert server.process is not None
    with taskstream.connect(server.address, project="drain") as client:
        finishing = client.run_task("gate", {"path": str(finishing_gate), "started": str(finishing_started)})
        stuck = client.run_task("stubborn", {"marker": str(stuck_started)})
        eventually(finishing_started.exists, what="the finishing task to start")
        eventually(stuck_started.exists, what="the stuck task to start")
        queued = client.run_task("echo", {"queued": True})  # both slots are busy: it waits
        held = client.run_task("echo", {"held": True}, hold=True)

    with grpc.insecure_channel(server.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        watch = stub.WatchInstance(pb.WatchInstanceRequest(name=f"projects/drain/instances/{held.id}"))
        snapshot = next(watch)
        health = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())
        assert next(health).status == health_pb2.HealthCheckResponse.SERVING

        server.process.send_signal(signal.SIGTERM)
        assert next(health).status == health_pb2.HealthCheckResponse.NOT_SERVING  # draining has begun
        health.cancel()
        with pytest.raises(grpc.RpcError) as refused:
            stub.CreateInstance(
                pb.CreateInstanceRequest(parent="projects/drain", tasks=[task_pb2.TaskSpec(type="noop")])
            )
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]
        # Reads still work while draining.
        name = f"projects/drain/instances/{finishing.id}"
        assert stub.GetInstance(pb.GetInstanceRequest(name=name)).instance.id == finishing.id

        finishing_gate.write_text("open")  # within the grace: it finishes
        rest = list(watch)  # the held instance never ends: its stream ends because the server drains
        assert [r.WhichOneof("kind") for r in rest] == ["end"]
        assert rest[0].end.reason == pb.WATCH_END_REASON_SERVER_DRAINING
        assert rest[0].end.resume_after_seq == snapshot.snapshot.seq
    assert server.process.wait(timeout=60) == 0

    restarted = ServerProcess(data, workers=1).start()
    try:
        with taskstream.connect(restarted.address, project="drain") as client:
            done = client.get_instance(finishing.id).get_task()
            assert done.task_status == TaskStatus.SUCCESS and done.result == "opened"
            cancelled = client.get_instance(stuck.id).get_task()
            assert cancelled.task_status == TaskStatus.CANCELLED
            assert cancelled.task_cancellation_reason == CancellationReason.SHUTDOWN
            # The queued task was acknowledged, never started, and runs after the restart.
            again = client.get_instance(queued.id)
            again.wait_for_success(timeout=60)
            assert again.get_task_result() == {"queued": True}
            assert client.get_instance(held.id).status == taskstream.InstanceStatus.SUSPENDED
    finally:
        assert restarted.stop() == 0
    assert_store_sound(data)
