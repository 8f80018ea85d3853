from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import taskstream
from tests.support.server import ServerProcess


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("server"),
        "--allow-code",
        "--max-output-bytes",
        "65536",
        "--grace-period",
        "1",
    ).start()
    yield process
    process.stop()


@pytest.fixture
def client(server: ServerProcess) -> Iterator[taskstream.Client]:
    with taskstream.connect(server.address, project="tests") as c:
        yield c


def eventually(check: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Polls a condition about server state, bounded; used until tests can watch events instead."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return tmp_path
