"""TLS and mutual TLS on a real server, with a certificate authority made for the test."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import taskstream
import taskstream.aio
from taskstream.errors import UnauthenticatedError, UnavailableError
from tests.support.certs import Authority, Pair
from tests.support.server import REPO, ServerProcess

TOKEN = "tls-test-token-0123456789"
TOKENS = f"""
[[token]]
principal = "carol"
token = "{TOKEN}"
read = ["*"]
write = ["*"]
"""


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Authority, Pair, Pair, Pair]:
    directory = tmp_path_factory.mktemp("pki")
    ca = Authority(directory, "test-ca")
    rogue = Authority(directory, "rogue-ca")
    return (
        ca,
        ca.issue("server", server=True),
        ca.issue("client", server=False),
        rogue.issue("intruder", server=False),
    )


@pytest.fixture(scope="module")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory, pki: tuple[Authority, Pair, Pair, Pair]
) -> Iterator[ServerProcess]:
    _, server_pair, _, _ = pki
    data = tmp_path_factory.mktemp("tls")
    (data / "tokens.toml").write_text(TOKENS)
    args = ["--tls-cert", str(server_pair.cert), "--tls-key", str(server_pair.key)]
    process = ServerProcess(data, *args, "--auth-file", str(data / "tokens.toml"), workers=1).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def mtls_server(
    tmp_path_factory: pytest.TempPathFactory, pki: tuple[Authority, Pair, Pair, Pair]
) -> Iterator[ServerProcess]:
    ca, server_pair, _, _ = pki
    data = tmp_path_factory.mktemp("mtls")
    args = [
        "--tls-cert",
        str(server_pair.cert),
        "--tls-key",
        str(server_pair.key),
        "--tls-client-ca",
        str(ca.cert),
    ]
    process = ServerProcess(data, *args, workers=1).start()
    yield process
    process.stop()


def test_tls_with_a_token_runs_tasks_on_local_workers(
    tls_server: ServerProcess, pki: tuple[Authority, Pair, Pair, Pair]
) -> None:
    ca = pki[0]
    with taskstream.connect(
        tls_server.address, project="p", token=TOKEN, root_certificates=ca.cert
    ) as client:
        instance = client.run_task("echo", {"over": "tls"})
        instance.wait_for_success(timeout=60)  # the local worker reached the server over its Unix socket
        assert instance.get_task_result() == {"over": "tls"}
        assert instance.owner == "carol"
        url = instance.get_logview_address()
    # The web port serves the same certificate.
    assert url.startswith("https://")
    context = ssl.create_default_context(cafile=str(ca.cert))
    with urllib.request.urlopen(url, context=context, timeout=30) as page:
        assert page.status == 200
    with (
        taskstream.connect(tls_server.address, project="p", token="", root_certificates=ca.cert) as anonymous,
        pytest.raises(UnauthenticatedError),
    ):
        anonymous.list_instances().__next__()


def test_a_plaintext_client_cannot_talk_to_a_tls_server(tls_server: ServerProcess) -> None:
    with (
        taskstream.connect(tls_server.address, project="p", token=TOKEN) as plain,
        pytest.raises(UnavailableError),
    ):
        plain.exist_instance("20261121103000123abcdefgh")


def test_the_asyncio_client_speaks_tls(
    tls_server: ServerProcess, pki: tuple[Authority, Pair, Pair, Pair]
) -> None:
    async def run() -> object:
        async with taskstream.aio.connect(
            tls_server.address, project="p", token=TOKEN, root_certificates=pki[0].cert.read_bytes()
        ) as client:
            instance = await client.run_task("echo", {"aio": 1})
            await instance.wait_for_success(timeout=60)
            return await instance.get_task_result()

    assert asyncio.run(run()) == {"aio": 1}


def test_mutual_tls_requires_a_certificate_from_the_client_ca(
    mtls_server: ServerProcess, pki: tuple[Authority, Pair, Pair, Pair]
) -> None:
    ca, _, client_pair, intruder = pki
    with taskstream.connect(
        mtls_server.address,
        project="p",
        root_certificates=ca.cert,
        client_certificate=client_pair.cert,
        client_key=client_pair.key,
    ) as client:
        instance = client.run_task("echo", {"m": "tls"})
        instance.wait_for_success(timeout=60)
    for pair in (None, intruder):
        with (
            taskstream.connect(
                mtls_server.address,
                project="p",
                root_certificates=ca.cert,
                client_certificate=pair.cert if pair else None,
                client_key=pair.key if pair else None,
            ) as refused,
            pytest.raises(UnavailableError),
        ):
            refused.exist_instance("20261121103000123abcdefgh")


def test_the_cli_takes_tls_options_and_the_token_from_the_environment(
    tls_server: ServerProcess, pki: tuple[Authority, Pair, Pair, Pair]
) -> None:
    command = [sys.executable, "-m", "taskstream.cli", "--server", tls_server.address, "--project", "cli"]
    command += ["--tls-ca", str(pki[0].cert), "run", "echo", "--param", "a=1", "--wait"]
    env = dict(os.environ, TASKSTREAM_TOKEN=TOKEN)
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Terminated, successful" in done.stdout
    env.pop("TASKSTREAM_TOKEN")
    denied = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert denied.returncode != 0
    assert "token" in denied.stderr.lower()


def test_tls_options_must_fit_together(tmp_path: Path, pki: tuple[Authority, Pair, Pair, Pair]) -> None:
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
    command += ["--data-dir", str(tmp_path), "--workers", "0", "--tls-cert", str(pki[1].cert)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "--tls-cert and --tls-key go together" in done.stderr
