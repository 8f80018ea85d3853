"""Request bytes that are not a valid message become INVALID_ARGUMENT instead of grpc's UNKNOWN.

grpc decodes a request before any handler runs and reports a decoding failure as UNKNOWN. ``tolerant``
decoders return a marker instead, and ``checked`` raises InvalidArgument for it inside the ErrorInterceptor's
handler wrapper, which maps it to a status with a BadRequest detail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError

from taskstreamd.errors import InvalidArgument


@dataclass(frozen=True)
class Malformed:
    reason: str


def tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """The deserializer, answering a Malformed marker instead of raising."""
    if deserializer is None:
        return None
    decode = deserializer

    def decode_or_mark(data: bytes) -> Any:
        try:
            return decode(data)
        except (DecodeError, ValueError, RuntimeError) as exc:
            return Malformed(str(exc) or type(exc).__name__)

    return decode_or_mark


def checked(request: Any) -> Any:
    """The request, or InvalidArgument when it could not be decoded."""
    if isinstance(request, Malformed):
        raise InvalidArgument.one("request", f"not a valid message of this method: {request.reason}")
    return request


async def checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        yield checked(request)
