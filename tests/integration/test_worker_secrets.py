"""What a task can reach on its worker's machine (issue 20 item 5): not the worker's token, not the data
directory's secrets, not the data sources' passwords; with a server running as root, tasks run as an
unprivileged user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import taskstream
from tests.support.server import REPO, ServerProcess
from tests.support.workers import WorkerProcess

ADMIN = "admin-token-0123456789"
TOKENS = f'[[token]]\nprincipal = "admin"\ntoken = "{ADMIN}"\nread = ["*"]\nwrite = ["*"]\n'
# Never connected to: the password must only not show on the worker's command line.
MART = "mart=postgresql+psycopg://etl:hunter2-secret@127.0.0.1:1/mart"
PROBE_TASKS = ("--tasks", "tests.support.probe_tasks")


def _probe(server: ServerProcess, paths: list[str]) -> dict[str, Any]:
    with taskstream.connect(server.address, project="p", token=ADMIN) as o:
        instance = o.run_task("probe", {"paths": paths})
        instance.wait_for_success(timeout=60)
        result: dict[str, Any] = instance.get_task_result()
        return result


def test_a_task_finds_no_secret_in_its_workers_environment_or_command_line(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(TOKENS)
    server = ServerProcess(
        tmp_path / "data", "--auth-file", str(tokens), "--datasource", MART, *PROBE_TASKS, workers=1
    ).start()
    try:
        found = _probe(server, [])
    finally:
        server.stop()
    # Readable or not (a worker that is not dumpable hides it from a task of its own user), the worker's
    # environment holds no token, and neither do the task's own environment and the command line.
    assert "TOKEN" not in found["worker_environ"]
    assert not [name for name in found["own_environ"] if "TOKEN" in name]
    assert "hunter2" not in found["worker_cmdline"] and "taskstream" in found["worker_cmdline"]


def _runs_as_nobody(python: str, env: dict[str, str], cwd: Path) -> bool:
    check = [python, "-c", "import grpc, sqlalchemy, taskstreamd.workers, tests.support.probe_tasks"]
    try:
        done = subprocess.run(check, user="nobody", cwd=cwd, env=env, capture_output=True, timeout=60)
    except PermissionError:  # nobody may not even execute it
        return False
    return done.returncode == 0


def _link_tree(source: Path, target: Path) -> None:
    """A copy of ``source`` whose files are hard links when they can be (same file system), else copies."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy, ignore=shutil.ignore_patterns("__pycache__"))


def _stage_for_nobody(stage: Path) -> list[str]:
    """The packages the worker user needs, linked under ``stage`` (which it can pass through).

    A checkout under a root-only directory (``mktemp -d`` makes one) is out of nobody's reach, as is the
    virtualenv in it; the files themselves are world-readable, so links in a passable directory serve.
    """
    stage.chmod(0o755)
    _link_tree(REPO / "server" / "taskstreamd", stage / "server" / "taskstreamd")
    _link_tree(REPO / "clients" / "python" / "taskstream", stage / "client" / "taskstream")
    _link_tree(REPO / "tests" / "support", stage / "repo" / "tests" / "support")
    shutil.copy2(REPO / "tests" / "__init__.py", stage / "repo" / "tests" / "__init__.py")
    _link_tree(Path(sysconfig.get_paths()["purelib"]), stage / "site-packages")
    for directory in (stage, *stage.rglob("*")):
        if directory.is_dir():
            directory.chmod(0o755)
    return [str(stage / "repo"), str(stage / "server"), str(stage / "client"), str(stage / "site-packages")]


