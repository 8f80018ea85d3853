"""The data directory on a real server: private to its owner, and held by one server at a time; a busy
port is one line on stderr and leaves the store untouched."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import taskstream
from taskstreamd.datadir import LOCK_FILE
from tests.support.server import REPO, ServerProcess


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def serve(data_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """A second ``taskstreamd serve``, run to its end (it is expected to refuse to start)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "taskstreamd", "--log-level", "WARNING", "serve", "--workers", "0"]
    command += ["--data-dir", str(data_dir), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", *options]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # The default umask of most systems: without the server's own, its files would be 0644.
    process = ServerProcess(tmp_path_factory.mktemp("first") / "data", workers=1, umask=0o022).start()
    yield process
    process.stop()


def test_the_data_dir_and_everything_in_it_are_the_owners_only(first: ServerProcess) -> None:
    with taskstream.connect(first.address, project="private") as client:
        client.execute_sql("create table secrets (x integer)")  # the workers write the warehouse too
        client.execute_task("echo", {"text": "parameters nobody else reads"})
    assert mode(first.data_dir) == 0o700
    entries = {entry.name: mode(entry) for entry in first.data_dir.iterdir()}
    expected = {"taskstream.db", "taskstream.db-wal", "taskstream.db-shm", "warehouse", "logview.key"}
    assert expected | {LOCK_FILE} <= set(entries)
    assert {name: m for name, m in entries.items() if m & 0o077} == {}
    warehouses = {entry.name: mode(entry) for entry in (first.data_dir / "warehouse").iterdir()}
    assert "private.sqlite" in warehouses  # the project's own warehouse (a file per project)
    assert {name: m for name, m in warehouses.items() if m & 0o077} == {}


def test_an_open_data_dir_is_tightened_with_one_warning(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "notes.txt").write_text("left here by an older version")
    (data / "notes.txt").chmod(0o644)
    log = tmp_path / "stderr"
    server = ServerProcess(data, workers=0, stderr=log, umask=0o022).start()
    try:
        assert mode(data) == 0o700 and mode(data / "notes.txt") == 0o600
    finally:
        assert server.stop() == 0
    warnings = [line for line in log.read_text().splitlines() if "other users could read" in line]
    assert len(warnings) == 1 and str(data) in warnings[0]


def test_a_second_server_on_the_same_data_dir_exits_naming_the_first(first: ServerProcess) -> None:
    assert first.process is not None
    second = serve(first.data_dir, "--retention", "1s", "--retention-interval", "1")
    assert second.returncode == 1
    assert second.stdout == ""  # never ready
    assert second.stderr.splitlines() == [
        f"taskstreamd: the data directory {first.data_dir} is in use by another taskstreamd "
        f"(pid {first.process.pid})"
    ]
    with taskstream.connect(first.address, project="private") as client:  # the first one carries on
        assert client.execute_task("echo", {"after": "second"}).get_task_result() == {"after": "second"}


@pytest.mark.parametrize("port", ["--listen", "--http"])
def test_a_busy_port_is_one_line_and_the_store_is_not_touched(
    first: ServerProcess, tmp_path: Path, port: str
) -> None:
    taken = first.address if port == "--listen" else first.http_address
    second = serve(tmp_path / "data", port, taken)
    assert second.returncode == 1
    assert second.stderr.splitlines() == [f"taskstreamd: cannot listen on {taken}: Address already in use"]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [LOCK_FILE]  # no database, no key
