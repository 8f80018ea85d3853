"""How a worker reaches its server: plain or TLS (optionally mutual) channel, and a bearer token.

The token goes in every call's metadata as ``authorization: Bearer <token>``; TLS uses grpc's ssl
credentials, with the client certificate and key for mutual TLS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

TOKEN_ENV = "TASKSTREAM_TOKEN"


@dataclass(frozen=True)
class ServerAccess:
    token: str = ""
    tls_ca: bytes | None = None  # None with TLS: the system's roots
    tls_cert: bytes | None = None
    tls_key: bytes | None = None
    tls: bool = False

    @classmethod
    def load(
        cls,
        *,
        token_file: str | None = None,
        tls_ca: str | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
    ) -> ServerAccess:
        """Reads the files named; the token comes from ``token_file``, else from $TASKSTREAM_TOKEN, which
        is then taken out of the environment, so that task processes do not inherit it."""
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("mutual TLS needs both a client certificate and its key")
        from_environment = os.environ.pop(TOKEN_ENV, "").strip()
        token = Path(token_file).read_text().strip() if token_file else from_environment
        return cls(
            token=token,
            tls_ca=_read(tls_ca),
            tls_cert=_read(tls_cert),
            tls_key=_read(tls_key),
            tls=any(p is not None for p in (tls_ca, tls_cert, tls_key)),
        )

    def channel(self, target: str, options: list[tuple[str, Any]]) -> grpc.aio.Channel:
        if not self.tls:
            return grpc.aio.insecure_channel(target, options=options)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.tls_ca, private_key=self.tls_key, certificate_chain=self.tls_cert
        )
        return grpc.aio.secure_channel(target, credentials, options=options)

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()


def _read(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None
