"""The console's API on the web port, with real sockets: who may read and act, and what a request from
another site (or a rebound host name) gets. The page itself is tested in Chromium (tests/browser)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import taskstream
from tests.support.server import ServerProcess

READER = "reader-token-0123456789ab"  # reads alpha
WRITER = "writer-token-0123456789ab"  # writes alpha, reads server-wide figures
TOKENS = f"""
[[token]]
principal = "reader"
token = "{READER}"
read = ["alpha"]

[[token]]
principal = "writer"
token = "{WRITER}"
write = ["alpha"]
metrics = true
"""


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("console")
    tokens = base / "tokens.toml"
    tokens.write_text(TOKENS)
    process = ServerProcess(base / "data", "--auth-file", str(tokens), workers=1).start()
    yield process
    process.stop()


def call(
    server: ServerProcess, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    host, port = server.http_address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, headers={"Host": server.http_address, **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        data: Any = json.loads(body) if response.getheader("Content-Type") == "application/json" else body
        return response.status, dict(response.getheaders()), data
    finally:
        connection.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def same_site(server: ServerProcess, token: str = "") -> dict[str, str]:
    """The headers of an action the console's own page sends."""
    headers = {
        "X-Taskstream-Console": "1",
        "Origin": f"http://{server.http_address}",
        "Sec-Fetch-Site": "same-origin",
    }
    return {**headers, **(bearer(token) if token else {})}


def test_the_page_holds_no_data_and_cannot_be_framed(secured: ServerProcess) -> None:
    status, headers, body = call(secured, "GET", "/")
    assert status == 200 and b"console.js" in body
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Content-Security-Policy"]
    assert (
        "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    )
    assert headers["Referrer-Policy"] == "no-referrer"


def test_reading_needs_a_token_with_read_access(secured: ServerProcess) -> None:
    assert call(secured, "GET", "/console/api/session")[0] == 401
    status, _, body = call(secured, "GET", "/console/api/session", bearer(READER))
    assert status == 200 and body == {
        "auth": True,
        "principal": "reader",
        "metrics": False,
        "read": ["alpha"],
        "write": [],
    }
    assert call(secured, "GET", "/console/api/watch?project=beta", bearer(READER))[0] == 403
    assert call(secured, "GET", "/console/api/logview?project=beta&id=x", bearer(READER))[0] == 403
    status, _, body = call(secured, "GET", "/console/api/server", bearer(READER))
    assert status == 403 and body["reason"] == "METRICS_DENIED"
    status, _, body = call(secured, "GET", "/console/api/server", bearer(WRITER))
    assert status == 200 and {"workers", "queues", "instances", "tasks", "queue_depth"} <= set(body)


def test_an_action_needs_write_access_and_this_console_s_own_page(secured: ServerProcess) -> None:
    with taskstream.connect(secured.address, project="alpha", token=WRITER) as client:
        held = client.run_task("noop", {}, hold=True)
        path = f"/console/api/action?project=alpha&id={held.id}&do=resume"
        status, _, body = call(secured, "POST", path, same_site(secured, READER))
        assert status == 403 and body["reason"] == "PROJECT_WRITE_DENIED"
        forged: list[dict[str, str]] = [
            {**bearer(WRITER)},  # a form or a plain fetch from another site: no console header
            {**same_site(secured, WRITER), "Origin": "https://evil.example"},
            {**same_site(secured, WRITER), "Sec-Fetch-Site": "cross-site"},
            {k: v for k, v in same_site(secured, WRITER).items() if k != "Origin"},
        ]
        for headers in forged:
            status, _, body = call(secured, "POST", path, headers)
            assert status == 403 and body["reason"] == "CROSS_SITE_REQUEST", headers
        assert call(secured, "GET", path, same_site(secured, WRITER))[0] == 405  # actions are POSTs only
        assert held.status is taskstream.InstanceStatus.SUSPENDED  # nothing above changed it
        status, _, body = call(secured, "POST", path, same_site(secured, WRITER))
        assert status == 200 and body["instance"]["status"] == "INSTANCE_STATUS_RUNNING"
        held.wait_for_success(timeout=60)
        status, _, body = call(secured, "POST", path.replace("resume", "rerun"), same_site(secured, WRITER))
        assert status == 200 and body["instance"]["labels"] == {"rerun-of": held.id}
        assert body["instance"]["owner"] == "writer" and body["instance"]["id"] != held.id


def test_without_authentication_only_this_server_s_own_host_is_answered(tmp_path: Path) -> None:
    open_server = ServerProcess(tmp_path / "open", workers=0).start()
    try:
        assert call(open_server, "GET", "/console/api/session")[0] == 200
        port = open_server.http_address.rsplit(":", 1)[1]
        rebound = {"Host": f"attacker.example:{port}"}  # a name an attacker pointed at 127.0.0.1
        status, _, body = call(open_server, "GET", "/console/api/session", rebound)
        assert status == 403 and "attacker.example" in body["error"]
        assert call(open_server, "GET", "/console/api/session", {"Host": f"localhost:{port}"})[0] == 200
    finally:
        open_server.stop()
