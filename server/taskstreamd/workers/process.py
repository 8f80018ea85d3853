"""Supervisor side of one task process: spawn it, message it, signal its process group, see it exit.

Two pipes lead to the child: the work pipe, which its main thread reads between tasks (tasks to run) and
which carries everything the child reports back, and the control pipe, which its control thread reads at
once (cancellations and recalls of queued tasks).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection

from .channel import Channel
from .child import child_main
from .messages import Control, FromChild, ToChild
from .runtime import ChildSettings

# spawn, never fork: the worker has gRPC threads, which do not survive a fork.
_SPAWN = multiprocessing.get_context("spawn")


class ChildProcess:
    """A spawned child running ``child.child_main``; each frame it sends (a list of messages) goes to
    ``on_message(child, messages)``.

    The loop watches the pipe and the process sentinel together, so a death is seen even if a
    subprocess of the task still holds the pipe open, and nothing the child sent before it died is lost:
    ``on_message`` gets None once, after the last frame, when the process has exited.
    """

    def __init__(
        self,
        task_modules: Sequence[str],
        *,
        name: str,
        on_message: Callable[[ChildProcess, list[FromChild] | None], None],
        settings: ChildSettings | None = None,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._deliver = on_message
        self.exited = asyncio.Event()
        ours, theirs = socket.socketpair()
        control_ours, control_theirs = socket.socketpair()
        work_end, control_end = Connection(theirs.detach()), Connection(control_theirs.detach())
        self._process = _SPAWN.Process(
            target=child_main,
            args=(work_end, control_end, list(task_modules), settings or ChildSettings()),
            name=name,
        )
        with _main_module_hidden():
            self._process.start()
        work_end.close()  # only the child holds its ends, so its death closes the pipes
        control_end.close()
        assert self._process.pid is not None
        self.pid: int = self._process.pid
        self._channel = Channel(ours, self._on_message)
        self._control = Channel(control_ours, _ignore)  # the child never writes to it
        self._sentinel = self._process.sentinel
        self._loop.add_reader(self._sentinel, self._on_exit)

    @property
    def exitcode(self) -> int | None:
        """How it ended (negative: the signal that killed it), once ``exited`` is set."""
        return self._process.exitcode if self.exited.is_set() else None

    def send(self, message: ToChild) -> bool:
        """Send on the work pipe in order without blocking the loop; False when the child is gone."""
        return self._channel.send(message)

    def control(self, message: Control) -> bool:
        """Send on the control pipe in order without blocking the loop; False when the child is gone."""
        return self._control.send(message)

    def receive_ready(self) -> None:
        """Handle what the child has sent by now, before this returns (not only at the loop's next turn)."""
        self._channel.read_ready()

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
        self._channel.close()
        self._control.close()

    def _on_message(self, frame: list[FromChild] | None) -> None:
        if frame is not None:  # None: the pipe closed; the end is told once the process exited
            self._deliver(self, frame)

    def _on_exit(self) -> None:
        self._loop.remove_reader(self._sentinel)
        self._channel.drain_and_close()  # what it sent before dying, then no more
        self._process.join()  # it exited: this only reaps it
        self.exited.set()
        self._deliver(self, None)


def _ignore(_: object) -> None:
    pass


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
