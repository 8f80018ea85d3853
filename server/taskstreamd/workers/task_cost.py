"""Child side: what one task costs its process, measured around the task (TaskFinished.cost).

A task process runs task after task, so its totals mix them; the meter takes differences instead:

- CPU: the process's own CPU time (user and system, every thread) and that of the child processes it
  waited for (``RUSAGE_CHILDREN``), from just before the task to just after it. Processes the task left
  running are ended and reaped after the measurement (``leftovers``), so they count for no task.
- Peak memory: Linux keeps a process's resident high-water mark (VmHWM). Writing "5" to
  /proc/self/clear_refs (Linux 4.0 on) sets it back to the current resident size, so after the task
  VmHWM is the task's peak, including what the process held before it began. getrusage's ru_maxrss
  cannot serve: it also holds the peak of memory the process had before its exec, and of threads that
  exited, and is never reset.

Where the mark cannot be reset (no /proc, an older kernel, a process made undumpable) the peak is 0,
"unknown", rather than the process's lifetime peak, which may be an earlier task's.

The cost on the task path is about 5 microseconds (most of it the kernel writing /proc/self/status):
two clock reads, two getrusage calls, one write and one read of /proc through descriptors opened once.
The one written to is checked by inode before each write: a task may close descriptors it does not own,
and a number reused by one of its files must never receive our "5".
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from typing import NamedTuple

_RESET_HIGH_WATER_MARK = b"5"
_HIGH_WATER_MARK = b"VmHWM:"
_STATUS_HEAD = 1024  # VmHWM sits within the first few hundred bytes of /proc/self/status


class Begun(NamedTuple):
    """What the meter read just before a task: the process's CPU seconds and its waited children's."""

    own_cpu: float
    children_cpu: float


class _ProcFile:
    """A /proc/self file kept open; ``fd`` is None once it turned out unusable."""

    def __init__(self, path: str, flags: int) -> None:
        self.path = path
        self.flags = flags
        self.fd: int | None = None
        self.identity: tuple[int, int] | None = None
        self.open()

    def open(self) -> None:
        try:
            self.fd = os.open(self.path, self.flags)
            stat = os.fstat(self.fd)
            self.identity = (stat.st_dev, stat.st_ino)
        except OSError:
            self.fd = None

    def checked(self) -> int | None:
        """The descriptor, opened again if the task closed it (or its number now names another file)."""
        fd = self.fd
        if fd is None:
            return None
        try:
            stat = os.fstat(fd)
            if (stat.st_dev, stat.st_ino) == self.identity:
                return fd
        except OSError:
            pass
        self.open()  # never close ``fd``: it is not ours any more
        return self.fd

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


class CostMeter:
    """Measures the tasks of this process one after another (``begin`` then ``end`` around each)."""

    def __init__(self, proc: str = "/proc/self") -> None:
        self._reset = _ProcFile(f"{proc}/clear_refs", os.O_WRONLY)
        self._status = _ProcFile(f"{proc}/status", os.O_RDONLY)
        self.peak_known = self._reset.fd is not None and self._status.fd is not None
        if self.peak_known:
            self.peak_known = self._reset_peak() and self._read_peak() > 0

    def begin(self) -> Begun:
        if self.peak_known and not self._reset_peak():
            self.peak_known = False
        return Begun(time.process_time(), _children_cpu())

    def end(self, begun: Begun) -> tuple[float, int]:
        """The task's CPU seconds and peak resident bytes (0: unknown) since ``begin``."""
        cpu = time.process_time() - begun.own_cpu + _children_cpu() - begun.children_cpu
        return max(cpu, 0.0), self._read_peak() if self.peak_known else 0

    def close(self) -> None:
        self._reset.close()
        self._status.close()

    def _reset_peak(self) -> bool:
        fd = self._reset.checked()
        if fd is None:
            return False
        try:
            os.write(fd, _RESET_HIGH_WATER_MARK)
        except OSError:  # EINVAL before Linux 4.0
            return False
        return True

    def _read_peak(self) -> int:
        # Read unchecked (a read does no harm, and fstat would add to every task): the check comes only
        # when what was read is not a status, as a descriptor closed or reused by the task gives.
        peak = _peak_of(self._status.fd)
        if peak is None:
            peak = _peak_of(self._status.checked())
        return peak or 0


def _peak_of(fd: int | None) -> int | None:
    if fd is None:
        return None
    try:
        peak = _high_water_mark(os.pread(fd, _STATUS_HEAD, 0))
        if peak is None:  # a very long line before it (Groups): read it all
            peak = _high_water_mark(os.pread(fd, 1 << 16, 0))
    except OSError:
        return None
    return peak


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _high_water_mark(status: bytes) -> int | None:
    """VmHWM of a /proc/PID/status text, in bytes; None when it is not in ``status``."""
    start = status.find(_HIGH_WATER_MARK)
    if start < 0:
        return None
    end = status.find(b"kB", start)
    if end < 0:
        return None
    try:
        return int(status[start + len(_HIGH_WATER_MARK) : end]) * 1024
    except ValueError:
        return None
