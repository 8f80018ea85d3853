"""Who waits for which instance to terminate, for WaitInstance, WaitInstances and a waiting create.

A wait registers its instances before it reads them, and the commit (or another replica's note) that
terminates one sets the wait's event: terminations are final, so a wait that re-reads after each wake-up
cannot miss one, and nothing polls.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class Watch:
    """One wait's interest: the instances it waits on, and the event any of their terminations sets."""

    def __init__(self, waits: TerminationWaits) -> None:
        self._waits = waits
        self.woken = asyncio.Event()
        self.instance_ids: set[str] = set()

    def add(self, instance_id: str) -> None:
        """Wait on this instance from now on. A state of it committed after this call may stand for a
        first read: any later termination sets ``woken``."""
        if instance_id not in self.instance_ids:
            self.instance_ids.add(instance_id)
            self._waits.register(instance_id, self.woken)

    def __contains__(self, instance_id: str) -> bool:
        return instance_id in self.instance_ids


class TerminationWaits:
    def __init__(self) -> None:
        self._woken: dict[str, set[asyncio.Event]] = {}

    @contextlib.contextmanager
    def watch(self) -> Iterator[Watch]:
        """A watch that holds its registrations until the block ends."""
        watch = Watch(self)
        try:
            yield watch
        finally:
            for instance_id in watch.instance_ids:
                woken = self._woken.get(instance_id)
                if woken is not None:
                    woken.discard(watch.woken)
                    if not woken:
                        del self._woken[instance_id]

    def register(self, instance_id: str, woken: asyncio.Event) -> None:
        self._woken.setdefault(instance_id, set()).add(woken)

    def terminated(self, instance_id: str) -> None:
        for woken in self._woken.get(instance_id, ()):
            woken.set()

    def wake_all(self) -> None:
        """Every wait reads again (a note from another replica may have been missed)."""
        for woken in self._woken.values():
            for event in woken:
                event.set()
