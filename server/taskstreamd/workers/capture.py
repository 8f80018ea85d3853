"""Child side: point file descriptors 1 and 2 at a task's output files while it runs.

Capturing at the descriptor level (dup2) rather than swapping sys.stdout also catches what C extensions
and subprocesses write, since they inherit or write to fds 1 and 2 directly.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def captured_output(stdout_path: str, stderr_path: str) -> Iterator[None]:
    """Append everything written to fds 1 and 2 inside the block to the two files."""
    _flush_python_streams()  # earlier output must not land in this task's files
    saved = (os.dup(1), os.dup(2))
    try:
        for fd, path in ((1, stdout_path), (2, stderr_path)):
            # O_APPEND keeps concurrent writers (the task and its subprocesses) from overwriting each other.
            target = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.dup2(target, fd)
            finally:
                os.close(target)
        yield
    finally:
        _flush_python_streams()  # buffered prints belong to this task
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


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


def _flush_python_streams() -> None:
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
