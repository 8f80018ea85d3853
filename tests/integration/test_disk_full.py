"""A store that cannot write (a full disk, played by a file-size limit on the server process): writes are
refused with RESOURCE_EXHAUSTED, health says NOT_SERVING, nothing acknowledged is lost, and once space
frees the server takes writes again by itself. A server that cannot open its store says so in one line."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import taskstream
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc as pb_grpc
from taskstream.v1 import task_pb2
from tests.support.server import REPO, ServerProcess

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def store_size(data: Path) -> int:
    return max(
        (data / name).stat().st_size
        for name in ("taskstream.db", "taskstream.db-wal")
        if (data / name).exists()
    )


def health_changes(address: str) -> object:
    channel = grpc.insecure_channel(address)
    stub = health_pb2_grpc.HealthStub(channel)
    return channel, stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=120)


def test_a_full_disk_refuses_writes_reports_not_serving_and_recovers_by_itself(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, workers=1).start()
    assert server.process is not None
    try:
        with taskstream.connect(server.address, project="disk") as o:
            kept = [o.execute_task("echo", {"n": i}, timeout=60).id for i in range(3)]
            channel, watch = health_changes(server.address)
            assert next(watch).status == SERVING
            # From now on no file of the server may grow past this: the next commits fail with EFBIG.
            limit = store_size(data) + 64 * 1024
            resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
            stub = pb_grpc.InstanceServiceStub(channel)
            bulky = task_pb2.TaskSpec(type="echo", parameters_json='{"text": "%s"}' % ("x" * 16_384))
            request = pb.CreateInstanceRequest(parent="projects/disk", tasks=[bulky], hold=True)
            refused: grpc.RpcError | None = None
            for _ in range(200):  # bounded: each create adds 16 KiB until one cannot be committed
                try:
                    kept.append(stub.CreateInstance(request, timeout=2).instance.id)
                except grpc.RpcError as error:
                    if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                        continue  # its commit is being retried: not acknowledged, so not kept
                    refused = error
                    break
            assert refused is not None, "the store never filled up"
            assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, refused
            assert "cannot write to its store" in (refused.details() or "")
            assert next(watch).status == NOT_SERVING
            # Space frees (the limit goes): the server retries its commit and serves again by itself.
            resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
            assert next(watch).status == SERVING
            channel.close()
            after = o.execute_task("echo", {"n": "after"}, timeout=60)
            assert after.get_task_result() == {"n": "after"}
            for instance_id in kept:  # every acknowledged create is there
                o.get_instance(instance_id).reload()
    finally:
        server.stop()


def test_a_server_that_cannot_write_its_store_at_start_says_so_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))

    def small_files() -> None:  # a disk with 16 KiB left: the store's migrations cannot be written
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    command = [
        sys.executable,
        "-m",
        "taskstreamd",
        "--log-level",
        "WARNING",
        "serve",
        "--data-dir",
        str(data),
    ]
    command += ["--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--workers", "0"]
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, preexec_fn=small_files
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskstreamd: cannot open the store: "), lines
    assert "disk" in lines[0] or "full" in lines[0], lines  # SQLite's words for it: disk I/O error, full


@pytest.fixture(autouse=True)
def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
