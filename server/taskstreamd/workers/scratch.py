"""A worker's scratch directory (its slots' output files and start marks), and those dead workers left.

A worker removes its directory when it stops. One that was killed (SIGKILL, the OOM killer) cannot, and
its directory would stay in the temporary directory for good, with the last output of its tasks in it. So
each worker holds a lock on a file in its directory while it lives, and a worker that starts removes the
directories whose lock nobody holds: their worker is gone. A lock, not a pid in the name, because a pid can
be reused and means nothing in another pid namespace sharing the same /tmp; the kernel drops a dead
process's locks whoever it was.

Only directories of this worker's own user are looked at (they are 0700: another user's are not ours to
judge), and nothing is followed through a symbolic link.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass

PREFIX = "taskstream-worker-"
_ALIVE = ".alive"


@dataclass
class Scratch:
    """A live worker's directory; ``close`` removes it."""

    path: str
    _lock: int

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(self._lock)


def create(root: str | None = None) -> Scratch:
    path = tempfile.mkdtemp(prefix=PREFIX, dir=root)
    lock = os.open(os.path.join(path, _ALIVE), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
    return Scratch(path, lock)


def remove_abandoned(root: str | None = None) -> list[str]:
    """Removes this user's worker directories under ``root`` (the temporary directory) whose worker is
    gone; the paths removed."""
    root = root or tempfile.gettempdir()
    uid = os.getuid()
    removed: list[str] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == uid and _abandoned(entry.path):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def _abandoned(path: str) -> bool:
    """Whether nobody holds the directory's lock (one without a lock file is left alone: not ours)."""
    try:
        fd = os.open(os.path.join(path, _ALIVE), os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: its worker lives
    finally:
        os.close(fd)
    return True
