"""Local worker processes the server starts itself (embedded mode), restarted when they exit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence

from taskstreamd.datasources import DataSource

log = logging.getLogger(__name__)


class LocalWorkerPool:
    def __init__(
        self,
        count: int,
        server: str,
        task_modules: Sequence[str],
        allow_code: bool,
        env: dict[str, str] | None = None,
        *,
        datasources: Mapping[str, DataSource] | None = None,
    ) -> None:
        self.count = count
        self.env = dict(os.environ, **env) if env else None  # None: inherit the server's environment
        self.datasources = dict(datasources or {})
        self.server = server
        self.task_modules = list(task_modules)
        self.allow_code = allow_code
        self._supervisors: list[asyncio.Task[None]] = []
        self._processes: dict[int, asyncio.subprocess.Process] = {}
        self._closing = False

    def command(self, index: int) -> list[str]:
        args = [sys.executable, "-m", "taskstreamd", "worker", "--server", self.server, "--slots", "1"]
        args += ["--name", f"local-{index}", "--exit-on-disconnect"]
        for module in self.task_modules:
            args += ["--tasks", module]
        if self.allow_code:
            args.append("--allow-code")
        for source in self.datasources.values():  # the server's data sources, by the same names
            args += ["--datasource", source.spec()]
        return args

    def start(self) -> None:
        self._supervisors = [
            asyncio.create_task(self._supervise(i), name=f"local-worker-{i}") for i in range(self.count)
        ]

    def pids(self) -> list[int]:
        return [p.pid for p in self._processes.values() if p.returncode is None]

    async def _supervise(self, index: int) -> None:
        backoff = 0.1
        while not self._closing:
            process = await asyncio.create_subprocess_exec(*self.command(index), env=self.env)
            self._processes[index] = process
            code = await process.wait()
            if self._closing:
                return
            log.warning("local worker %d exited with %s; restarting in %.1fs", index, code, backoff)
            await asyncio.sleep(backoff)  # back off so a worker that cannot start does not spin
            backoff = min(backoff * 2, 5.0)

    async def stop(self, timeout: float = 5.0) -> None:
        self._closing = True
        for process in self._processes.values():
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        for process in self._processes.values():
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        for supervisor in self._supervisors:
            supervisor.cancel()
        await asyncio.gather(*self._supervisors, return_exceptions=True)
