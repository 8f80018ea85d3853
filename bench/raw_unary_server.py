"""The raw grpc.aio unary baseline of bench/unary.py: no proto, no store, bytes in and out.

``/bench.RawUnary/Echo`` answers every request with the same ``--size`` bytes (the size of the
GetInstance response it stands for). Prints one JSON line with the address when ready; exits on SIGTERM or
by itself after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import grpc
import raw_serving


async def serve(size: int, max_seconds: float) -> None:
    payload = bytes(size)

    async def echo(request: bytes, context: Any) -> bytes:
        return payload

    handler = grpc.method_handlers_generic_handler(
        "bench.RawUnary", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    await raw_serving.serve(handler, max_seconds)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    args = parser.parse_args()
    asyncio.run(serve(args.size, args.max_seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
