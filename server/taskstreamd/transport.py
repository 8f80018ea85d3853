"""Transport security of the server's ports: TLS / mutual TLS credentials, and the refusal to send bearer
tokens in the clear over a network."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

import grpc


class InsecureConfiguration(ValueError):
    """The server was asked to do something unsafe without saying it is intended."""


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    client_ca: Path | None = None  # when given, every gRPC client must present a certificate it signed

    def grpc_credentials(self) -> grpc.ServerCredentials:
        ca = self.client_ca.read_bytes() if self.client_ca is not None else None
        return grpc.ssl_server_credentials(
            [(self.key.read_bytes(), self.cert.read_bytes())],
            root_certificates=ca,
            require_client_auth=ca is not None,
        )

    def http_context(self) -> ssl.SSLContext:
        """HTTPS for the web port with the same certificate. Browsers send no client certificate, so the
        Logview pages rely on their signed tokens instead of mutual TLS."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def tls_files(cert: Path | None, key: Path | None, client_ca: Path | None) -> TlsFiles | None:
    """The TLS configuration, None for plaintext; ValueError when the options do not fit together."""
    if cert is None and key is None:
        if client_ca is not None:
            raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
        return None
    if cert is None or key is None:
        raise ValueError("--tls-cert and --tls-key go together")
    for path in (cert, key, client_ca):
        if path is not None and not path.is_file():
            raise ValueError(f"no such file: {path}")
    return TlsFiles(cert, key, client_ca)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_exposure(
    host: str, *, auth: bool, tls: bool, allow_insecure_auth: bool, option: str = "--listen"
) -> None:
    """Bearer tokens over plaintext on a non-loopback address would be readable on the network: the gRPC
    port's, and the web port's (Logview tokens, and bearer tokens for /metrics)."""
    if auth and not tls and not is_loopback(host) and not allow_insecure_auth:
        raise InsecureConfiguration(
            f"authentication is on but {option} {host} is not a loopback address and TLS is off, so tokens "
            "would cross the network in the clear; add --tls-cert/--tls-key, or "
            "--allow-insecure-auth if something else (a proxy, a private network) protects the traffic"
        )
