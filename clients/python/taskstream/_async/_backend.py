"""What the asyncio client does differently from the sync one, written by hand on both sides.

``taskstream/_sync/_backend.py`` is its twin with the same names: the generated sync modules import
that one. Everything else of the client is written once, in ``taskstream/_async/``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import grpc
import grpc.aio

from taskstream._channel import Connection

logger = logging.getLogger("taskstream")

Channel = grpc.aio.Channel


def open_channel(connection: Connection, target: str) -> Channel:
    return connection.aio_channel(target)


async def close_channel(channel: Channel) -> None:
    await channel.close(None)


async def sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def wait_ready(channel: Channel, timeout: float) -> bool | None:
    """Tries to connect: True once connected, False when the connection failed, None when ``timeout``
    seconds passed first."""
    channel.get_state(try_to_connect=True)
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        state = channel.get_state(try_to_connect=True)
        if state is grpc.ChannelConnectivity.READY:
            return True
        if state is grpc.ChannelConnectivity.TRANSIENT_FAILURE:
            return False
        left = end - loop.time()
        if left <= 0:
            return None
        try:
            await asyncio.wait_for(channel.wait_for_state_change(state), left)
        except TimeoutError:
            return None


async def call_handler(handler: Callable[..., object], *args: object) -> None:
    """Calls a user's event handler (a function or a coroutine function); its exception is logged, so
    one bad handler cannot stop the others."""
    try:
        outcome = handler(*args)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:
        logger.exception("a taskstream event handler %r raised", handler)


class AsyncBackground:
    """Runs ``work()`` as a task of the running event loop (the STK handlers of one instance)."""

    def __init__(self, work: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        self._work = work
        self._name = name
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._work(), name=self._name)

    def is_current(self) -> bool:
        """Whether the caller runs inside the work (a handler waiting for its own job)."""
        return self._task is not None and asyncio.current_task() is self._task

    async def join(self, timeout: float) -> None:
        """Waits up to ``timeout`` seconds for the work to end; never cancels it."""
        if self._task is not None:
            await asyncio.wait([self._task], timeout=timeout)
