"""Supervisor side of the pipe to a task process, run on the event loop itself.

The child keeps its ``multiprocessing.Connection`` (a blocking reader thread suits a process whose main
thread runs the task). The worker's end is the plain socket under it, read and written from the loop: a
message costs one system call each way instead of a hop through a thread, which for short tasks was a
large part of the worker's CPU. Frames are those ``Connection`` uses: a 4-byte big-endian signed length
(-1 then an 8-byte length for huge ones) and a pickle.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import socket
import struct
from collections.abc import Callable
from typing import Any

_log = logging.getLogger(__name__)

_SHORT = struct.Struct("!i")
_LONG = struct.Struct("!Q")
_READ_BYTES = 256 * 1024
# The most a closing channel reads after its process exited: a descendant that inherited the socket
# and keeps writing must not hold the loop.
_DRAIN_LIMIT = 64 * 1024 * 1024


def encode(message: object) -> bytes:
    """One frame as ``Connection.recv`` reads it."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    size = len(payload)
    header = _SHORT.pack(size) if size <= 0x7FFFFFFF else _SHORT.pack(-1) + _LONG.pack(size)
    return header + payload


class Channel:
    """Sends pickled messages and hands every received one to ``on_message``, in order.

    ``on_message`` gets None once, after the last message, when the peer closed its end or ``close``
    was called. Writes never block: what the socket does not take now is kept and sent when it can be.
    """

    def __init__(self, sock: socket.socket, on_message: Callable[[Any], None]) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._on_message = on_message
        self._loop = asyncio.get_running_loop()
        self._inbound = bytearray()
        self._outbound = bytearray()
        self._open = True
        self._loop.add_reader(sock.fileno(), self._on_readable)

    @property
    def open(self) -> bool:
        return self._open

    def send(self, message: object) -> bool:
        """Queue a message for the peer; False when the channel is closed or broken."""
        if not self._open:
            return False
        frame = encode(message)
        if self._outbound:
            self._outbound += frame  # keep the order: the writer callback sends the backlog first
            return True
        try:
            sent = self._sock.send(frame)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self.close()  # the peer is gone
            return False
        if sent < len(frame):
            self._outbound += frame[sent:]
            self._loop.add_writer(self._sock.fileno(), self._on_writable)
        return True

    def read_ready(self) -> None:
        """Read and deliver what the peer has sent by now (bounded, as a closing channel is)."""
        drained = 0
        while self._open and drained < _DRAIN_LIMIT:
            read = self._read_once()
            if read == 0:
                self.close()
            if read <= 0:
                return
            drained += read

    def drain_and_close(self) -> None:
        """Read what the peer left in the socket (it has exited), deliver it, then close."""
        drained = 0
        while self._open and drained < _DRAIN_LIMIT:
            read = self._read_once()
            if read <= 0:
                break
            drained += read
        self.close()

    def close(self) -> None:
        """Stop reading and writing; deliver the end (None) once."""
        if not self._open:
            return
        self._open = False
        fd = self._sock.fileno()
        self._loop.remove_reader(fd)
        if self._outbound:
            self._loop.remove_writer(fd)
            self._outbound.clear()
        self._sock.close()
        self._on_message(None)

    def _on_readable(self) -> None:
        if self._read_once() == 0:
            self.close()

    def _read_once(self) -> int:
        """Read and deliver what is available: bytes read, 0 at the end, -1 when nothing is there yet."""
        try:
            data = self._sock.recv(_READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return -1
        except OSError:
            data = b""
        if not data:
            return 0
        self._inbound += data
        self._deliver()
        return len(data)

    def _deliver(self) -> None:
        buffer = self._inbound
        start = 0
        while True:
            header = _SHORT.size
            if len(buffer) - start < header:
                break
            (size,) = _SHORT.unpack_from(buffer, start)
            if size == -1:
                if len(buffer) - start < header + _LONG.size:
                    break
                (size,) = _LONG.unpack_from(buffer, start + header)
                header += _LONG.size
            end = start + header + size
            if len(buffer) < end:
                break
            payload = buffer[start + header : end]
            start = end
            try:
                message = pickle.loads(payload)
            except Exception:  # one bad message must not lose the ones after it
                _log.exception("cannot read a message from a task process")
                continue
            self._on_message(message)
        if start:
            del buffer[:start]

    def _on_writable(self) -> None:
        try:
            sent = self._sock.send(self._outbound)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        del self._outbound[:sent]
        if not self._outbound:
            self._loop.remove_writer(self._sock.fileno())
