"""A worker's unsent reports: order kept, stale progress of an attempt dropped, progress paced."""

from __future__ import annotations

from collections.abc import Callable

from taskstream.v1 import task_pb2
from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.workers.outbox import Outbox


def progress(assignment: str, percent: int) -> wpb.ConnectRequest:
    report = wpb.TaskProgressReport(assignment_id=assignment, progress=task_pb2.Progress(percent=percent))
    return wpb.ConnectRequest(progress=report)


def started(assignment: str) -> wpb.ConnectRequest:
    return wpb.ConnectRequest(started=wpb.TaskStarted(assignment_id=assignment))


def finished(assignment: str) -> wpb.ConnectRequest:
    return wpb.ConnectRequest(finished=wpb.TaskFinished(assignment_id=assignment))


def describe(r: wpb.ConnectRequest) -> str:
    kind = r.WhichOneof("message") or ""
    return f"{kind} {r.progress.assignment_id} {r.progress.progress.percent}" if kind == "progress" else kind


async def drain(outbox: Outbox, count: int) -> list[str]:
    return [describe(await outbox.get()) for _ in range(count)]


async def test_unpaced_queued_progress_collapses_to_the_latest_of_each_attempt() -> None:
    outbox = Outbox(progress_interval=0)
    for request in (
        started("1-1"),
        progress("1-1", 1),
        progress("2-1", 5),
        progress("1-1", 2),
        progress("1-1", 3),
    ):
        outbox.put(request)
    assert len(outbox) == 3
    assert await drain(outbox, 3) == ["started", "progress 2-1 5", "progress 1-1 3"]


async def test_progress_within_the_interval_is_held_and_the_latest_released() -> None:
    outbox = Outbox(progress_interval=0.05)
    outbox.put(progress("1-1", 1))
    outbox.put(progress("1-1", 2))  # within the interval: held
    outbox.put(progress("1-1", 3))  # replaces the held one
    assert await drain(outbox, 2) == ["progress 1-1 1", "progress 1-1 3"]  # the second once the timer fires


async def test_an_attempts_end_releases_its_held_progress_first() -> None:
    outbox = Outbox(progress_interval=60)
    outbox.put(progress("1-1", 1))
    assert await drain(outbox, 1) == ["progress 1-1 1"]
    outbox.put(progress("1-1", 100))  # held for a minute
    outbox.put(finished("1-1"))
    assert await drain(outbox, 2) == ["progress 1-1 100", "finished"]
    assert len(outbox) == 0


class StalledLoop:
    """A clock and timers the test moves by hand: ``stall_until`` moves the time without running timers
    (a busy event loop), ``run_due`` then runs the timers that came due, as the loop would after the stall."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, Callable[[], None]]] = []

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Cancellable:
        timer = Cancellable(callback)
        self._timers.append((self.now + delay, timer.run))
        return timer

    def stall_until(self, when: float) -> None:
        self.now = when

    def run_due(self) -> int:
        due = [callback for at, callback in self._timers if at <= self.now]
        self._timers = [(at, callback) for at, callback in self._timers if at > self.now]
        for callback in due:
            callback()
        return len(due)


class Cancellable:
    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback: Callable[[], None] | None = callback

    def run(self) -> None:
        if self._callback is not None:
            self._callback()

    def cancel(self) -> None:
        self._callback = None


async def test_a_held_progress_never_follows_a_newer_one_queued_after_a_stall() -> None:
    # 80 goes out; 83 comes within the interval and is held; the loop stalls past the interval, so 100
    # is queued at once; then the stalled timer runs. The task's last progress (100) must be the last.
    loop = StalledLoop()
    outbox = Outbox(progress_interval=0.05, clock=loop.time, call_later=loop.call_later)
    outbox.put(progress("1-1", 80))
    assert await drain(outbox, 1) == ["progress 1-1 80"]
    loop.stall_until(0.01)
    outbox.put(progress("1-1", 83))
    loop.stall_until(0.11)
    outbox.put(progress("1-1", 100))
    assert loop.run_due() == 1
    assert await drain(outbox, len(outbox)) == ["progress 1-1 100"]


async def test_a_held_progress_is_not_sent_after_a_newer_one_already_went_out() -> None:
    loop = StalledLoop()
    outbox = Outbox(progress_interval=0.05, clock=loop.time, call_later=loop.call_later)
    outbox.put(progress("1-1", 80))
    assert await drain(outbox, 1) == ["progress 1-1 80"]
    loop.stall_until(0.01)
    outbox.put(progress("1-1", 83))
    loop.stall_until(0.11)
    outbox.put(progress("1-1", 100))
    assert await drain(outbox, 1) == ["progress 1-1 100"]  # the writer took it before the timer ran
    loop.run_due()
    assert len(outbox) == 0  # 83 is stale: nothing is left to send
