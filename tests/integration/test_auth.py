"""Bearer-token authentication and project scoping against a real server started with --auth-file."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import taskstream
from taskstream.errors import NotFoundError, PermissionDeniedError, UnauthenticatedError
from taskstream.v1 import instance_service_pb2, instance_service_pb2_grpc, worker_service_pb2
from taskstream.v1 import worker_service_pb2_grpc as wgrpc
from taskstreamd.access.auth import digest
from tests.support.server import REPO, ServerProcess

ALICE = "alice-token-0123456789"  # reads and writes alpha
BOB = "bob-token-0123456789abc"  # reads alpha, writes beta
ADMIN = "admin-token-0123456789"  # everything, and may submit code
WORKER = "worker-token-0123456789"  # may only connect as a worker

TOKENS = f"""
[[token]]
principal = "alice"
token = "{ALICE}"
read = ["alpha"]
write = ["alpha"]

[[token]]
principal = "bob"
sha256 = "{digest(BOB)}"
read = ["alpha"]
write = ["beta"]

[[token]]
principal = "admin"
token = "{ADMIN}"
read = ["*"]
write = ["*"]
submit_code = true

[[token]]
principal = "remote-worker"
token = "{WORKER}"
worker = true
"""


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("auth")
    tokens = data / "tokens.toml"
    tokens.write_text(TOKENS)
    process = ServerProcess(data, "--auth-file", str(tokens), "--allow-code", workers=1).start()
    yield process
    process.stop()


def connect(server: ServerProcess, project: str, token: str | None) -> taskstream.Client:
    # token="" sends none, whatever TASKSTREAM_TOKEN holds.
    return taskstream.connect(server.address, project=project, token=token or "")


class Adds:
    def execute(self) -> None:
        self.result = 1 + 1


def test_calls_without_a_valid_token_are_unauthenticated(secured: ServerProcess) -> None:
    for token in (None, "not-a-token-at-all-xx"):
        with connect(secured, "alpha", token) as client:
            with pytest.raises(UnauthenticatedError) as missing:
                client.run_task("echo", {"x": 1})
            assert missing.value.reason in ("TOKEN_MISSING", "TOKEN_INVALID")
            with pytest.raises(UnauthenticatedError):
                list(client.list_instances())
    # A scheme other than Bearer is refused as malformed.
    with grpc.insecure_channel(secured.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        with pytest.raises(grpc.RpcError) as basic:
            stub.ListInstances(
                instance_service_pb2.ListInstancesRequest(parent="projects/alpha"),
                metadata=(("authorization", f"Basic {ALICE}"),),
            )
        assert basic.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_health_stays_open(secured: ServerProcess) -> None:
    with grpc.insecure_channel(secured.address) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_owner_is_the_principal_and_local_workers_run_tasks(secured: ServerProcess) -> None:
    with connect(secured, "alpha", ALICE) as alice:
        instance = alice.run_task("echo", {"text": "hi"})
        instance.wait_for_success(timeout=60)  # the local worker connected with the minted token
        assert instance.owner == "alice"
        assert instance.get_task_result() == {"text": "hi"}


def test_projects_scope_every_call(secured: ServerProcess) -> None:
    with connect(secured, "beta", ADMIN) as admin:
        in_beta = admin.run_task("noop", {}, hold=True)
    with connect(secured, "alpha", ALICE) as alice, connect(secured, "alpha", BOB) as bob:
        in_alpha = alice.run_task("noop", {}, hold=True)
        beta_ref = f"projects/beta/instances/{in_beta.id}"
        for call in (
            lambda: alice.get_instance(beta_ref).reload(),
            lambda: alice.get_instance(beta_ref).wait_for_completion(timeout=1),
            lambda: next(iter(alice.get_instance(beta_ref).watch())),
            lambda: alice.get_logview_address(beta_ref),
        ):
            with pytest.raises(PermissionDeniedError) as denied:
                call()
            assert denied.value.reason == "PROJECT_READ_DENIED"
        with pytest.raises(PermissionDeniedError) as stop:
            alice.stop_instance(beta_ref)
        assert stop.value.reason == "PROJECT_WRITE_DENIED"
        # Bob reads alpha but may not change it, nor create in it.
        assert bob.get_instance(in_alpha.id).owner == "alice"
        with pytest.raises(PermissionDeniedError) as bob_stop:
            bob.stop_instance(in_alpha.id)
        assert bob_stop.value.reason == "PROJECT_WRITE_DENIED"
        with pytest.raises(PermissionDeniedError):
            bob.run_task("noop", {})
        # A list of alpha never shows other projects' instances, and beta is not listable for alice.
        listed = [i.id for i in alice.list_instances()]
        assert in_alpha.id in listed and in_beta.id not in listed
        with connect(secured, "beta", ALICE) as alice_in_beta:
            with pytest.raises(PermissionDeniedError):
                list(alice_in_beta.list_instances())
            with pytest.raises(PermissionDeniedError):
                alice_in_beta.run_task("noop", {})
        alice.stop_instance(in_alpha.id)
    with connect(secured, "beta", ADMIN) as admin:
        admin.stop_instance(in_beta.id)
        assert admin.get_instance(in_beta.id).is_terminated()


def test_sub_instance_lists_result_rows_and_project_watches_need_read_access_too(
    secured: ServerProcess,
) -> None:
    with connect(secured, "beta", ADMIN) as admin:
        in_beta = admin.run_task("noop", {}, hold=True)
    name = f"projects/beta/instances/{in_beta.id}"
    metadata = (("authorization", f"Bearer {ALICE}"),)
    with grpc.insecure_channel(secured.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        for call in (
            lambda: stub.ListSubInstances(
                instance_service_pb2.ListSubInstancesRequest(parent=name), metadata=metadata
            ),
            lambda: stub.ListTaskResultRows(
                instance_service_pb2.ListTaskResultRowsRequest(instance=name), metadata=metadata
            ),
            lambda: next(
                stub.WatchInstances(
                    instance_service_pb2.WatchInstancesRequest(parent="projects/beta"), metadata=metadata
                )
            ),
        ):
            with pytest.raises(grpc.RpcError) as denied:
                call()
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
    with connect(secured, "beta", ADMIN) as admin:
        admin.stop_instance(in_beta.id)


def test_submitting_code_is_a_separate_permission(secured: ServerProcess) -> None:
    with connect(secured, "alpha", ALICE) as alice:
        job = alice.create_job()
        job.add_task(Adds())
        with pytest.raises(PermissionDeniedError) as denied:
            job.submit()
        assert denied.value.reason == "CODE_SUBMISSION_DENIED"
    with connect(secured, "alpha", ADMIN) as admin:
        job = admin.create_job()
        job.add_task(Adds())
        job.submit()
        assert job.wait_until_done(timeout=60)
        assert job.tasks[0].result == 2


def test_only_worker_principals_connect_as_workers(secured: ServerProcess) -> None:
    register = worker_service_pb2.ConnectRequest(
        register=worker_service_pb2.RegisterWorker(worker_name="test", slots=1)
    )
    with grpc.insecure_channel(secured.address) as channel:
        stub = wgrpc.WorkerServiceStub(channel)
        for token, expected in (
            (None, grpc.StatusCode.UNAUTHENTICATED),
            (ADMIN, grpc.StatusCode.PERMISSION_DENIED),
        ):
            metadata = (("authorization", f"Bearer {token}"),) if token else ()
            call = stub.Connect(iter([register]), metadata=metadata, timeout=10)
            with pytest.raises(grpc.RpcError) as refused:
                next(call)
            assert refused.value.code() == expected
        # A worker token registers; the session ends when the request stream does.
        call = stub.Connect(iter([register]), metadata=(("authorization", f"Bearer {WORKER}"),), timeout=10)
        first = next(call)
        assert first.WhichOneof("message") == "registered"
        call.cancel()


def test_unknown_instances_are_not_found_for_permitted_readers(secured: ServerProcess) -> None:
    with connect(secured, "alpha", ALICE) as alice:
        assert not alice.exist_instance("20261121103000123abcdefgh")
        with pytest.raises(NotFoundError):
            alice.get_instance("20261121103000123abcdefgh").reload()


def test_the_server_refuses_plaintext_auth_on_a_network_address(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(TOKENS)
    command = [sys.executable, "-m", "taskstreamd", "serve", "--listen", "0.0.0.0:0", "--http", "127.0.0.1:0"]
    command += ["--data-dir", str(tmp_path / "data"), "--workers", "0", "--auth-file", str(tokens)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "--allow-insecure-auth" in done.stderr
    assert not (tmp_path / "data").exists()  # refused before creating anything


def test_a_malformed_tokens_file_stops_the_server(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text('[[token]]\nprincipal = "x"\ntoken = "short"\n')
    command = [
        sys.executable,
        "-m",
        "taskstreamd",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--http",
        "127.0.0.1:0",
    ]
    command += ["--data-dir", str(tmp_path / "data"), "--workers", "0", "--auth-file", str(tokens)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "at least 16 characters" in done.stderr
