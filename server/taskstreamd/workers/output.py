"""Supervisor side: read a task's captured output file and cut it to the server's cap.

While the task runs, the head (the first cap/2 bytes) is sent as it grows. When the task ends the rest
is sent: everything, if the stream fits in the cap, else the last cap/2 bytes at their real offset; the
gap between head and tail tells the server how much was cut.
"""

from __future__ import annotations

import contextlib
import os

CHUNK_BYTES = 64 * 1024

Chunk = tuple[int, bytes]  # (offset in the stream, data)


class OutputFile:
    """One stream of one task: the file the child appends to and how much of it was sent."""

    def __init__(self, path: str, max_bytes: int) -> None:
        """``max_bytes`` is the cap per stream; 0 or less keeps everything."""
        self.path = path
        self._max_bytes = max_bytes
        self._head_limit = max_bytes // 2 if max_bytes > 0 else None
        # Created here (and must be new) so it exists before the child appends to it and we read it.
        self._fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._sent = 0
        self.total_bytes = 0

    def poll(self) -> list[Chunk]:
        """New bytes of the head written since the last call."""
        end = self._size()
        if self._head_limit is not None:
            end = min(end, self._head_limit)
        return self._read(end)

    def finish(self) -> list[Chunk]:
        """The remaining chunks to send once the task ended; sets ``total_bytes``.

        The size is taken now, so bytes a leftover subprocess writes later are not counted.
        """
        total = self._size()
        self.total_bytes = total
        if self._head_limit is None or total <= self._max_bytes:
            return self._read(total)
        chunks = self._read(self._head_limit)
        self._sent = total - self._head_limit  # skip the middle
        return chunks + self._read(total)

    def close(self) -> None:
        os.close(self._fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def _size(self) -> int:
        return os.fstat(self._fd).st_size

    def _read(self, end: int) -> list[Chunk]:
        chunks: list[Chunk] = []
        while self._sent < end:
            data = os.pread(self._fd, min(CHUNK_BYTES, end - self._sent), self._sent)
            if not data:
                break
            chunks.append((self._sent, data))
            self._sent += len(data)
        return chunks
