"""A task's result is a pickle its worker wrote: reading it must run no code unless the reader opts in
(issue 20 item 4), through a real server and worker, in the Python client and in the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import taskstream
from tests.support.server import ServerProcess


def test_a_result_that_runs_code_when_unpickled_is_only_shown(
    server: ServerProcess, client: taskstream.Client, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    instance = client.run_task("booby", {"marker": str(marker)})
    instance.wait_for_success(timeout=60)
    result = instance.get_task().result
    assert isinstance(result, taskstream.PickledValue) and result.repr == "Booby()"
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskstream.cli",
            "--server",
            server.address,
            "--project",
            "tests",
            "result",
            instance.id,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0 and shown.stdout.strip() == "Booby()", shown.stderr
    assert not marker.exists()  # neither the client nor the CLI ran the pickle
    with taskstream.connect(server.address, project="tests", unpickle=True) as trusting:
        trusting.get_instance(instance.id).get_task().result  # noqa: B018 (reading it is the point)
    assert marker.exists()  # the caller who opted in gets the object, code and all
