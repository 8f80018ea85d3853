"""Whether a TCP address can be listened on, asked before grpc binds it.

grpc reports a busy port with a log line of its own on stderr and a bare RuntimeError; a trial bind first
turns the common case into one clear line. (Another process can still take the port in between; grpc's
error then ends the start all the same.)
"""

from __future__ import annotations

import socket


def check_free(host: str, port: int) -> None:
    """Raises OSError naming the address when one of its resolved addresses cannot be bound now."""
    if port == 0:
        return  # the system picks a free port
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as trial:
            trial.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as grpc does
            try:
                trial.bind(address)
            except OSError as exc:
                raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
