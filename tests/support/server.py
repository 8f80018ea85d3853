"""Starts a real taskstreamd on port 0 as a subprocess and reads its addresses from its ready line."""

from __future__ import annotations

import json
import os
import pwd
import queue
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CURRENT_USER = pwd.getpwuid(os.geteuid()).pw_name


class ServerProcess:
    def __init__(
        self,
        data_dir: Path,
        *extra: str,
        workers: int = 2,
        logging: tuple[str, ...] = ("--log-level", "WARNING"),
        stderr: Path | None = None,
        umask: int = -1,
        max_open_files: int | None = None,
        python: str = sys.executable,
        env: dict[str, str] | None = None,
        worker_user: str | None = CURRENT_USER,
        tasks: tuple[str, ...] = ("tests.support.tasks",),
    ) -> None:
        """``logging``: the options before ``serve``; ``stderr``: a file for the server's stderr;
        ``umask``: the server process's (-1: this process's); ``max_open_files``: its descriptor limit;
        ``python`` the interpreter (also its workers'); ``env`` added to the environment; ``worker_user``
        the local workers' user, by default the tests' own (their tasks write files in the tests' private
        temporary directories), None for the server's default (nobody, for a server running as root); ``tasks`` the task modules."""
        self.data_dir = data_dir
        self.stderr = stderr
        self.umask = umask
        self.max_open_files = max_open_files
        self.extra_env = dict(env or {})
        self.args = [
            python,
            "-m",
            "taskstreamd",
            *logging,
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--data-dir",
            str(data_dir),
            "--workers",
            str(workers),
            *(arg for module in tasks for arg in ("--tasks", module)),
            # Tasks a test leaves running must not hold up the SIGTERM of stop() (a later value wins).
            "--shutdown-grace",
            "2",
            *(("--worker-user", worker_user) if worker_user is not None else ()),
            *extra,
        ]
        self.process: subprocess.Popen[str] | None = None
        self.address = ""
        self.http_address = ""
        self.ready: dict[str, str] = {}

    def start(self, timeout: float = 60.0) -> ServerProcess:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
        env.update(self.extra_env)
        err = open(self.stderr, "ab") if self.stderr is not None else None  # noqa: SIM115 - the child holds it
        try:
            self.process = subprocess.Popen(
                self.args,
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                umask=self.umask,
                preexec_fn=self._limit_files if self.max_open_files is not None else None,
            )
        finally:
            if err is not None:
                err.close()
        lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        stdout = self.process.stdout
        threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                self.kill()
                raise RuntimeError("taskstreamd did not become ready") from None
            if line.startswith("{"):
                ready = json.loads(line)
                self.address, self.http_address = ready["grpc"], ready["http"]
                self.ready = ready  # also "metrics", with --metrics-listen
                return self

    def _limit_files(self) -> None:
        """Runs in the child before the server starts."""
        assert self.max_open_files is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.max_open_files, self.max_open_files))

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
