"""Supervisor side of one task process: spawn it, message it, signal its process group, see it exit."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import wait

from .executor import child_main
from .messages import FromChild, ToChild
from .runtime import ChildSettings

# spawn, never fork: the worker has gRPC threads, which do not survive a fork.
_SPAWN = multiprocessing.get_context("spawn")


class ChildProcess:
    """A spawned child running ``executor.child_main``; its messages arrive on the event loop.

    A reader thread waits on the pipe and on the process sentinel together, so the loop never blocks on
    the pipe and a death is seen even if a subprocess of the task still holds the pipe open.
    """

    def __init__(
        self, task_modules: Sequence[str], *, name: str, settings: ChildSettings | None = None
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._inbox: asyncio.Queue[FromChild | None] = asyncio.Queue()
        self._send_lock = asyncio.Lock()
        self.exited = asyncio.Event()
        parent_end, child_end = _SPAWN.Pipe()
        self._process = _SPAWN.Process(
            target=child_main, args=(child_end, list(task_modules), settings or ChildSettings()), name=name
        )
        with _main_module_hidden():
            self._process.start()
        child_end.close()  # only the child holds its end, so its death closes the pipe
        self._conn = parent_end
        assert self._process.pid is not None
        self.pid: int = self._process.pid
        threading.Thread(target=self._read, name=f"{name}-reader", daemon=True).start()

    @property
    def exitcode(self) -> int | None:
        """How it ended (negative: the signal that killed it), once ``exited`` is set."""
        return self._process.exitcode if self.exited.is_set() else None

    async def send(self, message: ToChild) -> bool:
        """Send in order without blocking the loop on a full pipe; False when the child is gone."""
        async with self._send_lock:
            try:
                await asyncio.to_thread(self._conn.send, message)
            except OSError:
                return False  # its exit arrives through receive()
            return True

    async def receive(self) -> FromChild | None:
        """The next message, or None once the process exited and everything it sent was read."""
        return await self._inbox.get()

    def signal_group(self, signum: signal.Signals) -> None:
        """Signal the child's process group: the task and every subprocess it started."""
        try:
            os.killpg(self.pid, signum)
        except ProcessLookupError:
            # No group yet (before the child's setpgrp) or none left; signal the child itself if alive.
            if not self.exited.is_set():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signum)

    def kill(self) -> None:
        self.signal_group(signal.SIGKILL)

    async def wait_exited(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.exited.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self._conn.close()

    def _read(self) -> None:
        try:
            while True:
                ready = wait([self._conn, self._process.sentinel])
                if self._conn not in ready:
                    break  # exited with nothing left to read
                try:
                    message = self._conn.recv()
                except (EOFError, OSError):
                    break
                self._call_soon(self._inbox.put_nowait, message)
        finally:
            self._process.join()
            self._call_soon(self._set_exited)

    def _set_exited(self) -> None:
        self.exited.set()
        self._inbox.put_nowait(None)

    def _call_soon(self, fn: Callable[..., object], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is listening any more
            self._loop.call_soon_threadsafe(fn, *args)


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Keep spawn from re-running the worker's ``__main__`` in the child.

    The child imports its task modules by name, so re-importing the main script only slows its start
    (the taskstreamd CLI and everything it imports) and, for a script without an ``if __name__ ==
    "__main__"`` guard, would start a worker inside the child.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
