"""How the instance servicer writes stream messages: a stalled reader is let go, a vanished one quietly."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from taskstreamd.api.instance_servicer import InstanceServicer, StallGuard
from taskstreamd.errors import ResourceExhausted


class StalledContext:
    """A stream whose reader stopped: writes never complete."""

    def __init__(self) -> None:
        self.gone = False

    async def write(self, message: Any) -> None:
        await asyncio.Event().wait()

    def cancelled(self) -> bool:
        return self.gone

    def done(self) -> bool:
        return self.gone


class VanishedContext(StalledContext):
    """A caller that disconnected: the write fails and the call is done."""

    async def write(self, message: Any) -> None:
        self.gone = True
        raise RuntimeError("execute_batch failed")


async def test_a_stalled_reader_gets_consumer_too_slow_with_where_to_resume() -> None:
    servicer = InstanceServicer(core=None, stall_seconds=0.01)  # type: ignore[arg-type]
    with pytest.raises(ResourceExhausted) as stalled:
        await servicer._send(StalledContext(), b"event", "resume after seq 7", {"resume_after_seq": "7"})  # type: ignore[arg-type]
    assert stalled.value.reason == "CONSUMER_TOO_SLOW" and stalled.value.metadata == {"resume_after_seq": "7"}


async def test_a_vanished_reader_ends_the_stream_without_an_error() -> None:
    servicer = InstanceServicer(core=None, stall_seconds=5)  # type: ignore[arg-type]
    assert not await servicer._send(VanishedContext(), b"event", "", {})  # type: ignore[arg-type]


class CountingContext(StalledContext):
    """A reader that keeps up for a while: the first writes complete, the last one never does."""

    def __init__(self, fine: int) -> None:
        super().__init__()
        self.fine = fine

    async def write(self, message: Any) -> None:
        if self.fine:
            self.fine -= 1
            return
        await asyncio.Event().wait()


async def test_one_guard_serves_every_write_of_a_stream_and_trips_only_on_the_stalled_one() -> None:
    guard = StallGuard(0.01)
    context = CountingContext(fine=100)
    try:
        for _ in range(100):
            assert await InstanceServicer._write(context, b"event", guard, lambda: ResourceExhausted("X", ""))  # type: ignore[arg-type]
        with pytest.raises(ResourceExhausted):
            await InstanceServicer._write(context, b"event", guard, lambda: ResourceExhausted("X", ""))  # type: ignore[arg-type]
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0, "the guard took its cancellation back"
    finally:
        guard.close()
