"""The one writer: every change the core makes is committed here, many at a time, off the event loop.

The core records its changes in the open batch (``Writer.batch``) and asks for a commit: ``soon()`` when
someone waits for it (an answer, a waiter), ``later()`` when nobody does (progress, output). The writer
freezes the batch into rows on the loop thread, hands the rows to its own thread, which runs one
transaction for all of them, and hears back on the loop once it committed: then the batch's future is
resolved and the listeners run (the fan-out publishes the events, waiters wake). While a commit runs, new
changes gather in the next batch, which goes as soon as the writer is free: under load the commits grow,
with one caller each commit holds one change and goes at once. A batch nobody waits for goes after
``window`` seconds, so progress shares commits.

A commit that fails (a full disk, a lost database connection) is retried, with backoff, until it
succeeds; meanwhile ``healthy`` is False and the core refuses new work. Nothing the writer was given is
dropped, and nothing waiting on it is answered before its commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from taskstreamd.store.batch import Batch, Frozen

log = logging.getLogger(__name__)

T = TypeVar("T")
Fence = Callable[[Any], None]  # runs first in every commit; raises when this server may not write

FIRST_RETRY_SECONDS = 0.05
MAX_RETRY_SECONDS = 5.0
# A batch holding this much payload (output, results) is committed without waiting for the window, and
# callers that add more wait for it (back-pressure on a worker that floods output).
FULL_BATCH_BYTES = 8 * 1024 * 1024


@dataclass
class Outcome:
    """What a commit did: the instances whose create lost its request claim to another server, and the
    numbers it gave the project log entries it wrote (in their order in the batch, lost ones left out)."""

    lost: set[str] = field(default_factory=set)
    project_seqs: list[int] = field(default_factory=list)


class Backend(Protocol):
    """Where commits go (store.sql_backend: a database; store.memory: dicts, for tests). Every method
    runs on the writer's thread, with a connection of the backend's own making."""

    def time(self, value: datetime | None) -> Any:
        """A time as the backend stores it (rows are made on the loop, with this)."""
        ...

    def connect(self) -> Any: ...

    def commit(self, connection: Any, frozen: Frozen, fence: Fence | None) -> Outcome:
        """One transaction with everything in ``frozen``; raises (having rolled back) on failure."""
        ...

    def run(self, connection: Any, job: Callable[[Any], T]) -> T:
        """``job(connection)`` in a transaction of its own."""
        ...


class StoreUnwritable(Exception):
    """The store has not accepted a commit for a while (see Writer.healthy)."""


class Writer:
    def __init__(self, backend: Backend, *, window: float = 0.002, fence: Fence | None = None) -> None:
        self._backend = backend
        self._window = window
        self.fence = fence
        # Errors after which no commit may be retried (this replica lost its shards): the writer stops
        # and tells ``on_fatal``, on the loop.
        self.fatal: tuple[type[BaseException], ...] = ()
        self.on_fatal: Callable[[BaseException], None] = lambda error: None
        self.stopped = False
        # The notices a batch's commit sends the other replicas (PostgreSQL NOTIFY), made as it freezes.
        self.notices: Callable[[Batch], list[str]] | None = None
        # The notice that a project's log grew to a seq, added by the commit that numbers it.
        self.project_notice: Callable[[str, int], str] | None = None
        self.batch = Batch(1)
        self.committed_number = 0
        self.healthy = True
        self.last_error = ""
        # Called on the loop after each commit, in commit order, before its future resolves.
        self.listeners: list[Callable[[Batch, Outcome], None]] = []
        self.health_listeners: list[Callable[[bool], None]] = []
        self._futures: dict[int, asyncio.Future[Outcome]] = {}
        self._in_flight: Batch | None = None
        self._flush_scheduled = False
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._jobs: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closing = False

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._serve, name="taskstreamd-writer", daemon=True)
        self._thread.start()

    async def close(self) -> None:
        """Commits what is pending, then stops the thread."""
        if self._thread is None:
            return
        self._closing = True
        if not self.stopped and (len(self.batch) or self._in_flight is not None):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.soon(), 30)
        self._jobs.put(None)
        await asyncio.to_thread(self._thread.join, 30)
        self._thread = None

    # -- the loop side -----------------------------------------------------------------------------------

    def soon(self) -> asyncio.Future[Outcome]:
        """The commit of everything recorded so far, as soon as the writer is free."""
        batch = self.batch
        batch.urgent = True
        future = self._future(batch.number)
        self._schedule()
        return future

    def later(self) -> asyncio.Future[Outcome]:
        """The commit of everything recorded so far, within the window."""
        future = self._future(self.batch.number)
        self._schedule()
        return future

    def committed(self, number: int) -> bool:
        return number <= self.committed_number

    def wait(self, number: int) -> asyncio.Future[Outcome] | None:
        """The commit of batch ``number`` (urgently); None when it is committed already."""
        if number <= self.committed_number:
            return None
        if number == self.batch.number:
            return self.soon()
        return self._future(number)

    @property
    def full(self) -> bool:
        return self.batch.size >= FULL_BATCH_BYTES

    async def run(self, job: Callable[[Any], T]) -> T:
        """Runs ``job(connection)`` in the writer's thread, in a transaction of its own between commits."""
        assert self._loop is not None
        future: asyncio.Future[T] = self._loop.create_future()
        self._jobs.put((job, future))
        return await future

    def _future(self, number: int) -> asyncio.Future[Outcome]:
        future = self._futures.get(number)
        if future is None:
            assert self._loop is not None, "the writer is not started"
            future = self._futures[number] = self._loop.create_future()
        return future

    def _schedule(self) -> None:
        if self._in_flight is not None or self._flush_scheduled:
            return
        assert self._loop is not None
        if self.batch.urgent or self.full:
            self._flush_scheduled = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            # At the end of this turn of the loop, so that what else this turn records joins the batch.
            self._loop.call_soon(self._flush)
        elif self._timer is None:
            self._timer = self._loop.call_later(self._window, self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._in_flight is not None:
            return
        batch = self.batch
        if not len(batch):
            if batch.number in self._futures:  # waited on, with nothing to write: done already
                self.batch = Batch(batch.number + 1)
                self._finish(batch, Outcome())
            return
        self.batch = Batch(batch.number + 1)
        self._in_flight = batch
        frozen = batch.freeze(self._backend.time)
        if self.notices is not None:
            frozen.notices = self.notices(batch)
        frozen.project_notice = self.project_notice
        self._jobs.put((batch, frozen))

    def _committed(self, batch: Batch, outcome: Outcome) -> None:
        self._in_flight = None
        self._finish(batch, outcome)
        if len(self.batch) or self.batch.number in self._futures:
            self._schedule()

    def _finish(self, batch: Batch, outcome: Outcome) -> None:
        self.committed_number = batch.number
        for listen in self.listeners:
            try:
                listen(batch, outcome)
            except Exception:
                log.exception("a commit listener failed")
        future = self._futures.pop(batch.number, None)
        if future is not None and not future.done():
            future.set_result(outcome)

    def _health(self, healthy: bool, error: str) -> None:
        changed = healthy != self.healthy
        self.healthy, self.last_error = healthy, error
        if changed:
            for listen in self.health_listeners:
                listen(healthy)

    # -- the writer's thread -----------------------------------------------------------------------------

    def _serve(self) -> None:
        connection: Any = None
        try:
            while (item := self._jobs.get()) is not None:
                first, second = item
                if isinstance(first, Batch):
                    try:
                        connection, outcome = self._commit_until_done(connection, second)
                    except self.fatal as error:
                        self.stopped = True
                        self._call(self.on_fatal, error)
                        return
                    self._call(self._committed, first, outcome)
                else:
                    connection = self._run_job(connection, first, second)
        finally:
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()

    def _commit_until_done(self, connection: Any, frozen: Frozen) -> tuple[Any, Outcome]:
        delay = FIRST_RETRY_SECONDS
        failures = 0
        while True:
            try:
                if connection is None:
                    connection = self._backend.connect()
                outcome = self._backend.commit(connection, frozen, self.fence)
            except Exception as error:
                if isinstance(error, self.fatal):
                    self._discard(connection)
                    raise
                failures += 1
                connection = self._discard(connection)
                message = _describe(error)
                if failures == 1 or failures % 20 == 0:
                    log.error("the store did not take a commit (attempt %d): %s", failures, message)
                self._call(self._health, False, message)
                time.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            if failures:
                log.warning("the store takes commits again after %d failed attempts", failures)
                self._call(self._health, True, "")
            return connection, outcome

    def _run_job(self, connection: Any, job: Callable[[Any], Any], future: asyncio.Future[Any]) -> Any:
        try:
            if connection is None:
                connection = self._backend.connect()
            result = self._backend.run(connection, job)
        except BaseException as error:
            connection = self._discard(connection)
            self._call(_fail, future, error)
            return connection
        self._call(_succeed, future, result)
        return connection

    @staticmethod
    def _discard(connection: Any) -> None:
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.rollback()
            with contextlib.suppress(Exception):
                connection.close()
        return None

    def _call(self, callback: Callable[..., None], *args: Any) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is left to tell
            self._loop.call_soon_threadsafe(callback, *args)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
