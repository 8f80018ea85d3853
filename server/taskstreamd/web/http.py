"""Just enough HTTP/1.1 for the web endpoints: one request per connection, read with asyncio streams.

Only a request's head is read (no endpoint takes a body), under one deadline for the whole of it, so a
client sending a byte at a time cannot hold a connection; answers are written under a deadline too.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from dataclasses import dataclass, field

MAX_HEADERS = 100
MAX_QUERY_FIELDS = 100
HEAD_SECONDS = 10.0  # the longest a request's line and headers may take to arrive
WRITE_SECONDS = 30.0  # the longest an answer may wait for its reader
REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class BadRequest(Exception):
    """A request head that cannot be served; ``status`` says why (400, 408, 431)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> Response:
        return Response(self.status, "text/plain; charset=utf-8", f"{self.reason}\n".encode())


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names

    def arg(self, name: str) -> str:
        """The first value of a query parameter, or ""."""
        values = self.query.get(name)
        return values[0] if values else ""


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


async def read_request(reader: asyncio.StreamReader, timeout: float = HEAD_SECONDS) -> Request:
    """The request's line and headers, all within ``timeout`` seconds; BadRequest otherwise."""
    try:
        async with asyncio.timeout(timeout):
            parts = (await _line(reader)).split()
            headers: dict[str, str] = {}
            for count in range(MAX_HEADERS + 1):
                line = (await _line(reader)).strip()
                if not line:
                    break
                if count == MAX_HEADERS:
                    raise BadRequest(431, f"at most {MAX_HEADERS} headers")
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
    except TimeoutError:
        raise BadRequest(408, f"the request's head did not arrive within {timeout:g} seconds") from None
    if len(parts) < 2:
        raise BadRequest(400, "malformed request line")
    try:
        target = urllib.parse.urlsplit(parts[1])
        query = urllib.parse.parse_qs(target.query, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:  # a broken authority ("http://[::1/"), too many fields
        raise BadRequest(400, "malformed request target") from None
    return Request(parts[0], target.path, query, headers)


async def _line(reader: asyncio.StreamReader) -> str:
    try:
        line = await reader.readline()
    except ValueError:  # longer than the stream's limit (listener.py)
        raise BadRequest(431, "request line or header too long") from None
    return line.decode("latin-1")  # "" at the end of the stream ends the head


async def respond(writer: asyncio.StreamWriter, response: Response) -> None:
    extra = "".join(f"{name}: {value}\r\n" for name, value in response.headers.items())
    head = (
        f"HTTP/1.1 {response.status} {REASONS[response.status]}\r\n"
        f"Content-Type: {response.content_type}\r\nContent-Length: {len(response.body)}\r\n"
        f"{extra}Connection: close\r\n\r\n"
    )
    writer.write(head.encode() + response.body)
    async with asyncio.timeout(WRITE_SECONDS):  # a reader that reads nothing is let go
        await writer.drain()


async def start_stream(writer: asyncio.StreamWriter, headers: dict[str, str]) -> None:
    """The head of a server-sent events response; its body ends when the connection closes."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(
        f"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n{extra}"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
