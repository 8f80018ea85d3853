"""Connecting to the server: fail fast, with one readable line, when nothing answers at the address."""

from __future__ import annotations

import argparse

import grpc

import taskstream
from taskstream._sync._backend import wait_ready
from taskstream.cli._exit import CliError, ExitCode

# How long the first connection may take before the command gives up.
CONNECT_TIMEOUT = 5.0


def connect(args: argparse.Namespace) -> taskstream.Client:
    """A client for ``args.server``, once a connection to it is established (CliError UNREACHABLE if
    not), with the security options of the command line."""
    try:
        client = taskstream.connect(
            args.server,
            project=args.project,
            token=args.token,
            tls=args.tls,
            root_certificates=args.tls_ca,
            client_certificate=args.tls_cert,
            client_key=args.tls_key,
            unpickle=False,  # never: a result is whatever the worker sent; the command shows its repr
        )
    except (ValueError, OSError) as error:
        raise CliError(str(error), ExitCode.USAGE) from None
    try:
        check_reachable(client._channel, args.server, CONNECT_TIMEOUT)
    except BaseException:
        client.close()
        raise
    return client


def check_reachable(channel: grpc.Channel, server: str, timeout: float) -> None:
    """Waits until ``channel`` connects to ``server``, fails to, or ``timeout`` passes.

    A refused connection or an unknown host fails at the first attempt instead of after the timeout.
    """
    ready = wait_ready(channel, timeout)
    if ready is None:
        raise CliError(
            f"cannot reach the taskstream server at {server}: no answer within {timeout:g} s",
            ExitCode.UNREACHABLE,
        )
    if not ready:
        raise CliError(
            f"cannot reach the taskstream server at {server}: connection failed", ExitCode.UNREACHABLE
        )
