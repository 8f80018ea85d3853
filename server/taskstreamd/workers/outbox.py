"""The reports a worker has not yet written to the server.

Progress is the one report that may be thinned: only the latest matters. A task's progress that a newer
progress of the same attempt replaces while waiting here is dropped, and an attempt's progress goes out at
most once per ``progress_interval`` (the latest one, when the interval ends). So a task reporting 50 times
a second costs the server 20 reports a second, and a slow server never faces a backlog of stale progress.
Any other report of the attempt (output, property, finished) first releases its held-back progress, so the
order the task reported in is kept. A task's last progress always wins: a held progress is dropped, never
released, once a newer one of its attempt is queued (say after the loop stalled past the interval).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from taskstream.v1 import worker_service_pb2 as wpb

PROGRESS_INTERVAL = 0.05


class _Timer(Protocol):
    def cancel(self) -> None: ...


Clock = Callable[[], float]
CallLater = Callable[[float, Callable[[], None]], _Timer]


@dataclass
class _Entry:
    request: wpb.ConnectRequest | None  # None once a newer progress replaced it


class Outbox:
    def __init__(
        self,
        progress_interval: float = PROGRESS_INTERVAL,
        *,
        clock: Clock | None = None,
        call_later: CallLater | None = None,
    ) -> None:
        """``clock`` and ``call_later`` default to the running loop's (tests pass their own)."""
        self._interval = progress_interval
        self._clock = clock
        self._call_later = call_later
        self._entries: deque[_Entry] = deque()
        self._queued: dict[str, _Entry] = {}  # assignment id -> its progress in _entries
        self._held: dict[str, wpb.ConnectRequest] = {}  # progress waiting for its interval to end
        self._timers: dict[str, _Timer] = {}  # assignment id -> the timer that releases its held progress
        self._last_sent: dict[str, float] = {}  # assignment id -> when its last progress was queued
        self._ready = asyncio.Event()

    def put(self, request: wpb.ConnectRequest) -> None:
        kind = request.WhichOneof("message")
        if kind == "progress":
            self._put_progress(request)
            return
        assignment_id = _assignment_of(request)
        if assignment_id in self._held:
            held = self._held[assignment_id]
            self._drop_held(assignment_id)
            self._queue_progress(held)
        if kind == "finished":
            self._last_sent.pop(assignment_id, None)
        self._append(request)

    async def get(self) -> wpb.ConnectRequest:
        while True:
            while self._entries:
                entry = self._entries.popleft()
                request = entry.request
                if request is None:
                    continue
                if request.WhichOneof("message") == "progress":
                    assignment_id = request.progress.assignment_id
                    if self._queued.get(assignment_id) is entry:
                        del self._queued[assignment_id]
                return request
            self._ready.clear()
            await self._ready.wait()

    def __len__(self) -> int:
        return sum(1 for e in self._entries if e.request is not None) + len(self._held)

    def _put_progress(self, request: wpb.ConnectRequest) -> None:
        assignment_id = request.progress.assignment_id
        wait = self._last_sent.get(assignment_id, -1e9) + self._interval - self._now()
        if wait <= 0:
            # The interval ended without the timer having run (a busy loop): an older held progress
            # is stale now and must not be released after this one.
            self._drop_held(assignment_id)
            self._queue_progress(request)
            return
        if assignment_id not in self._held:
            self._timers[assignment_id] = self._later(wait, lambda: self._release(assignment_id))
        self._held[assignment_id] = request  # replaces an older held progress

    def _release(self, assignment_id: str) -> None:
        self._timers.pop(assignment_id, None)
        held = self._held.pop(assignment_id, None)
        if held is not None:
            self._queue_progress(held)

    def _drop_held(self, assignment_id: str) -> None:
        self._held.pop(assignment_id, None)
        timer = self._timers.pop(assignment_id, None)
        if timer is not None:
            timer.cancel()

    def _queue_progress(self, request: wpb.ConnectRequest) -> None:
        assignment_id = request.progress.assignment_id
        replaced = self._queued.get(assignment_id)
        if replaced is not None:
            replaced.request = None
        self._queued[assignment_id] = self._append(request)
        self._last_sent[assignment_id] = self._now()

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def _later(self, delay: float, callback: Callable[[], None]) -> _Timer:
        if self._call_later is not None:
            return self._call_later(delay, callback)
        return asyncio.get_running_loop().call_later(delay, callback)

    def _append(self, request: wpb.ConnectRequest) -> _Entry:
        entry = _Entry(request)
        self._entries.append(entry)
        self._ready.set()
        return entry


def _assignment_of(request: wpb.ConnectRequest) -> str:
    kind = request.WhichOneof("message")
    if kind is None or kind == "register":
        return ""
    return str(getattr(getattr(request, kind), "assignment_id", ""))
