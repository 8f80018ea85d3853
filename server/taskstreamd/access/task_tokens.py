"""Bearer tokens the server hands a workflow's task so that its process can call the InstanceService as
the instance's owner, within the instance's project only (to start, follow and stop sub-instances).

A token names the project and the owner and carries its expiry, signed with the data directory's secret
(the one Logview addresses are signed with, which every replica of a deployment shares), so any replica
accepts it without storing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

PREFIX = "task."
DEFAULT_HOURS = 24.0


class TaskTokenError(Exception):
    """A token that looks like a task token but is not a valid one now."""


@dataclass(frozen=True)
class Grant:
    project: str
    owner: str


@dataclass(frozen=True)
class TaskTokens:
    secret: bytes
    clock: Callable[[], float] = time.time

    def mint(self, project: str, owner: str, hours: float = DEFAULT_HOURS) -> str:
        expires = int(self.clock() + hours * 3600)
        body = _encode(json.dumps([project, owner, expires], separators=(",", ":")).encode())
        return f"{PREFIX}{body}.{self._signature(body)}"

    def verify(self, token: str) -> Grant:
        """What the token grants; raises TaskTokenError when it is forged, malformed or expired."""
        body, _, signature = token.removeprefix(PREFIX).partition(".")
        if not body or not hmac.compare_digest(signature, self._signature(body)):
            raise TaskTokenError("the task token is not valid")
        try:
            project, owner, expires = json.loads(_decode(body))
        except ValueError as exc:
            raise TaskTokenError("the task token is malformed") from exc
        if not isinstance(project, str) or not isinstance(owner, str) or not isinstance(expires, int):
            raise TaskTokenError("the task token is malformed")
        if self.clock() >= expires:
            raise TaskTokenError("the task token has expired")
        return Grant(project, owner)

    def _signature(self, body: str) -> str:
        digest = hmac.new(self.secret, f"task/v1/{body}".encode(), hashlib.sha256).digest()
        return _encode(digest)


def is_task_token(token: str) -> bool:
    return token.startswith(PREFIX)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
