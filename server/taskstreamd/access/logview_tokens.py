"""Logview tokens: HMAC-SHA256 signatures granting read access to one instance until they expire.

A token is ``{expires}.{signature}``: ``expires`` in Unix seconds, ``signature`` the URL-safe base64 of
HMAC-SHA256(secret, "logview/v1/{project}/{instance_id}/{expires}"). The secret is generated once per data
directory (``logview.key``, mode 0600) so that addresses handed out survive restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "logview.key"
DEFAULT_HOURS = 720  # as PyODPS's options.logview_hours
MAX_HOURS = 24 * 365


class TokenError(Exception):
    """A token that grants nothing: malformed, signed for something else, or expired."""


@dataclass(frozen=True)
class Signer:
    secret: bytes
    clock: Callable[[], float] = time.time

    def sign(self, project: str, instance_id: str, hours: float = DEFAULT_HOURS) -> tuple[str, int]:
        """A token for the instance and the Unix time it expires."""
        expires = int(self.clock() + hours * 3600)
        return f"{expires}.{self._signature(project, instance_id, expires)}", expires

    def verify(self, token: str, project: str, instance_id: str) -> int:
        """The token's expiry when it grants access to the instance now; raises TokenError otherwise."""
        expires_text, _, signature = token.partition(".")
        if not expires_text.isdigit() or not signature or len(expires_text) > 12:
            raise TokenError("the token is malformed")
        expires = int(expires_text)
        if not hmac.compare_digest(signature, self._signature(project, instance_id, expires)):
            raise TokenError("the token is not valid for this instance")
        if self.clock() >= expires:
            raise TokenError("the token has expired")
        return expires

    def _signature(self, project: str, instance_id: str, expires: int) -> str:
        message = f"logview/v1/{project}/{instance_id}/{expires}".encode()
        digest = hmac.new(self.secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def load_secret(data_dir: Path) -> bytes:
    """The data directory's signing secret, created on first use with owner-only permissions."""
    path = data_dir / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = bytes.fromhex(path.read_text().strip())
        if len(secret) < 16:
            raise ValueError(f"{path} holds too short a secret; delete it to make a new one") from None
        return secret
    secret = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as f:
        f.write(secret.hex() + "\n")
    return secret
