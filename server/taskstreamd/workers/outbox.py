"""The reports a worker has not yet written to the server, taken all at once by the stream's writer.

Progress is the one report that may be thinned: only the latest matters. A task's progress that a newer
progress of the same attempt replaces while waiting here is dropped, and an attempt's progress goes out at
most once per ``progress_interval`` (the latest one, when the interval ends). So a task reporting 50 times
a second costs the server 20 reports a second, and a slow server never faces a backlog of stale progress.
Any other report of the attempt (output, property, finished) first releases its held-back progress, so the
order the task reported in is kept. A task's last progress always wins: an older one, queued or held, is
dropped the moment a newer one is put, so it can never be sent after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from taskstream.v1 import worker_service_pb2 as wpb

PROGRESS_INTERVAL = 0.05
# What one batch may carry: a bigger report goes alone, and no server's receive limit is near.
MAX_BATCH_BYTES = 1024 * 1024


@dataclass
class _Entry:
    request: wpb.ConnectRequest | None  # None once a newer progress replaced it


class Outbox:
    def __init__(
        self, progress_interval: float = PROGRESS_INTERVAL, clock: Callable[[], float] | None = None
    ) -> None:
        """``clock`` tells the time for the progress interval (default: the running loop's)."""
        self._interval = progress_interval
        self._clock = clock
        self._entries: list[_Entry] = []
        self._queued: dict[str, _Entry] = {}  # assignment id -> its progress in _entries
        self._held: dict[str, wpb.ConnectRequest] = {}  # progress waiting for its interval to end
        self._last_sent: dict[str, float] = {}  # assignment id -> when its last progress was queued
        self._ready = asyncio.Event()

    def put(self, request: wpb.ConnectRequest) -> None:
        kind = request.WhichOneof("message")
        if kind == "progress":
            self._put_progress(request)
            return
        if self._held:
            assignment_id = _assignment_of(request)
            if assignment_id in self._held:
                self._queue_progress(self._held.pop(assignment_id))
        if kind == "finished" and self._last_sent:
            self._last_sent.pop(request.finished.assignment_id, None)
        self._append(request)

    async def take(self) -> list[wpb.ConnectRequest]:
        """Everything ready to send, in order (at least one report; waits for one)."""
        while not self._entries:
            self._ready.clear()
            await self._ready.wait()
        ready = [entry.request for entry in self._entries if entry.request is not None]
        self._entries = []
        self._queued.clear()
        if not ready:  # every entry was a replaced progress
            return await self.take()
        return ready

    def __len__(self) -> int:
        return sum(1 for e in self._entries if e.request is not None) + len(self._held)

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def _put_progress(self, request: wpb.ConnectRequest) -> None:
        assignment_id = request.progress.assignment_id
        wait = self._last_sent.get(assignment_id, -1e9) + self._interval - self._now()
        if wait <= 0:
            # Its interval ended, though the timer releasing a held one may not have fired yet: this
            # newer progress replaces that one, which must not follow it later.
            self._held.pop(assignment_id, None)
            self._queue_progress(request)
            return
        if assignment_id not in self._held:
            asyncio.get_running_loop().call_later(wait, self._release, assignment_id)
        self._held[assignment_id] = request  # replaces an older held progress

    def _release(self, assignment_id: str) -> None:
        held = self._held.pop(assignment_id, None)
        if held is not None:
            self._queue_progress(held)

    def _queue_progress(self, request: wpb.ConnectRequest) -> None:
        assignment_id = request.progress.assignment_id
        replaced = self._queued.get(assignment_id)
        if replaced is not None:
            replaced.request = None
        self._queued[assignment_id] = self._append(request)
        self._last_sent[assignment_id] = self._now()

    def _append(self, request: wpb.ConnectRequest) -> _Entry:
        entry = _Entry(request)
        self._entries.append(entry)
        self._ready.set()
        return entry


def pack(requests: Sequence[wpb.ConnectRequest]) -> list[wpb.ConnectRequest]:
    """``requests`` in order as few stream messages as MAX_BATCH_BYTES allows (a lone one unwrapped)."""
    if len(requests) == 1:
        return list(requests)
    packed: list[wpb.ConnectRequest] = []
    group: list[wpb.ConnectRequest] = []
    size = 0
    for request in requests:
        length = request.ByteSize()
        if group and size + length > MAX_BATCH_BYTES:
            packed.append(_one(group))
            group, size = [], 0
        group.append(request)
        size += length
    if group:
        packed.append(_one(group))
    return packed


def _one(group: list[wpb.ConnectRequest]) -> wpb.ConnectRequest:
    if len(group) == 1:
        return group[0]
    return wpb.ConnectRequest(batch=wpb.ConnectRequestBatch(messages=group))


def _assignment_of(request: wpb.ConnectRequest) -> str:
    kind = request.WhichOneof("message")
    if kind is None or kind == "register" or kind == "batch":
        return ""
    return str(getattr(getattr(request, kind), "assignment_id", ""))
