"""Just enough HTTP/1.1 for the web endpoints: one request per connection, read with asyncio streams."""

from __future__ import annotations

import asyncio
import urllib.parse
from dataclasses import dataclass, field

MAX_HEADERS = 100
REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}


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


async def read_request(reader: asyncio.StreamReader, timeout: float) -> Request | None:
    """The request's line and headers (bodies are not read), or None for a malformed one."""
    parts = (await asyncio.wait_for(reader.readline(), timeout)).decode("latin-1").split()
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS):
        line = (await asyncio.wait_for(reader.readline(), timeout)).decode("latin-1").strip()
        if not line:
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if len(parts) < 2:
        return None
    target = urllib.parse.urlsplit(parts[1])
    return Request(parts[0], target.path, urllib.parse.parse_qs(target.query), headers)


async def respond(writer: asyncio.StreamWriter, response: Response) -> None:
    extra = "".join(f"{name}: {value}\r\n" for name, value in response.headers.items())
    head = (
        f"HTTP/1.1 {response.status} {REASONS[response.status]}\r\n"
        f"Content-Type: {response.content_type}\r\nContent-Length: {len(response.body)}\r\n"
        f"{extra}Connection: close\r\n\r\n"
    )
    writer.write(head.encode() + response.body)
    await writer.drain()


async def start_stream(writer: asyncio.StreamWriter, headers: dict[str, str]) -> None:
    """The head of a server-sent events response; its body ends when the connection closes."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(
        f"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n{extra}"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
