"""The data directory: its owner's alone, and used by one server at a time.

It holds every project's parameters, results and output (the SQLite store and its -wal / -shm), the
warehouse, the Logview secret and the local workers' socket, so it is created 0700 and what is created in
it 0600, by a umask around the creation rather than a chmod after it (which would leave a moment when the
file is readable). SQLite creates -wal and -shm later, with the mode of their database, so 0600 as well.

A server takes an exclusive lock on ``taskstreamd.lock`` in it before it touches the store, so a second
server on the same directory stops at once, naming the pid of the first. Replicas that share a PostgreSQL
database each have a data directory of their own.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILE = "taskstreamd.lock"
PRIVATE_UMASK = 0o077


class DataDirBusy(OSError):
    """Another server holds the data directory."""


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files, directories and sockets created meanwhile are readable by their owner only.

    The umask belongs to the process: use this while the server starts, before it runs anything else."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def prepare(path: Path) -> None:
    """Creates the data directory 0700 (its parents as the umask says), or makes an existing one, and the
    files in it, private to their owner again, with one warning line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with private_files(), contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    if not path.is_dir():
        raise NotADirectoryError(f"the data directory {path} is not a directory")
    tightened = [entry for entry in (path, *path.iterdir()) if _tighten(entry)]
    if tightened:
        log.warning(
            "the data directory %s had %d entries other users could read (%s); they are now its owner's only",
            path,
            len(tightened),
            ", ".join(entry.name or str(entry) for entry in tightened[:5]),
        )


def _tighten(entry: Path) -> bool:
    """Takes group and other permissions off a directory, file or socket; True when it had any."""
    info = entry.lstat()
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISLNK(info.st_mode) or not mode & 0o077:
        return False
    entry.chmod(mode & 0o700)
    return True


class DataDirLock:
    """An exclusive flock on the data directory's lock file, held until ``release`` or the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path / LOCK_FILE
        with private_files():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise DataDirBusy(
                f"the data directory {path} is in use by another taskstreamd (pid {holder})"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor releases the lock
            self._fd = None
