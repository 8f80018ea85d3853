"""Workflows on a server that requires bearer tokens: the workflow's task starts its sub-instances with
the token the server gave it, acting as the instance's owner in that project only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

import taskstream
from taskstream.v1 import instance_service_pb2 as ipb
from taskstream.v1 import instance_service_pb2_grpc
from taskstreamd.access.logview_tokens import load_secret
from taskstreamd.access.task_tokens import TaskTokens
from tests.support.server import ServerProcess

ALICE = "alice-secret-0123456789"
TOKENS = f"""
[[token]]
principal = "alice"
token = "{ALICE}"
read = ["algo_public"]
write = ["algo_public"]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = Path(tmp_path_factory.mktemp("xflow-auth"))
    tokens = root / "tokens.toml"
    tokens.write_text(TOKENS)
    # A waiting workflow holds a worker slot while its SQL sub-instances run on the others.
    process = ServerProcess(root / "data", "--auth-file", str(tokens), workers=3).start()
    yield process
    process.stop()


def test_a_workflow_starts_its_sub_instances_as_the_owner_of_its_instance(server: ServerProcess) -> None:
    with taskstream.connect(server.address, project="algo_public", token=ALICE) as o:
        instance = o.run_xflow(
            "AppendID", "algo_public", {"inputTableName": "pyodps_iris", "outputTableName": "iris_ids_auth"}
        )
        instance.wait_for_success(timeout=120)
        subs = o.get_xflow_sub_instances(instance)
        assert list(subs) == ["DescInputTable", "AppendID"]
        assert all(sub.owner == "alice" and sub.is_successful() for sub in subs.values())
        counted = o.execute_sql("select count(*) as n from iris_ids_auth")
        assert counted.get_task_result() == '"n"\n150\n'


def test_a_task_token_reaches_only_its_project_and_a_forged_one_nothing(server: ServerProcess) -> None:
    tokens = TaskTokens(load_secret(server.data_dir))
    genuine = tokens.mint("algo_public", "alice")
    forged = TaskTokens(b"not the server's secret").mint("algo_public", "alice")
    with grpc.insecure_channel(server.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)

        def list_in(project: str, token: str) -> grpc.StatusCode:
            try:
                request = ipb.ListInstancesRequest(parent=f"projects/{project}")
                stub.ListInstances(request, metadata=(("authorization", f"Bearer {token}"),))
            except grpc.RpcError as exc:
                return exc.code()  # type: ignore[no-any-return]
            return grpc.StatusCode.OK

        assert list_in("algo_public", genuine) == grpc.StatusCode.OK
        assert list_in("elsewhere", genuine) == grpc.StatusCode.PERMISSION_DENIED
        assert list_in("algo_public", forged) == grpc.StatusCode.UNAUTHENTICATED
