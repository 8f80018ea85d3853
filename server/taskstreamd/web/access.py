"""Who may read the server-wide web pages, /metrics and the status page /.

With authentication off, everyone (as with gRPC). With it on, a caller sends ``Authorization: Bearer
<token>`` of a principal with ``metrics = true`` in the tokens file: no or a bad token is 401, a token
without that permission 403, and neither shows any figure. The Logview pages have their own signed
tokens; /healthz stays open for probes.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskstreamd.access.auth import AUTHORIZATION, Authenticator
from taskstreamd.errors import Unauthenticated
from taskstreamd.web.http import Request, Response

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="taskstream"', "Cache-Control": "no-store"}


@dataclass(frozen=True)
class WebAccess:
    authenticator: Authenticator
    open_metrics: bool = False  # /metrics needs no token (its own --metrics-listen address)

    def refusal(self, request: Request, *, metrics: bool = False) -> Response | None:
        """None when the caller may read the page, else the 401 or 403 to answer."""
        if not self.authenticator.enabled or (metrics and self.open_metrics):
            return None
        header = request.headers.get(AUTHORIZATION, "")
        try:
            principal = self.authenticator.authenticate([(AUTHORIZATION, header)] if header else [])
        except Unauthenticated as exc:
            return _text(401, f"{exc.message}; this page needs a principal with metrics = true")
        if not principal.metrics:
            return _text(403, f"{principal.name!r} may not read server-wide figures (metrics = true)")
        return None


def _text(status: int, message: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", f"{message}\n".encode(), _CHALLENGE)
