"""The web port (status page, Logview, /metrics) under abuse, with real sockets on loopback: a connection
cap and a deadline for request heads against slow clients, path tricks answered 404 without a traceback,
and server-wide figures kept from callers without the metrics permission."""

from __future__ import annotations

import contextlib
import select
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import taskstream
from tests.support.server import REPO, ServerProcess

CAP = 16
SLOW_CLIENTS = 600  # more than the server's descriptors (below) and far more than its cap
OPS = "ops-token-0123456789abcdef"  # may read /metrics and the status page
ALICE = "alice-token-0123456789abc"  # reads and writes one project, no metrics
TOKENS = f"""
[[token]]
principal = "ops"
token = "{OPS}"
metrics = true

[[token]]
principal = "alice"
token = "{ALICE}"
read = ["alpha"]
write = ["alpha"]
"""


def split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def get(url: str, token: str = "") -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def raw(address: str, head: bytes) -> bytes:
    """Sends exactly ``head`` and returns everything the server answers until it closes."""
    with socket.create_connection(split(address), timeout=30) as sock:
        sock.sendall(head)
        return read_to_end(sock)


def read_to_end(sock: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass  # closed with our bytes unread: what was answered before stays in `answer`, if anything
    return answer


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def log_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    base = tmp_path_factory.mktemp("capped")
    log = base / "stderr"
    options = ["--http-max-connections", str(CAP), "--http-head-timeout", "2"]
    process = ServerProcess(base / "data", *options, workers=0, stderr=log, max_open_files=512).start()
    yield process, log
    process.stop()


def test_slow_clients_beyond_the_cap_are_refused_and_the_held_ones_time_out(
    capped: tuple[ServerProcess, Path],
) -> None:
    server, log = capped
    sockets = []
    try:
        for _ in range(SLOW_CLIENTS):  # each sends part of a request line, then nothing
            sock = socket.create_connection(split(server.http_address), timeout=60)
            sockets.append(sock)
            with contextlib.suppress(OSError):  # already refused and closed
                sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        # Each one ends: refused at once (503, or closed) or, held, answered 408 at its head's deadline.
        answers = [status_of(read_to_end(sock)) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    held, refused = answers.count(408), answers.count(503) + answers.count(0)
    assert held + refused == SLOW_CLIENTS
    assert held >= 1 and refused >= SLOW_CLIENTS // 2
    assert get(f"http://{server.http_address}/healthz")[0] == 200  # a fresh request is answered again
    lines = log_lines(server.stderr or log)
    assert not [line for line in lines if "Traceback" in line or "Too many open files" in line]
    warnings = [line for line in lines if "connections open, its limit" in line]
    assert 1 <= len(warnings) <= 2 and len(lines) <= 4  # one per minute at most


def test_a_head_sent_a_line_at_a_time_still_meets_its_deadline(capped: tuple[ServerProcess, Path]) -> None:
    server, _ = capped
    with socket.create_connection(split(server.http_address), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        answer = b""
        for n in range(200):  # a header every 0.25 s, well within any per-line timeout, for up to 50 s
            readable, _, _ = select.select([sock], [], [], 0.25)
            if readable:
                answer = read_to_end(sock)
                break
            try:
                sock.sendall(f"X-Slow-{n}: 1\r\n".encode())
            except OSError:
                answer = read_to_end(sock)
                break
    assert status_of(answer) == 408  # the whole head had 2 seconds


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    base = tmp_path_factory.mktemp("paths")
    log = base / "stderr"
    process = ServerProcess(base / "data", workers=0, stderr=log).start()
    yield process, log
    process.stop()


@pytest.mark.parametrize(
    "target",
    [
        "/logview/static/" + "a" * 5000 + ".js",
        "/logview/static/../logview.py",
        "/logview/static/..%2Flogview.py",
        "/logview/static/%2e%2e%2flogview.py",
        "/logview/static/logview.js%00",
        "/logview/static/logview.js\x00.css",
        "/logview/static//etc/passwd",
        "/logview/static/logview.html",
        "/logview/static/",
        "/logview%2Fstatic/logview.js",
        "/" + "x" * 5000,
    ],
)
def test_path_tricks_are_not_found(logged: tuple[ServerProcess, Path], target: str) -> None:
    server, log = logged
    answer = raw(server.http_address, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode("latin-1"))
    assert status_of(answer) == 404
    assert not [line for line in log_lines(log) if "Traceback" in line]


def test_malformed_heads_are_client_errors_without_a_traceback(logged: tuple[ServerProcess, Path]) -> None:
    server, log = logged
    cases = {
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n": 431,  # longer than a line may be
        b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n": 431,
        b"GET http://[::1/ HTTP/1.1\r\n\r\n": 400,
        b"GET /?" + b"&".join(b"a=%d" % i for i in range(1000)) + b" HTTP/1.1\r\n\r\n": 400,
        b"NONSENSE\r\n\r\n": 400,
        b"POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello": 405,
    }
    for head, expected in cases.items():
        assert status_of(raw(server.http_address, head)) == expected, head[:40]
    for name in ("logview.js", "logview.css"):  # the real files still load
        assert get(f"http://{server.http_address}/logview/static/{name}")[0] == 200
    assert not [line for line in log_lines(log) if "Traceback" in line]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("secured")
    tokens = base / "tokens.toml"
    tokens.write_text(TOKENS)
    process = ServerProcess(base / "data", "--auth-file", str(tokens), workers=0).start()
    yield process
    process.stop()


def test_server_wide_pages_need_the_metrics_permission(secured: ServerProcess) -> None:
    with taskstream.connect(secured.address, project="alpha", token=ALICE) as client:
        client.run_task("noop", {}, hold=True)  # something to count
    for page in ("/metrics", "/console/api/server"):
        url = f"http://{secured.http_address}{page}"
        for token, expected in (("", 401), ("not-a-token-at-all-000", 401), (ALICE, 403)):
            status, headers, body = get(url, token)
            assert status == expected, (page, token)
            assert expected == 403 or headers["WWW-Authenticate"].startswith("Bearer")
            assert b"Running" not in body and b"alpha" not in body and b"taskstream_" not in body
    status, _, body = get(f"http://{secured.http_address}/metrics", OPS)
    assert status == 200 and b'taskstream_instances{status="Suspended"} 1.0' in body
    status, _, body = get(f"http://{secured.http_address}/console/api/server", OPS)
    assert status == 200 and b'"instances":{"Suspended":1}' in body
    status, _, body = get(f"http://{secured.http_address}/")  # the console's page: no figures in it
    assert status == 200 and b"alpha" not in body and b"console.js" in body
    assert get(f"http://{secured.http_address}/healthz")[0] == 200  # probes need no token


def test_metrics_can_have_an_address_of_their_own_or_none(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(TOKENS)
    options = ["--auth-file", str(tokens), "--metrics-listen", "127.0.0.1:0"]
    own = ServerProcess(tmp_path / "own", *options, workers=0).start()
    try:
        status, _, body = get(f"http://{own.ready['metrics']}/metrics")  # the address is the protection
        assert status == 200 and b"taskstream_rpcs_total" in body
        assert get(f"http://{own.ready['metrics']}/")[0] == 404  # only /metrics there
        assert get(f"http://{own.http_address}/metrics", OPS)[0] == 404  # and no longer on --http
    finally:
        own.stop()
    off = ServerProcess(tmp_path / "off", "--metrics-listen", "off", workers=0).start()
    try:
        assert get(f"http://{off.http_address}/metrics")[0] == 404
        assert "metrics" not in off.ready
    finally:
        off.stop()


def test_auth_without_tls_is_refused_on_a_network_web_address(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(TOKENS)
    command = [sys.executable, "-m", "taskstreamd", "serve", "--listen", "127.0.0.1:0", "--http", "0.0.0.0:0"]
    command += ["--data-dir", str(tmp_path / "data"), "--workers", "0", "--auth-file", str(tokens)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1
    assert "--http 0.0.0.0" in done.stderr and "--allow-insecure-auth" in done.stderr
    assert not (tmp_path / "data").exists()  # refused before creating anything
