"""Child side: file descriptors 1 and 2 point at the slot's output files, and each task's output is the
range of bytes appended to them while it ran.

Capturing at the descriptor level (dup2) rather than swapping sys.stdout also catches what C extensions
and subprocesses write, since they inherit or write to fds 1 and 2 directly. The files are the slot's for
many tasks (the worker rotates them when they grow), so a task costs a few system calls, not two files.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys

from .messages import OutputPaths, StartMark


class SlotStreams:
    """The slot's two output files (and its started file) as this process writes them."""

    def __init__(self) -> None:
        self._fds: tuple[int, int] | None = None
        self._started: tuple[str, int] | None = None  # path, fd
        # The streams the process started with, for what it writes once it stops running tasks.
        self._original = (os.dup(1), os.dup(2))

    def switch(self, paths: OutputPaths) -> None:
        """Append to these files from now on (the worker created them)."""
        # O_APPEND keeps concurrent writers (the task and its subprocesses) from overwriting each other.
        fds = (
            os.open(paths.stdout, os.O_WRONLY | os.O_APPEND),
            os.open(paths.stderr, os.O_WRONLY | os.O_APPEND),
        )
        self._close()
        self._fds = fds
        if self._started is None or self._started[0] != paths.started:
            if self._started is not None:
                os.close(self._started[1])
            self._started = (paths.started, os.open(paths.started, os.O_WRONLY))

    def mark_started(self, mark: StartMark) -> None:
        """Record that a task began, where the worker reads it without a message (see StartMark)."""
        if self._started is None:
            raise RuntimeError("the worker named no started file before the first task")
        os.pwrite(self._started[1], mark.pack(), 0)

    def begin(self) -> tuple[int, int]:
        """Point fds 1 and 2 at the files for a task; where its output starts (the task before flushed
        its prints in ``end``)."""
        fds = self._files()
        # Again for every task: the one before may have closed or redirected its fds 1 and 2.
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        return os.lseek(fds[0], 0, os.SEEK_END), os.lseek(fds[1], 0, os.SEEK_END)

    def end(self) -> tuple[int, int]:
        """Where the task's output ends, its buffered prints included."""
        flush_python_streams()
        fds = self._files()
        return os.lseek(fds[0], 0, os.SEEK_END), os.lseek(fds[1], 0, os.SEEK_END)

    def restore(self) -> None:
        """Give fds 1 and 2 back to the streams the process started with (for environment teardown)."""
        flush_python_streams()
        os.dup2(self._original[0], 1)
        os.dup2(self._original[1], 2)

    def _files(self) -> tuple[int, int]:
        if self._fds is None:
            raise RuntimeError("the worker named no output files before the first task")
        return self._fds

    def _close(self) -> None:
        if self._fds is not None:
            for fd in self._fds:
                os.close(fd)
            self._fds = None


def prepare_standard_streams() -> None:
    """Make fds 0-2 valid and prints line-buffered, so capture works and output streams live.

    A worker started with closed standard streams would otherwise hand its children closed fds, and
    dup2 onto a closed fd 1 would make fd 1 the first file a task opens.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
    if sys.stdout is None:
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives as long as the process
    if sys.stderr is None:
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(line_buffering=True)


def flush_python_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            with contextlib.suppress(Exception):  # a task may have closed or replaced them
                stream.flush()
    if _LIBC is not None:
        _LIBC.fflush(None)  # C extensions' stdio buffers, which Python's flush does not reach


def _load_libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


_LIBC = _load_libc()
