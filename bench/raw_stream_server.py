"""The raw grpc.aio server-streaming baseline of bench/watchers.py: no proto, no store, bytes in and out.

``/bench.RawStream/Subscribe`` (unary-stream) first sends a hello (the watcher's "snapshot"), waits for
``/bench.RawStream/Start``, then streams, per ``--mode``:

- ``rate``: one shared ticker publishes ``--rate`` messages a second for ``--seconds``; every stream sends
  each tick. A stream still writing when the next tick comes sends the latest one and skips the rest (the
  way taskstream coalesces progress), so seq gaps count skipped messages.
- ``flat``: every stream writes as fast as it can for ``--seconds``.

Then it sends an end message and closes. A message is ``struct "<qd"`` (seq, wall time when published)
padded to ``--size`` bytes; the end message has seq -1. Prints one JSON line with the address when ready and
exits on SIGTERM, or by itself after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import struct
import time
from typing import Any

import grpc
import raw_serving

HEADER = struct.Struct("<qd")
HELLO = b"hello"


class Feed:
    def __init__(self, mode: str, rate: float, seconds: float, size: int) -> None:
        self.mode = mode
        self.rate = rate
        self.seconds = seconds
        self.pad = bytes(max(0, size - HEADER.size))
        self.started = asyncio.Event()
        self.start_monotonic = 0.0
        self.latest_seq = 0
        self.latest = b""
        self.done = False
        self.changed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.ticker: asyncio.Task[None] | None = None

    def message(self, seq: int) -> bytes:
        return HEADER.pack(seq, time.time()) + self.pad

    def start(self) -> None:
        if self.started.is_set():
            return
        self.start_monotonic = time.monotonic()
        self.started.set()
        if self.mode == "rate":
            self.ticker = asyncio.create_task(self._tick())

    def _wake(self) -> None:
        self.changed.set_result(None)
        self.changed = asyncio.get_running_loop().create_future()

    async def _tick(self) -> None:
        count = max(1, round(self.rate * self.seconds))
        for seq in range(1, count + 1):
            delay = self.start_monotonic + (seq - 1) / self.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.latest_seq, self.latest = seq, self.message(seq)
            self._wake()
        self.done = True
        self._wake()


async def serve(args: argparse.Namespace) -> None:
    feed = Feed(args.mode, args.rate, args.seconds, args.size)
    end = HEADER.pack(-1, 0.0) + feed.pad

    async def subscribe(request: bytes, context: Any) -> None:
        await context.write(HELLO)
        await asyncio.wait_for(feed.started.wait(), args.max_seconds)
        if feed.mode == "flat":
            deadline = feed.start_monotonic + feed.seconds
            seq = 0
            while time.monotonic() < deadline:
                seq += 1
                await context.write(feed.message(seq))
        else:
            seen = 0
            while True:
                changed = feed.changed
                if feed.latest_seq > seen:
                    seen = feed.latest_seq
                    await context.write(feed.latest)
                elif feed.done:
                    break
                else:
                    await changed
        await context.write(end)

    async def start(request: bytes, context: Any) -> bytes:
        feed.start()
        return b""

    handler = grpc.method_handlers_generic_handler(
        "bench.RawStream",
        {
            "Subscribe": grpc.unary_stream_rpc_method_handler(subscribe),
            "Start": grpc.unary_unary_rpc_method_handler(start),
        },
    )
    await raw_serving.serve(handler, args.max_seconds)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["rate", "flat"], default="rate")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    asyncio.run(serve(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
