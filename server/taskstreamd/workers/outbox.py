"""The reports a worker has not yet written to the server.

When the server reads slowly (flow control holds the stream), reports wait here; a task's progress that
a newer progress of the same attempt replaces is dropped instead of waiting, so a task reporting 50 times
a second cannot delay its own end behind a backlog of stale progress.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from taskstream.v1 import worker_service_pb2 as wpb


@dataclass
class _Entry:
    request: wpb.ConnectRequest | None  # None once a newer progress replaced it


class Outbox:
    def __init__(self) -> None:
        self._entries: deque[_Entry] = deque()
        self._progress: dict[str, _Entry] = {}  # assignment id -> its queued progress
        self._ready = asyncio.Event()

    def put(self, request: wpb.ConnectRequest) -> None:
        entry = _Entry(request)
        if request.WhichOneof("message") == "progress":
            replaced = self._progress.get(request.progress.assignment_id)
            if replaced is not None:
                replaced.request = None
            self._progress[request.progress.assignment_id] = entry
        self._entries.append(entry)
        self._ready.set()

    async def get(self) -> wpb.ConnectRequest:
        while True:
            while self._entries:
                entry = self._entries.popleft()
                request = entry.request
                if request is None:
                    continue
                if request.WhichOneof("message") == "progress":
                    assignment_id = request.progress.assignment_id
                    if self._progress.get(assignment_id) is entry:
                        del self._progress[assignment_id]
                return request
            self._ready.clear()
            await self._ready.wait()

    def __len__(self) -> int:
        return sum(1 for e in self._entries if e.request is not None)
