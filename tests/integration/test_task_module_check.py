"""``serve --tasks MODULE`` checks that its task modules import before it serves (issue 20 item 17): a bad
module ends the server with one readable line, instead of a "ready" server whose workers crash-loop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.server import CURRENT_USER, REPO


def _serve(tmp_path: Path, module: str) -> subprocess.CompletedProcess[str]:
    """Serve with ``module`` on two ports this test holds: a server that bound a port before checking its
    task modules would fail on the port instead."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    with (
        socket.create_server(("127.0.0.1", 0)) as grpc_port,
        socket.create_server(("127.0.0.1", 0)) as http_port,
    ):
        command = [sys.executable, "-m", "taskstreamd", "serve", "--data-dir", str(tmp_path / "data")]
        command += ["--listen", f"127.0.0.1:{grpc_port.getsockname()[1]}"]
        command += ["--http", f"127.0.0.1:{http_port.getsockname()[1]}", "--workers", "1", "--tasks", module]
        command += ["--worker-user", CURRENT_USER]  # the tests' modules are in directories of their own
        return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_a_task_module_that_does_not_import_stops_serve_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken_tasks.py").write_text('raise RuntimeError("no settings\\nfound for the tasks")\n')
    (tmp_path / "typo_tasks.py").write_text("def f(:\n    pass\n")
    for module, expected in (
        (
            "no_such_tasks_module",
            "no_such_tasks_module: ModuleNotFoundError: No module named 'no_such_tasks_module'",
        ),
        ("broken_tasks", "broken_tasks: RuntimeError: no settings found for the tasks"),
        ("typo_tasks", "typo_tasks: SyntaxError:"),
    ):
        done = _serve(tmp_path, module)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and expected in lines[0] and lines[0].startswith("taskstreamd: "), lines
        assert done.stdout == ""  # never announced ready


def test_good_task_modules_pass_the_check(tmp_path: Path) -> None:
    # The same ports held: with modules that import, the server gets as far as the ports and fails there.
    done = _serve(tmp_path, "tests.support.tasks")
    assert done.returncode == 1
    assert "address already in use" in done.stderr.splitlines()[-1].lower(), done.stderr
