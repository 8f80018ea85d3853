"""A remote worker reaches a server that requires mutual TLS and bearer tokens: it needs both a client
certificate and a token with the worker permission."""

from __future__ import annotations

from pathlib import Path

import grpc

from taskstream.v1 import instance_service_pb2 as ipb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.support.certs import Authority
from tests.support.server import ServerProcess
from tests.support.workers import WorkerProcess

TOKENS = """
[[token]]
principal = "caller"
token = "caller-secret-0123456789"
read = ["tls"]
write = ["tls"]

[[token]]
principal = "remote-worker"
token = "worker-secret-0123456789"
worker = true
"""


def test_a_worker_with_a_client_certificate_and_a_token_runs_tasks_over_mutual_tls(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    pki.mkdir()
    ca = Authority(pki, "ca")
    server_pair, client_pair = ca.issue("server", server=True), ca.issue("worker", server=False)
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(TOKENS)
    token = tmp_path / "token"
    token.write_text("worker-secret-0123456789\n")
    server = ServerProcess(
        tmp_path / "data",
        "--tls-cert",
        str(server_pair.cert),
        "--tls-key",
        str(server_pair.key),
        "--tls-client-ca",
        str(ca.cert),
        "--auth-file",
        str(tokens),
        workers=0,
    ).start()
    client_tls = [
        "--tls-ca",
        str(ca.cert),
        "--tls-cert",
        str(client_pair.cert),
        "--tls-key",
        str(client_pair.key),
    ]
    workers: list[WorkerProcess] = []
    try:
        # Without a client certificate the server turns the worker away at the handshake.
        anonymous = WorkerProcess(
            server.address, "anonymous", "--tls-ca", str(ca.cert), "--exit-on-disconnect"
        )
        workers.append(anonymous.start())
        assert anonymous.process is not None and anonymous.process.wait(timeout=60) == 1
        assert not any("registered with" in line for line in anonymous.log)

        # With a certificate but no token, the server refuses the session.
        tokenless = WorkerProcess(server.address, "tokenless", *client_tls, "--exit-on-disconnect")
        workers.append(tokenless.start())
        assert tokenless.process is not None and tokenless.process.wait(timeout=60) == 1
        assert not any("registered with" in line for line in tokenless.log)

        secure = WorkerProcess(server.address, "secure", *client_tls, "--token-file", str(token))
        workers.append(secure.start().registered())

        credentials = grpc.ssl_channel_credentials(
            root_certificates=ca.cert.read_bytes(),
            private_key=client_pair.key.read_bytes(),
            certificate_chain=client_pair.cert.read_bytes(),
        )
        runs = tmp_path / "runs"
        metadata = (("authorization", "Bearer caller-secret-0123456789"),)
        with grpc.secure_channel(server.address, credentials) as channel:
            stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
            spec = task_pb2.TaskSpec(type="where", parameters_json=f'{{"runs": "{runs}", "key": "tls"}}')
            request = ipb.CreateInstanceRequest(parent="projects/tls", tasks=[spec])
            created = stub.CreateInstance(request, metadata=metadata)
            wait = ipb.WaitInstanceRequest(name=created.instance.name)
            wait.timeout.FromSeconds(60)
            done = stub.WaitInstance(wait, timeout=90, metadata=metadata)
        assert done.terminated and done.instance.successful
        assert runs.read_text() == "tls secure\n"
    finally:
        for worker in workers:
            worker.stop()
        server.stop()
