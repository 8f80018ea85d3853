"""A remote worker reaches a server that requires mutual TLS, sending its bearer token."""

from __future__ import annotations

from pathlib import Path

import grpc

from taskstream.v1 import instance_service_pb2 as ipb
from taskstream.v1 import instance_service_pb2_grpc, task_pb2
from tests.support.certs import make_pki
from tests.support.server import ServerProcess
from tests.support.workers import WorkerProcess


def test_a_worker_with_a_client_certificate_and_a_token_runs_tasks_over_mutual_tls(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    token = tmp_path / "token"
    token.write_text("worker-secret\n")
    tls = ["--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)]
    server = ServerProcess(tmp_path / "data", *tls, "--tls-client-ca", str(pki.ca), workers=0).start()
    workers: list[WorkerProcess] = []
    try:
        # Without a client certificate the server turns the worker away.
        anonymous = WorkerProcess(
            server.address, "anonymous", "--tls-ca", str(pki.ca), "--exit-on-disconnect"
        )
        workers.append(anonymous.start())
        assert anonymous.process is not None and anonymous.process.wait(timeout=60) == 1
        anonymous.wait_for_log("worker session ended")
        assert not any("registered with" in line for line in anonymous.log)

        client_tls = [
            "--tls-ca",
            str(pki.ca),
            "--tls-cert",
            str(pki.client_cert),
            "--tls-key",
            str(pki.client_key),
        ]
        secure = WorkerProcess(server.address, "secure", *client_tls, "--token-file", str(token))
        workers.append(secure.start().registered())

        credentials = grpc.ssl_channel_credentials(
            root_certificates=pki.ca.read_bytes(),
            private_key=pki.client_key.read_bytes(),
            certificate_chain=pki.client_cert.read_bytes(),
        )
        runs = tmp_path / "runs"
        with grpc.secure_channel(server.address, credentials) as channel:
            stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
            spec = task_pb2.TaskSpec(type="where", parameters_json=f'{{"runs": "{runs}", "key": "tls"}}')
            created = stub.CreateInstance(ipb.CreateInstanceRequest(parent="projects/tls", tasks=[spec]))
            request = ipb.WaitInstanceRequest(name=created.instance.name)
            request.timeout.FromSeconds(60)
            done = stub.WaitInstance(request, timeout=90)
        assert done.terminated and done.instance.successful
        assert runs.read_text() == "tls secure\n"
    finally:
        for worker in workers:
            worker.stop()
        server.stop()
