"""grpc.health.v1 on a real server: Check, List and Watch for the server and each of its services, all
going NOT_SERVING when it drains."""

from __future__ import annotations

import signal
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import taskstream
from tests.integration.conftest import eventually
from tests.support.server import ServerProcess

SERVICES = [
    "",
    "taskstream.v1.InstanceService",
    "taskstream.v1.ScheduleService",
    "taskstream.v1.WorkerService",
]
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def listed(stub: health_pb2_grpc.HealthStub) -> dict[str, int]:
    reply = stub.List(health_pb2.HealthListRequest(), timeout=30)
    return {name: response.status for name, response in reply.statuses.items()}


def test_check_and_list_name_every_service(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        assert listed(stub) == dict.fromkeys(SERVICES, SERVING)
        for name in SERVICES:
            assert stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=30).status == SERVING
        with pytest.raises(grpc.RpcError) as unknown:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=30)
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
        watch = stub.Watch(health_pb2.HealthCheckRequest(service="no.such.Service"))
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
        watch.cancel()


@pytest.mark.timeout(300)  # real processes on a shared machine
def test_every_service_goes_not_serving_when_the_server_drains(tmp_path: Path) -> None:
    gate, started = tmp_path / "gate", tmp_path / "started"
    # A running task keeps the server draining (up to the long grace) until the test opens the gate.
    server = ServerProcess(tmp_path / "data", "--shutdown-grace", "120", workers=1).start()
    assert server.process is not None
    with taskstream.connect(server.address, project="health") as client:
        client.run_task("gate", {"path": str(gate), "started": str(started)})
        eventually(started.exists, what="the gated task to start")
    with grpc.insecure_channel(server.address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        watches = [stub.Watch(health_pb2.HealthCheckRequest(service=name)) for name in SERVICES]
        assert [next(w).status for w in watches] == [SERVING] * len(SERVICES)
        server.process.send_signal(signal.SIGTERM)
        assert [next(w).status for w in watches] == [NOT_SERVING] * len(SERVICES)
        assert listed(stub) == dict.fromkeys(SERVICES, NOT_SERVING)
        assert stub.Check(health_pb2.HealthCheckRequest(), timeout=30).status == NOT_SERVING
        for watch in watches:
            watch.cancel()
        gate.write_text("open")
    assert server.process.wait(timeout=120) == 0
