"""The web port's listener: closing it ends the connections it still serves, so no request outlives the
store the server closes next (a page's event stream among them)."""

from __future__ import annotations

import asyncio

from taskstreamd.web.listener import Listener


async def test_closing_ends_the_connections_still_served() -> None:
    listener = Listener()
    port = await listener.bind("127.0.0.1", 0)
    serving = asyncio.Event()
    ended: list[str] = []

    async def stream_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
        await writer.drain()
        serving.set()
        try:
            await asyncio.Event().wait()  # an event stream with nothing to send
        finally:
            ended.append("handler")

    await listener.serve(stream_forever)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /events HTTP/1.1\r\n\r\n")
    await asyncio.wait_for(serving.wait(), 5)
    assert listener.open == 1
    await asyncio.wait_for(listener.close(), 5)
    assert ended == ["handler"] and listener.open == 0  # ended before close() returned
    await asyncio.wait_for(reader.read(), 5)  # the client sees its stream end
    assert reader.at_eof()
    writer.close()
