"""Keeping a root server's data directory from the user its local workers (and so its tasks) run as.

When the worker user is not the server's own, the server creates everything with umask 077 and makes
the data directory 0711: the worker user may pass through it to ``warehouse/`` (its own, 0700), but can
list nothing and read none of the server's files (``taskstream.db``, ``logview.key``, the workers'
socket), which are owner-only. Files an earlier run left readable are made owner-only at start.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from taskstreamd.workers.privileges import WorkerUser

PRIVATE_UMASK = 0o077
PASS_THROUGH = 0o711  # others may reach a known name inside, not list or read


def protect_data_dir(data_dir: Path, user: WorkerUser) -> None:
    """Make ``data_dir`` (created if missing) the server's alone, passable for ``user``; from now on the
    server creates files for itself only."""
    if user.is_current:
        return  # tasks run as the server's user: file modes cannot keep anything from them
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(data_dir, PASS_THROUGH)
    for entry in data_dir.iterdir():
        mode = entry.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            os.chmod(entry, stat.S_IMODE(mode) & 0o700)


def give_warehouse(warehouse: Path, user: WorkerUser) -> None:
    """The embedded warehouse's directory and files become ``user``'s (its tasks create and change them)."""
    if user.is_current:
        return
    for path in [warehouse, *warehouse.rglob("*")]:  # files an earlier worker user made too
        os.chown(path, user.uid, user.gid, follow_symlinks=False)
    os.chmod(warehouse, 0o700)


def give_socket(path: Path, user: WorkerUser) -> None:
    """The local workers' Unix socket (TLS mode), owner-only: the worker user's when it is another."""
    os.chmod(path, 0o600)
    if not user.is_current:
        os.chown(path, user.uid, user.gid)
