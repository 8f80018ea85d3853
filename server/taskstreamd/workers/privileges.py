"""Who a worker and its tasks run as, and keeping the worker's memory from its own tasks.

Tasks run in child processes of their worker, as the worker's user, so a task can do what that user can:
read its files, signal its processes. Two things keep the worker's secrets (its token) from its tasks:

- ``hide_memory`` makes the worker process not dumpable (``prctl(PR_SET_DUMPABLE, 0)``): its
  ``/proc/PID/environ``, ``mem`` and ``fd`` belong to root then, and a process of the same user can
  neither read them nor attach to it. (Its task processes are started with ``exec``, which makes them
  dumpable again; they hold nothing of the worker's.)
- a worker started by root runs as another user (``WorkerUser``): the server starts its local workers
  as that user, and ``taskstreamd worker --user`` switches to it after reading its token and TLS files.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pwd
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PR_SET_DUMPABLE = 4
DEFAULT_ROOT_WORKER_USER = "nobody"  # whom a root server's local workers run as, unless told otherwise


@dataclass(frozen=True)
class WorkerUser:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str

    @classmethod
    def named(cls, name: str) -> WorkerUser:
        """The user ``name`` (or a numeric uid); ValueError when there is none."""
        try:
            entry = pwd.getpwuid(int(name)) if name.isdigit() else pwd.getpwnam(name)
        except (KeyError, ValueError):
            raise ValueError(f"there is no user {name!r}") from None
        groups = tuple(os.getgrouplist(entry.pw_name, entry.pw_gid))
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, groups, entry.pw_dir)

    @classmethod
    def current(cls) -> WorkerUser:
        return cls.named(str(os.geteuid()))

    @property
    def is_current(self) -> bool:
        return self.uid == os.geteuid()

    def spawn_options(self) -> dict[str, Any]:
        """Options of ``subprocess`` / ``asyncio.create_subprocess_exec`` that start a process as this
        user (none when it is the current one)."""
        if self.is_current:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` with this user's HOME, USER and LOGNAME."""
        return {**base, "HOME": self.home, "USER": self.name, "LOGNAME": self.name}


def resolve(name: str | None) -> WorkerUser:
    """The user local workers run as: ``name``, or by default ``nobody`` for a root server and the
    server's own user otherwise. ValueError when it is unknown, or another user while not root."""
    if name is None:
        return WorkerUser.named(DEFAULT_ROOT_WORKER_USER) if os.geteuid() == 0 else WorkerUser.current()
    user = WorkerUser.named(name)
    if not user.is_current and os.geteuid() != 0:
        raise ValueError(f"only a server running as root can run its workers as {user.name!r}")
    return user


def become(user: WorkerUser) -> None:
    """Switch this process to ``user`` for good (groups, then group, then user); needs root unless it is
    the current user. The process is then not dumpable either: Linux does that on such a switch."""
    if user.is_current:
        return
    os.setgroups(list(user.groups))
    os.setgid(user.gid)
    os.setuid(user.uid)
    os.environ.update(HOME=user.home, USER=user.name, LOGNAME=user.name)


def leave_unreachable_directory() -> None:
    """Move to ``/`` when this process's user cannot pass to its working directory.

    A worker started by root in a directory its own user cannot enter (``/root``, a ``mktemp -d`` checkout)
    would otherwise start no task: each task's process begins by changing to its parent's directory.
    """
    try:
        reachable = os.access(os.getcwd(), os.X_OK)
    except OSError:  # the directory is gone, or not even its path can be read
        reachable = False
    if not reachable:
        os.chdir("/")


def hide_memory() -> None:
    """Make this process not dumpable, so processes of its own user cannot read its memory and
    environment or attach to it (Linux; nothing elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")
