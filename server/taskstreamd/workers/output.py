"""Supervisor side: a slot's output files, and each task's range of them cut to the server's cap.

A slot's child appends every task's output to the same two files; a task's output is the bytes between
the offsets its start and its end name. While the task runs, the head (the first cap/2 bytes) is sent as
it grows. When the task ends the rest is sent: everything, if the stream fits in the cap, else the last
cap/2 bytes at their real offset; the gap between head and tail tells the server how much was cut.
Chunk offsets count from the task's first byte. Files that grew past ``ROTATE_BYTES`` are replaced by new
ones for the next tasks, and removed once no task still being read uses them.
"""

from __future__ import annotations

import contextlib
import itertools
import os

from .messages import MARK_BYTES, OutputPaths, StartMark

CHUNK_BYTES = 64 * 1024
ROTATE_BYTES = 64 * 1024 * 1024

Chunk = tuple[int, bytes]  # (offset in the task's stream, data)


class OutputFile:
    """One file the child appends to, open here for reading; removed when the last user releases it."""

    def __init__(self, path: str) -> None:
        self.path = path
        # Created here (and must be new) so it exists before the child appends to it and we read it.
        self.fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._users = 1  # the slot, until it rotates to a new file

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def acquire(self) -> OutputFile:
        self._users += 1
        return self

    def release(self) -> None:
        self._users -= 1
        if self._users == 0:
            os.close(self.fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


class SlotFiles:
    """The pair of files a slot's tasks write to now (``rotate_if_large`` starts a new pair), and the
    slot's started file (messages.StartMark)."""

    def __init__(self, base: str) -> None:
        self._base = base
        self._numbers = itertools.count(1)
        self._started = OutputFile(f"{base}.started")
        os.truncate(self._started.path, MARK_BYTES)  # zeros: no task (seqs start at 1)
        try:
            self.stdout, self.stderr = self._new_pair()
        except BaseException:
            self._started.release()
            raise
        self.written = 0  # the largest end offset seen, to rotate without a system call

    def paths(self) -> OutputPaths:
        return OutputPaths(self.stdout.path, self.stderr.path, self._started.path)

    def read_mark(self) -> StartMark | None:
        """The last task the child marked as begun (see messages.StartMark)."""
        return StartMark.unpack(os.pread(self._started.fd, MARK_BYTES, 0))

    def rotate_if_large(self) -> bool:
        """Start new files if these grew past ROTATE_BYTES; True when the child must be told."""
        if self.written < ROTATE_BYTES:
            return False
        old = (self.stdout, self.stderr)
        self.stdout, self.stderr = self._new_pair()
        self.written = 0
        for file in old:
            file.release()
        return True

    def close(self) -> None:
        self.stdout.release()
        self.stderr.release()
        self._started.release()

    def _new_pair(self) -> tuple[OutputFile, OutputFile]:
        number = next(self._numbers)
        stdout = OutputFile(f"{self._base}-{number}.stdout")
        try:
            stderr = OutputFile(f"{self._base}-{number}.stderr")
        except BaseException:
            stdout.release()
            raise
        return stdout, stderr


class OutputRange:
    """One stream of one task: where it starts in its file and how much of it was sent."""

    def __init__(self, file: OutputFile, start: int, max_bytes: int) -> None:
        """``max_bytes`` is the cap per stream; 0 or less keeps everything."""
        self._file: OutputFile | None = file.acquire()
        self._start = start
        self._max_bytes = max_bytes
        self._head_limit = max_bytes // 2 if max_bytes > 0 else None
        self._sent = 0  # relative to start
        self.total_bytes = 0

    def file_size(self) -> int:
        return self._opened().size()

    def poll(self, size: int) -> list[Chunk]:
        """New bytes of the head written since the last call, given the file's ``size`` now."""
        end = size - self._start
        if self._head_limit is not None:
            end = min(end, self._head_limit)
        return self._read(end)

    def finish(self, end: int | None) -> list[Chunk]:
        """The remaining chunks once the task ended at file offset ``end`` (None: where the file ends
        now, for a task whose process died); sets ``total_bytes`` and releases the file."""
        try:
            total = max((self._opened().size() if end is None else end) - self._start, 0)
            self.total_bytes = total
            if self._head_limit is None or total <= self._max_bytes:
                return self._read(total)
            chunks = self._read(self._head_limit)
            self._sent = total - self._head_limit  # skip the middle
            return chunks + self._read(total)
        finally:
            self.release()

    def release(self) -> None:
        if self._file is not None:
            self._file.release()
            self._file = None

    def _opened(self) -> OutputFile:
        if self._file is None:
            raise ValueError("the task's output was already read to its end")
        return self._file

    def _read(self, end: int) -> list[Chunk]:
        chunks: list[Chunk] = []
        while self._sent < end:
            data = os.pread(self._opened().fd, min(CHUNK_BYTES, end - self._sent), self._start + self._sent)
            if not data:
                break
            chunks.append((self._sent, data))
            self._sent += len(data)
        return chunks
