"""The worker's end of the pipe to a task process: frames that multiprocessing.Connection reads and writes."""

from __future__ import annotations

import asyncio
import socket
import struct
from multiprocessing.connection import Connection
from typing import Any

from taskstreamd.workers.channel import Channel, encode


class _Received:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.ended = asyncio.Event()
        self.arrived = asyncio.Event()

    def __call__(self, message: Any) -> None:
        if message is None:
            assert not self.ended.is_set(), "the end is delivered once"
            self.ended.set()
        else:
            self.messages.append(message)
        self.arrived.set()

    async def until(self, count: int) -> list[Any]:
        for _ in range(10_000):  # bounded: each round waits for something to arrive
            if len(self.messages) >= count or self.ended.is_set():
                break
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 10)
        return self.messages


def _pair() -> tuple[socket.socket, Connection]:
    ours, theirs = socket.socketpair()
    return ours, Connection(theirs.detach())


async def test_messages_from_a_connection_arrive_in_order() -> None:
    ours, peer = _pair()
    received = _Received()
    channel = Channel(ours, received)
    big = b"x" * (3 * 1024 * 1024)  # more than a socket buffer: arrives in many reads
    sent = [{"n": i} for i in range(100)] + [big, "last"]
    writer = asyncio.get_running_loop().run_in_executor(None, lambda: [peer.send(m) for m in sent])
    assert await received.until(len(sent)) == sent
    await writer
    channel.close()
    peer.close()


async def test_a_connection_reads_what_the_channel_sends_even_past_the_socket_buffer() -> None:
    ours, peer = _pair()
    channel = Channel(ours, _Received())
    big = b"y" * (3 * 1024 * 1024)
    messages = ["first", big, {"k": [1, 2]}, "last"]
    for message in messages:
        assert channel.send(message)  # never blocks: the backlog waits for the socket
    reader = asyncio.get_running_loop().run_in_executor(
        None, lambda: [peer.recv() for _ in range(len(messages))]
    )
    assert await asyncio.wait_for(reader, 30) == messages
    channel.close()
    peer.close()


async def test_what_the_peer_sent_before_it_went_away_is_delivered_then_the_end() -> None:
    ours, peer = _pair()
    received = _Received()
    channel = Channel(ours, received)
    for i in range(50):
        peer.send(i)
    peer.close()
    channel.drain_and_close()  # as when the process exited: read what is there, then end
    assert received.messages == list(range(50))
    assert received.ended.is_set()
    assert not channel.send("too late")


async def test_an_unreadable_message_is_skipped_and_the_next_ones_arrive() -> None:
    ours, theirs = socket.socketpair()
    received = _Received()
    channel = Channel(ours, received)
    garbage = b"not a pickle"
    theirs.sendall(struct.pack("!i", len(garbage)) + garbage + encode("after"))
    assert await received.until(1) == ["after"]
    channel.close()
    theirs.close()


async def test_sending_to_a_closed_peer_says_so() -> None:
    ours, peer = _pair()
    received = _Received()
    channel = Channel(ours, received)
    peer.close()
    await asyncio.wait_for(received.ended.wait(), 10)
    assert not channel.send("nobody listens")