@pytest.fixture(scope="module")
def nobody_python() -> Iterator[tuple[str, dict[str, str]]]:
    """An interpreter ``nobody`` can run with this checkout's code and packages, and the environment for it.

    The virtualenv's interpreter may live where only root can read (here: under /root), which would stop
    any worker user; the system's python3 of the same version with the same packages path then serves.
    When the checkout itself is out of nobody's reach, its packages are staged where nobody can read them.
    """
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [c for c in (sys.executable, shutil.which(version) or "", f"/usr/bin/{version}") if c]
    paths = [
        str(REPO),
        str(REPO / "server"),
        str(REPO / "clients" / "python"),
        sysconfig.get_paths()["purelib"],
    ]
    stage = Path(tempfile.mkdtemp(prefix="taskstream-nobody-python-", dir="/tmp"))
    try:
        for staged in (False, True):
            if staged:
                paths = _stage_for_nobody(stage)
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
            for candidate in candidates:
                if _runs_as_nobody(candidate, env, stage):
                    yield candidate, {"PYTHONPATH": env["PYTHONPATH"]}
                    return
        raise AssertionError(f"no {version} that the user nobody can run with this checkout's packages")
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory under /tmp (pytest's are its user's only), made passable for others by the test."""
    path = Path(tempfile.mkdtemp(prefix="taskstream-worker-user-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_tasks_of_a_root_server_run_as_nobody_and_reach_no_secret(
    shared_tmp: Path, nobody_python: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert os.geteuid() == 0, "this test runs the server as root (the tests run as root)"
    # The default worker user is the point here: not the one `make test-python` sets for other tests.
    monkeypatch.delenv("TASKSTREAM_WORKER_USER", raising=False)
    monkeypatch.delenv("TASKSTREAMD_WORKER_USER", raising=False)
    python, env = nobody_python
    tokens = shared_tmp / "tokens.toml"
    tokens.write_text(TOKENS)
    tokens.chmod(0o600)
    data = shared_tmp / "data"
    # The worker user must reach the data directory (its warehouse is there): else serve says so and stops.
    command = [python, "-m", "taskstreamd", "serve", "--data-dir", str(data), "--listen", "127.0.0.1:0"]
    command += ["--http", "127.0.0.1:0", "--workers", "1"]
    refused = subprocess.run(
        command, cwd=REPO, env=dict(os.environ, **env), capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"taskstreamd: the worker user cannot pass through {shared_tmp} to reach {data}, its warehouse's"
    )
    shared_tmp.chmod(0o711)
    server = ServerProcess(
        data,
        "--auth-file",
        str(tokens),
        "--datasource",
        MART,
        *PROBE_TASKS,
        workers=1,
        python=python,
        env=env,
        worker_user=None,  # the default: nobody, since the server runs as root
    ).start()
    try:
        found = _probe(server, [str(data / "logview.key"), str(data / "taskstream.db"), str(tokens)])
        with taskstream.connect(server.address, project="p", token=ADMIN) as o:
            # The task's own project's warehouse is the worker user's to read and write.
            o.execute_sql("create table t as select * from pyodps_iris")
            assert o.execute_sql("select count(*) as n from t").get_task_result() == '"n"\n150\n'
    finally:
        server.stop()
    assert found["uid"] == pwd.getpwnam("nobody").pw_uid
    assert found["read"] == {
        str(data / "logview.key"): "PermissionError",
        str(data / "taskstream.db"): "PermissionError",
        str(tokens): "PermissionError",
        "worker_environ": "PermissionError",
    }
    assert "hunter2" not in found["worker_cmdline"]


def test_a_remote_worker_started_by_root_reads_its_token_then_runs_as_its_user(
    shared_tmp: Path, nobody_python: tuple[str, dict[str, str]]
) -> None:
    assert os.geteuid() == 0, "this test starts the worker as root (the tests run as root)"
    python, env = nobody_python
    shared_tmp.chmod(0o711)
    tokens = shared_tmp / "tokens.toml"
    worker_token = "remote-worker-0123456789"
    tokens.write_text(TOKENS + f'[[token]]\nprincipal = "w"\ntoken = "{worker_token}"\nworker = true\n')
    token_file = shared_tmp / "worker.token"
    token_file.write_text(worker_token)
    token_file.chmod(0o600)
    server = ServerProcess(shared_tmp / "data", "--auth-file", str(tokens), workers=0, python=python, env=env)
    server.start()
    worker = WorkerProcess(
        server.address,
        "R",
        "--token-file",
        str(token_file),
        "--user",
        "nobody",
        *PROBE_TASKS,
        env=env,
        python=python,
    )
    try:
        worker.start().registered()
        found = _probe(server, [str(token_file)])
    finally:
        worker.stop()
        server.stop()
    assert found["uid"] == pwd.getpwnam("nobody").pw_uid
    assert found["read"] == {str(token_file): "PermissionError", "worker_environ": "PermissionError"}
