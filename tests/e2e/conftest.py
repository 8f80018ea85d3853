"""A real taskstreamd for the CLI tests, and a runner of the ``taskstream`` command as a subprocess."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.tmux import Tmux
from tests.support.server import ServerProcess


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("e2e-server"), "--tasks", "tests.e2e.tasks", "--grace-period", "1"
    ).start()
    yield process
    process.stop()


@dataclasses.dataclass(frozen=True)
class Cli:
    """Runs ``python -m taskstream.cli`` against the test server, in a project of the test's own."""

    server: str
    project: str
    started: list[subprocess.Popen[bytes]] = dataclasses.field(default_factory=list)

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "taskstream.cli", *args]

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "TASKSTREAM_SERVER": self.server, "TASKSTREAM_PROJECT": self.project, **extra}

    def run(self, *args: str, timeout: float = 60.0, **env: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(self.argv(*args), env=self.env(**env), capture_output=True, timeout=timeout)

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        """Starts the command without waiting; the fixture kills it after the test if it still runs."""
        process = subprocess.Popen(
            self.argv(*args), env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.started.append(process)
        return process

    def start(self, *args: str) -> str:
        """Runs ``run ARGS`` and returns the new instance's id."""
        done = self.run("run", *args)
        assert done.returncode == 0, done.stderr
        return done.stdout.decode().strip()


@pytest.fixture
def cli(e2e_server: ServerProcess) -> Iterator[Cli]:
    runner = Cli(e2e_server.address, f"e2e-{uuid.uuid4().hex[:12]}")
    yield runner
    for process in runner.started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


@pytest.fixture
def gate(tmp_path: Path) -> Path:
    """A file whose creation lets the test's gated tasks go on."""
    return tmp_path / "gate"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    terminal = Tmux(tmp_path)
    try:
        yield terminal
    finally:
        terminal.kill()


def one_error_line(stderr: bytes) -> str:
    """The single ``taskstream: error: ...`` line a failing command writes, checked to be only that."""
    text = stderr.decode()
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskstream: error: "), text
    return lines[0]
