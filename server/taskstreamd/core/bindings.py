"""Instances bound to their caller (STK's cancel_on_client_disconnection): while no watch of such an
instance is open for longer than its grace period, it is stopped with reason CLIENT_DISCONNECTED.

The grace period runs from the create (the caller opens its watch next), from each time the last watch
ends, and from a restart (watchers resume on their own). Only this replica's watches count: a bound
instance is watched on the replica that owns it (a watch elsewhere reads the store and does not keep it
alive).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from taskstreamd.core.book import Book
from taskstreamd.core.timers import Timers
from taskstreamd.domain.model import Instance
from taskstreamd.domain.vocabulary import InstanceStatus

log = logging.getLogger(__name__)

StopUnwatched = Callable[[Instance], Awaitable[None]]


class Bindings:
    def __init__(self, book: Book, timers: Timers) -> None:
        self.book = book
        self.timers = timers
        self._watchers: dict[str, int] = {}
        self.stop: StopUnwatched | None = None  # set by the core: stops with CLIENT_DISCONNECTED
        self._stopping: set[asyncio.Task[None]] = set()

    def track(self, instance: Instance) -> None:
        """A new or loaded instance: a bound one must be watched within its grace period."""
        if instance.options.bound and instance.status != InstanceStatus.TERMINATED:
            self._arm(instance)

    def opened(self, instance_id: str) -> None:
        instance = self.book.get(instance_id)
        if instance is None or not instance.options.bound:
            return
        self._watchers[instance_id] = self._watchers.get(instance_id, 0) + 1
        self.timers.cancel(("bound", instance_id))

    def closed(self, instance_id: str) -> None:
        count = self._watchers.get(instance_id)
        if count is None:
            return
        if count > 1:
            self._watchers[instance_id] = count - 1
            return
        del self._watchers[instance_id]
        instance = self.book.get(instance_id)
        if instance is not None and instance.status != InstanceStatus.TERMINATED:
            self._arm(instance)

    def _arm(self, instance: Instance) -> None:
        when = self.timers.clock() + timedelta(seconds=instance.options.bound_grace)
        self.timers.at(when, ("bound", instance.id), lambda: self._expired(instance.id))

    def _expired(self, instance_id: str) -> None:
        instance = self.book.get(instance_id)
        if instance is None or self._watchers.get(instance_id) or self.stop is None:
            return
        if instance.status == InstanceStatus.TERMINATED:
            return
        log.info("instance %s lost its caller's watch; stopping it", instance_id)
        task = asyncio.ensure_future(self.stop(instance))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
