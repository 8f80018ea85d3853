"""A TCP forwarder on 127.0.0.1:0 whose connections a test can cut, to drop streams mid-flight, or hold,
to partition the two sides without either seeing the connection end."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

# Channels through the proxy need their own connections: gRPC shares subchannels between channels to
# the same address unless told not to, and a cut connection would otherwise be reused.
CHANNEL_OPTIONS = [("grpc.use_local_subchannel_pool", 1)]


class CuttableProxy:
    def __init__(self, target: str) -> None:
        host, _, port = target.rpartition(":")
        self._target = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        self._flowing = threading.Event()
        self._flowing.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Resets every open connection; new connections are still accepted."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            with contextlib.suppress(OSError):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # send RST
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def hold(self) -> None:
        """Stops forwarding in both directions; what is sent meanwhile waits (a network partition)."""
        self._flowing.clear()

    def release(self) -> None:
        """Forwards again, starting with what was held back."""
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self._flowing.set()
        self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self._flowing.wait()
                sink.sendall(data)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
