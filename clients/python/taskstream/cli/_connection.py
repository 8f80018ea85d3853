"""Connecting to the server: fail fast, with one readable line, when nothing answers at the address."""

from __future__ import annotations

import threading

import grpc

import taskstream
from taskstream.cli._exit import CliError, ExitCode

# How long the first connection may take before the command gives up.
CONNECT_TIMEOUT = 5.0


def connect(server: str, project: str) -> taskstream.Client:
    """A client for ``server``, once a connection to it is established (CliError UNREACHABLE if not)."""
    check_reachable(server, CONNECT_TIMEOUT)
    try:
        return taskstream.connect(server, project=project)
    except ValueError as error:
        raise CliError(str(error), ExitCode.USAGE) from None


def check_reachable(server: str, timeout: float) -> None:
    """Opens a channel to ``server`` and waits until it connects, fails to, or ``timeout`` passes.

    A refused connection or an unknown host fails at the first attempt instead of after the timeout.
    """
    outcome: list[grpc.ChannelConnectivity] = []
    settled = threading.Event()

    def on_change(state: grpc.ChannelConnectivity) -> None:
        if state in (grpc.ChannelConnectivity.READY, grpc.ChannelConnectivity.TRANSIENT_FAILURE):
            outcome.append(state)
            settled.set()

    channel = grpc.insecure_channel(server)
    try:
        channel.subscribe(on_change, try_to_connect=True)
        settled.wait(timeout)
        channel.unsubscribe(on_change)
    finally:
        channel.close()
    if not outcome:
        raise CliError(
            f"cannot reach the taskstream server at {server}: no answer within {timeout:g} s",
            ExitCode.UNREACHABLE,
        )
    if outcome[0] is grpc.ChannelConnectivity.TRANSIENT_FAILURE:
        raise CliError(
            f"cannot reach the taskstream server at {server}: connection failed", ExitCode.UNREACHABLE
        )
