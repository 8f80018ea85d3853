"""The README's first command: `make run` starts a server that runs tasks, also when root runs it (the
server's default worker user, nobody, cannot run a virtualenv under a root-only home)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
from pathlib import Path

import taskstream
from tests.support.server import REPO


def test_make_run_serves_and_runs_a_task(tmp_path: Path) -> None:
    # As a user would run it: no worker user chosen (make test-python chooses one for the other tests).
    env = {
        k: v for k, v in os.environ.items() if k not in ("TASKSTREAM_WORKER_USER", "TASKSTREAMD_WORKER_USER")
    }
    args = f"--listen 127.0.0.1:0 --http 127.0.0.1:0 --data-dir {tmp_path / 'data'} --workers 1"
    make = subprocess.Popen(
        ["make", "--no-print-directory", "-s", "run", f"ARGS={args}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # make, the server and its workers: stopped together below
    )
    assert make.stdout is not None and make.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout = make.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    try:
        ready: dict[str, str] = {}
        for _ in range(120):  # up to about two minutes, ended at once if make gives up
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert make.poll() is None, f"make run stopped: {make.stderr.read()}"
                continue
            if line.startswith("{"):
                ready = json.loads(line)
                break
        assert ready, "make run announced no address"
        with taskstream.connect(ready["grpc"], project="make-run") as client:
            counted = client.execute_sql("select count(*) as n from pyodps_iris", timeout=60)
            assert counted.get_task_result() == '"n"\n150\n'
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=60)
    errors = make.stderr.read()
    if os.geteuid() == 0:  # its tasks run as root: said once, as a warning
        assert errors.count("local workers run as root") == 1, errors
