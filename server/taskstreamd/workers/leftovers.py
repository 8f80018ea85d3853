"""Child side: end the processes a task left behind when it returned.

A task may start subprocesses and return without waiting for them, or daemonize one (fork, setsid,
fork) out of its process group, where the group kill on cancel cannot reach it. The task process makes
itself a child subreaper (Linux), so every orphaned descendant is re-parented to it instead of to init;
after each task it kills its remaining descendants and reaps them, so none keeps running, writes into
the next task's output, or stays a zombie. Processes that environment setup started are kept:
environments live as long as the task process. A task that started no process costs one system call
(a process without children has no descendants either: orphans come back to it), not a scan of /proc.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

PR_SET_CHILD_SUBREAPER = 36
MAX_ROUNDS = 50  # a descendant re-parented while we kill is found in the next round


def become_subreaper() -> bool:
    """False where the kernel offers no subreapers (then only direct children are ended)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def children(pid: int | None = None) -> set[int]:
    """The direct children of a process (this one by default)."""
    pid = os.getpid() if pid is None else pid
    found: set[int] = set()
    tasks = f"/proc/{pid}/task"
    try:
        threads = os.listdir(tasks)  # plain os calls: this runs after every task
    except OSError:
        return found
    for thread in threads:
        with contextlib.suppress(OSError), open(f"{tasks}/{thread}/children", "rb") as f:
            found.update(int(p) for p in f.read().split())
    return found


def end_descendants(keep: set[int] | frozenset[int] = frozenset()) -> int:
    """SIGKILLs and reaps every descendant but ``keep`` (and theirs); how many were ended."""
    ended = 0
    for _ in range(MAX_ROUNDS):
        # Zombies first: reaping them re-parents nothing, and they must not be counted as alive.
        if not _reap_exited():
            break  # no child at all, so no descendant: the common case costs no /proc scan
        targets = children() - set(keep)
        if not targets:
            break
        for pid in targets:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in targets:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)  # its own children are now ours (subreaper): the next round gets them
                ended += 1
    return ended


def _reap_exited() -> bool:
    """Reaps the children that exited; whether any child is left."""
    try:
        while True:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return True
    except ChildProcessError:
        return False
