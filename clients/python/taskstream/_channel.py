"""How a client reaches the server: plaintext or TLS (optionally with a client certificate), and the
metadata every call sends (the user name, and the bearer token when there is one)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import grpc

USER_METADATA_KEY = "x-taskstream-user"
TOKEN_ENV = "TASKSTREAM_TOKEN"

# Large SQL results come back in one GetTaskResult answer; the server refuses results past 48 MiB.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]

# PEM data as bytes, or the path of a PEM file.
Pem = bytes | str | os.PathLike[str]


@dataclass(frozen=True)
class Connection:
    credentials: grpc.ChannelCredentials | None  # None: plaintext
    metadata: tuple[tuple[str, str], ...]

    def channel(self, target: str) -> grpc.Channel:
        if self.credentials is None:
            return grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        return grpc.secure_channel(target, self.credentials, options=CHANNEL_OPTIONS)

    def aio_channel(self, target: str) -> grpc.aio.Channel:
        if self.credentials is None:
            return grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        return grpc.aio.secure_channel(target, self.credentials, options=CHANNEL_OPTIONS)


def connection(
    user: str,
    *,
    token: str | None,
    tls: bool,
    root_certificates: Pem | None,
    client_certificate: Pem | None,
    client_key: Pem | None,
) -> Connection:
    """TLS is on with ``tls`` or any certificate given; ``token`` None reads ``TASKSTREAM_TOKEN``."""
    if (client_certificate is None) != (client_key is None):
        raise ValueError("client_certificate and client_key go together")
    credentials = None
    if tls or root_certificates is not None or client_certificate is not None:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_pem(root_certificates),
            private_key=_pem(client_key),
            certificate_chain=_pem(client_certificate),
        )
    if token is None:
        token = os.environ.get(TOKEN_ENV, "")
    metadata: tuple[tuple[str, str], ...] = ((USER_METADATA_KEY, user),)
    if token:
        metadata += (("authorization", f"Bearer {token}"),)
    return Connection(credentials, metadata)


def _pem(value: Pem | None) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return Path(value).read_bytes()
