from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import taskstream
from tests.support.server import ServerProcess

# These modules run against both stores; the others against SQLite only, to keep the suite quick.
BOTH_STORES = {
    "test_lifecycle",
    "test_streaming",
    "test_client_streaming",
    "test_bad_requests",
    "test_scheduling",
    "test_project_watch",
    "test_schedules",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "server" in metafunc.fixturenames and module in BOTH_STORES:
        metafunc.parametrize("store", ["sqlite", "postgresql"], indirect=True, scope="session")


@pytest.fixture(scope="session")
def store(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, store: str, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    db: list[str] = []
    if store == "postgresql":
        db = ["--db", request.getfixturevalue("postgres").create_database()]
    process = ServerProcess(
        tmp_path_factory.mktemp("server"),
        "--allow-code",
        "--max-output-bytes",
        "65536",
        "--grace-period",
        "1",
        *db,
    ).start()
    yield process
    process.stop()


@pytest.fixture
def client(server: ServerProcess) -> Iterator[taskstream.Client]:
    with taskstream.connect(server.address, project="tests") as c:
        yield c


def until_task_status(instance: taskstream.Instance, task_name: str, status: taskstream.TaskStatus) -> None:
    """Follows the instance's watch stream until the task has ``status`` (no polling)."""
    for event in instance.watch():
        if isinstance(event, taskstream.InstanceSnapshot):
            current = {t.name: t.status for t in event.instance.get_tasks()}
            if current.get(task_name) == status:
                return
        elif (
            isinstance(event, taskstream.TaskStatusChanged)
            and event.task_name == task_name
            and event.status == status
        ):
            return
    raise AssertionError(f"{instance.id} terminated before {task_name} was {status.name}")


def eventually(check: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Polls a condition outside the server (a file a task writes), bounded."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return tmp_path
