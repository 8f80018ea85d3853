"""Starts a real ``taskstreamd worker`` as a subprocess, connected to one server or a list of replicas."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.server import REPO


class WorkerProcess:
    def __init__(self, servers: str, *, slots: int = 1, name: str = "test-worker") -> None:
        self.args = [
            sys.executable, "-m", "taskstreamd", "--log-level", "WARNING", "worker",
            "--server", servers, "--tasks", "tests.support.tasks", "--slots", str(slots), "--name", name,
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
        self.process = subprocess.Popen(self.args, cwd=REPO, env=env, stdin=subprocess.DEVNULL)
        return self

    def stop(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=30)
