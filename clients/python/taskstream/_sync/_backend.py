"""What the sync client does differently from the asyncio one, written by hand on both sides.

``taskstream/_async/_backend.py`` is its twin with the same names (``Async`` dropped): the generated
modules of ``taskstream/_sync/`` import this one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import grpc

from taskstream._channel import Connection

logger = logging.getLogger("taskstream")

Channel = grpc.Channel


def open_channel(connection: Connection, target: str) -> Channel:
    return connection.channel(target)


def close_channel(channel: Channel) -> None:
    channel.close()


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def wait_ready(channel: Channel, timeout: float) -> bool | None:
    """Tries to connect: True once connected, False when the connection failed, None when ``timeout``
    seconds passed first. A refused connection or an unknown host fails at the first attempt."""
    outcome: list[bool] = []
    settled = threading.Event()

    def on_change(state: grpc.ChannelConnectivity) -> None:
        if state in (grpc.ChannelConnectivity.READY, grpc.ChannelConnectivity.TRANSIENT_FAILURE):
            outcome.append(state is grpc.ChannelConnectivity.READY)
            settled.set()

    channel.subscribe(on_change, try_to_connect=True)
    try:
        settled.wait(timeout)
    finally:
        channel.unsubscribe(on_change)
    return outcome[0] if outcome else None


def call_handler(handler: Callable[..., object], *args: object) -> None:
    """Calls a user's event handler; its exception is logged, so one bad handler cannot stop the
    others."""
    try:
        handler(*args)
    except Exception:
        logger.exception("a taskstream event handler %r raised", handler)


class Background:
    """Runs ``work()`` on a daemon thread (the STK handlers of one instance)."""

    def __init__(self, work: Callable[[], None], name: str) -> None:
        self._thread = threading.Thread(target=work, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def is_current(self) -> bool:
        """Whether the caller runs inside the work (a handler waiting for its own job)."""
        return threading.current_thread() is self._thread

    def join(self, timeout: float) -> None:
        """Waits up to ``timeout`` seconds for the work to end."""
        self._thread.join(timeout)
