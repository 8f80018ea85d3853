"""Starts a real ``taskstreamd worker`` as a subprocess, the way a remote worker runs, and reads its log.

The worker's name is also in its environment as TASKSTREAM_TEST_WORKER, so the test tasks can say which
worker ran them.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

from tests.support.server import REPO

WORKER_ENV = "TASKSTREAM_TEST_WORKER"


class WorkerProcess:
    def __init__(
        self,
        server: str,
        name: str,
        *extra: str,
        env: dict[str, str] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.name = name
        self.args = [
            python,
            "-m",
            "taskstreamd",
            "--log-level",
            "INFO",
            "worker",
            "--server",
            server,
            "--name",
            name,
            "--tasks",
            "tests.support.tasks",
            *extra,
        ]
        self.env = dict(os.environ, **(env or {}))
        self.env[WORKER_ENV] = name
        self.env["PYTHONPATH"] = os.pathsep.join([str(REPO), self.env.get("PYTHONPATH", "")])
        self.process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []

    def start(self) -> WorkerProcess:
        self.process = subprocess.Popen(
            self.args, cwd=REPO, env=self.env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        stderr = self.process.stderr
        assert stderr is not None
        threading.Thread(target=lambda: [self._lines.put(line) for line in stderr], daemon=True).start()
        return self

    def wait_for_log(self, text: str, timeout: float = 60.0) -> str:
        """The first line of the worker's log (from the start) that contains ``text``; bounded."""
        for line in self.log:
            if text in line:
                return line
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise AssertionError(f"worker {self.name} never logged {text!r}") from None
            self.log.append(line)
            if text in line:
                return line

    def registered(self) -> WorkerProcess:
        self.wait_for_log("registered with")
        return self

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to say goodbye."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
