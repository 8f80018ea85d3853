"""The `taskstream` wheel installs alone, without the server's dependencies, and calls a server; the
`taskstreamd` wheel installs beside it and serves.

Builds the client's wheel, installs it in a fresh virtualenv (its dependencies come from the package
index, or pip's cache), and runs a script there against the test server, which runs from the main
virtualenv. Marked slow: it builds and installs packages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import venv
from pathlib import Path

import pytest

import taskstream
from tests.support.server import REPO, ServerProcess

pytestmark = pytest.mark.slow

# Run by the fresh virtualenv's python, outside the repository, so that only the wheel is importable.
SCRIPT = """
import importlib.util, json, sys
import taskstream, taskstream.aio, taskstream.authoring, taskstream.stk

absent = [name for name in ("taskstreamd", "sqlalchemy", "alembic", "psycopg", "cloudpickle", "rich")
          if importlib.util.find_spec(name) is not None]
with taskstream.connect(sys.argv[1], project="wheel") as client:
    instance = client.execute_task("echo", {"from": "the wheel"}, timeout=60)
    print(json.dumps({
        "module": taskstream.__file__,
        "importable_but_should_not_be": absent,
        "result": instance.get_task_result(),
        "successful": instance.is_successful(),
        "id": instance.id,
    }))
"""


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=True)


def test_the_client_wheel_installs_alone_and_calls_a_server(server: ServerProcess, tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), "./clients/python"],
        REPO,
    )
    (wheel,) = wheels.glob("taskstream-*.whl")
    venv.create(tmp_path / "fresh", with_pip=True)
    python = tmp_path / "fresh" / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], tmp_path
    )

    ran = _run([str(python), "-c", SCRIPT, server.address], tmp_path)
    outcome = json.loads(ran.stdout)
    assert outcome["module"].startswith(str(tmp_path / "fresh"))
    assert outcome["importable_but_should_not_be"] == []  # the server's dependencies and the extras
    assert outcome["result"] == {"from": "the wheel"} and outcome["successful"] is True

    # The command line works without its extra (rich): plain output.
    cli = tmp_path / "fresh" / "bin" / "taskstream"
    shown = _run([str(cli), "--server", server.address, "--project", "wheel", "get", outcome["id"]], tmp_path)
    assert outcome["id"] in shown.stdout and "SUCCESS" in shown.stdout
    watched = _run(
        [str(cli), "--server", server.address, "--project", "wheel", "watch", outcome["id"]], tmp_path
    )
    assert watched.stdout.splitlines()[-1] == f"{outcome['id']} Terminated, successful"


def test_the_server_wheel_installs_with_the_client_wheel_and_serves(tmp_path: Path) -> None:
    """Both distributions as a user installs them: the server's wheel brings its migrations, the pages'
    files and the sample data with it, and a server from it answers the client (the built-in sql task)."""
    wheels = tmp_path / "wheels"
    for source in ("./clients/python", "./server"):
        _run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), source],
            REPO,
        )
    client_wheel, server_wheel = sorted(wheels.glob("taskstream*.whl"))  # taskstream-, then taskstreamd-
    assert server_wheel.name.startswith("taskstreamd-")
    venv.create(tmp_path / "served", with_pip=True)
    python = tmp_path / "served" / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*install, str(client_wheel), str(server_wheel)], tmp_path)
    where = _run([str(python), "-c", "import taskstreamd; print(taskstreamd.__file__)"], tmp_path)
    assert where.stdout.startswith(str(tmp_path / "served"))

    # The server from the wheel: its store is made by the packaged migrations, its worker runs the sql task
    # on the packaged sample table, and its pages come from the packaged static files.
    server = ServerProcess(tmp_path / "data", workers=1, python=str(python), env={"PYTHONPATH": ""}, tasks=())
    server.start()
    try:
        with taskstream.connect(server.address, project="wheel") as client:
            counted = client.execute_sql("select count(*) as n from pyodps_iris", timeout=60)
            assert counted.get_task_result() == '"n"\n150\n'
        for page in ("/console/static/console.js", "/logview/static/logview.js"):
            with urllib.request.urlopen(f"http://{server.http_address}{page}", timeout=30) as answer:
                assert answer.status == 200 and len(answer.read()) > 1000
    finally:
        server.stop()
