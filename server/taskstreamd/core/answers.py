"""GetInstance answers kept in memory: an active instance's while its seq (its version: every change
records an event) does not move, a terminated instance's for good (until retention deletes it, which
serves a tombstone instead: its answer is dropped then)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

DEFAULT_CAPACITY = 4096


class AnswerCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._live: dict[str, tuple[Hashable, bytes]] = {}
        self._final: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def get(self, instance_id: str, seq: Hashable) -> bytes | None:
        found = self._live.get(instance_id)
        return found[1] if found is not None and found[0] == seq else None

    def put(self, instance_id: str, seq: Hashable, data: bytes) -> None:
        if self._capacity <= 0:
            return
        if len(self._live) >= self._capacity and instance_id not in self._live:
            self._live.pop(next(iter(self._live)))
        self._live[instance_id] = (seq, data)

    def get_final(self, instance_id: str, project: str) -> bytes | None:
        found = self._final.get(instance_id)
        if found is None or found[0] != project:
            return None
        self._final.move_to_end(instance_id)
        return found[1]

    def put_final(self, instance_id: str, project: str, data: bytes) -> None:
        if self._capacity <= 0:
            return
        self._live.pop(instance_id, None)
        self._final[instance_id] = (project, data)
        while len(self._final) > self._capacity:
            self._final.popitem(last=False)

    def ended(self, instance_id: str) -> None:
        """The instance left memory: its live answer is of no more use."""
        self._live.pop(instance_id, None)

    def deleted(self, instance_ids: list[str]) -> None:
        for instance_id in instance_ids:
            self._final.pop(instance_id, None)
            self._live.pop(instance_id, None)
