"""What crosses projects and must not (issue 20): sub-instances under another project's instance, data
sources limited to projects, and worker tokens limited to projects; against a real server with tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

import taskstream
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.support.server import ServerProcess
from tests.support.workers import WorkerProcess

ALICE = "alice-token-0123456789"  # writes alpha
ADMIN = "admin-token-0123456789"  # everything

TOKENS = f"""
[[token]]
principal = "alice"
token = "{ALICE}"
write = ["alpha"]

[[token]]
principal = "admin"
token = "{ADMIN}"
read = ["*"]
write = ["*"]
"""


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("scopes")
    tokens = data / "tokens.toml"
    tokens.write_text(TOKENS)
    process = ServerProcess(data, "--auth-file", str(tokens), workers=1).start()
    yield process
    process.stop()


def _create_error(server: ServerProcess, token: str, request: pb.CreateInstanceRequest) -> grpc.RpcError:
    """The error CreateInstance answers ``request`` with (the test fails when it succeeds)."""
    with grpc.insecure_channel(server.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.CreateInstance(request, metadata=(("authorization", f"Bearer {token}"),), timeout=30)
    return caught.value


def test_a_parent_instance_must_be_in_the_callers_project(secured: ServerProcess) -> None:
    with taskstream.connect(secured.address, project="beta", token=ADMIN) as admin:
        in_beta = admin.run_task("noop", {}, hold=True)
    try:
        answers = []
        for parent in (
            f"projects/beta/instances/{in_beta.id}",
            "projects/beta/instances/20261121103000123abcdefgh",
        ):
            request = pb.CreateInstanceRequest(
                parent="projects/alpha",
                tasks=[task_pb2.TaskSpec(type="noop")],
                parent_instance=parent,
                sub_instance_name="Injected",
            )
            error = _create_error(secured, ALICE, request)
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED
            answers.append(str(error.details()).replace(parent, "PARENT"))
        # An existing and an unknown instance of beta get the same answer: no id is confirmed.
        assert answers[0] == answers[1]
        # Nothing appeared under beta's instance.
        with taskstream.connect(secured.address, project="beta", token=ADMIN) as admin:
            assert list(admin.get_xflow_sub_instances(in_beta)) == []
    finally:
        with taskstream.connect(secured.address, project="beta", token=ADMIN) as admin:
            admin.stop_instance(in_beta.id)


WORKER_ALPHA = "worker-alpha-0123456789"
WORKER_BETA = "worker-beta-01234567890"

WORKER_TOKENS = f"""
[[token]]
principal = "admin"
token = "{ADMIN}"
read = ["*"]
write = ["*"]

[[token]]
principal = "alpha-worker"
token = "{WORKER_ALPHA}"
worker = ["alpha"]

[[token]]
principal = "beta-worker"
token = "{WORKER_BETA}"
worker = ["beta"]
"""


def test_a_worker_token_limited_to_projects_gets_only_their_tasks(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(WORKER_TOKENS)
    server = ServerProcess(tmp_path / "data", "--auth-file", str(tokens), workers=0).start()
    workers: list[WorkerProcess] = []
    try:
        for name, token in (("A", WORKER_ALPHA), ("B", WORKER_BETA)):
            token_file = tmp_path / f"{name}.token"
            token_file.write_text(token)
            workers.append(
                WorkerProcess(server.address, name, "--token-file", str(token_file), "--slots", "2").start()
            )
        for worker in workers:
            worker.registered()
        with (
            taskstream.connect(server.address, project="gamma", token=ADMIN) as gamma,
            taskstream.connect(server.address, project="alpha", token=ADMIN) as alpha,
            taskstream.connect(server.address, project="beta", token=ADMIN) as beta,
        ):
            unserved = gamma.run_task("where", {"key": "gamma"})  # first in the queue; no worker may run it
            runs = [
                (client, client.run_task("where", {"key": str(i)}))
                for i in range(4)
                for client in (alpha, beta)
            ]
            for client, instance in runs:
                instance.wait_for_success(timeout=60)
                expected = "A" if client is alpha else "B"
                assert instance.get_task_result()["worker"] == expected
            assert unserved.get_task().status == taskstream.TaskStatus.WAITING
            gamma.stop_instance(unserved.id)
    finally:
        for worker in workers:
            worker.stop()
        server.stop()
