"""Local worker processes the server starts itself (embedded mode), restarted when they exit.

Each worker gets its token and the data sources through a pipe (``workers/handover.py``), never its
environment or command line, and runs as the worker user: by default ``nobody`` when the server runs as
root, so that tasks cannot read the server's data directory (``worker_user.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence

from taskstreamd.datasources import DataSource
from taskstreamd.options import ENV_PREFIX
from taskstreamd.workers.handover import Handover, write_all
from taskstreamd.workers.privileges import WorkerUser

log = logging.getLogger(__name__)


class LocalWorkerPool:
    def __init__(
        self,
        count: int,
        server: str,
        task_modules: Sequence[str],
        allow_code: bool,
        *,
        token: str = "",
        datasources: Mapping[str, DataSource] | None = None,
        user: WorkerUser | None = None,
    ) -> None:
        self.count = count
        self.handover = Handover(token, dict(datasources or {}))
        self.user = user or WorkerUser.current()
        # Nothing of the server's own settings (TASKSTREAMD_*, a database password among them) reaches
        # the workers and their tasks through the environment.
        base = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
        self.env = self.user.environment(base) if not self.user.is_current else base
        self.server = server
        self.task_modules = list(task_modules)
        self.allow_code = allow_code
        self._supervisors: list[asyncio.Task[None]] = []
        self._processes: dict[int, asyncio.subprocess.Process] = {}
        self._closing = False

    def command(self, index: int, settings_fd: int) -> list[str]:
        args = [sys.executable, "-m", "taskstreamd", "worker", "--server", self.server, "--slots", "1"]
        args += ["--name", f"local-{index}", "--exit-on-disconnect", "--settings-fd", str(settings_fd)]
        for module in self.task_modules:
            args += ["--tasks", module]
        if self.allow_code:
            args.append("--allow-code")
        return args

    def start(self) -> None:
        self._supervisors = [
            asyncio.create_task(self._supervise(i), name=f"local-worker-{i}") for i in range(self.count)
        ]

    def pids(self) -> list[int]:
        return [p.pid for p in self._processes.values() if p.returncode is None]

    async def _spawn(self, index: int) -> asyncio.subprocess.Process:
        read_end, write_end = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command(index, read_end),
                env=self.env,
                pass_fds=(read_end,),
                **self.user.spawn_options(),
            )
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)  # only the worker holds it now
        # A worker that died before reading it is seen exiting, and started again.
        with contextlib.suppress(BrokenPipeError):
            await asyncio.to_thread(write_all, write_end, self.handover.encode())
        return process

    async def _supervise(self, index: int) -> None:
        backoff = 0.1
        while not self._closing:
            process = await self._spawn(index)
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
