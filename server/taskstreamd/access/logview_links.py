"""Logview addresses: a page per instance under the server's public URL, carrying a signed token that
grants reading that one instance until it expires."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

from taskstreamd.access.logview_tokens import Signer


@dataclass
class LogviewLinks:
    """Signs addresses of instance pages under ``public_url``."""

    signer: Signer
    public_url: str = ""
    server: str = ""  # the gRPC address, shown on the page (PyODPS's ``h``)

    def address(self, project: str, instance_id: str, hours: float) -> tuple[str, datetime]:
        token, expires = self.signer.sign(project, instance_id, hours)
        return self.url(project, instance_id, token), datetime.fromtimestamp(expires, UTC)

    def url(self, project: str, instance_id: str, token: str) -> str:
        query = urllib.parse.urlencode({"h": self.server, "p": project, "i": instance_id, "token": token})
        return f"{self.public_url.rstrip('/')}/logview/?{query}"
