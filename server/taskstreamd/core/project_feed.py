"""Fan-out of committed project log entries to the watchers of each project (WatchInstances).

As with instances (core.fanout), watchers pull: each keeps its cursor (a project seq) and reads the entries
after it from a shared ring of the project's recent entries when the ring holds them, else from the store.
A project's numbers have no gaps, so the ring knows when it misses some: entries committed by another
replica arrive as a notice of the project's last seq (``note``), never as entries, and a watcher below
that seq reads the store. Instance-level changes are few (a handful per instance), so every commit that
has some wakes the project's watchers at once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from taskstreamd.domain.project_events import ProjectEvent


class ProjectFeed:
    """The recent entries of one project's log, while someone watches the project."""

    def __init__(self, ring_size: int) -> None:
        self._ring: deque[ProjectEvent] = deque(maxlen=ring_size)
        self._head = 0  # the highest seq known to be committed
        self._waiters: list[asyncio.Future[bool]] = []
        self.watchers = 0

    @property
    def head(self) -> int:
        return self._head

    def saw(self, seq: int) -> None:
        """``seq`` is committed (read from the store while this feed existed)."""
        self._head = max(self._head, seq)

    def after(self, seq: int) -> list[ProjectEvent] | None:
        """The entries after ``seq`` up to the head, or None when the ring cannot tell them all."""
        if seq >= self._head:
            return []
        ring = self._ring
        if not ring or ring[0].seq > seq + 1 or ring[-1].seq < self._head:
            return None
        start = seq + 1 - ring[0].seq
        return [ring[i] for i in range(max(start, 0), len(ring))]

    def append(self, entries: Iterable[ProjectEvent]) -> None:
        ring = self._ring
        for entry in entries:
            if ring and entry.seq <= ring[-1].seq:
                continue
            if ring and entry.seq != ring[-1].seq + 1:
                ring.clear()  # another replica's entries came in between: the store has them
            ring.append(entry)
            self._head = max(self._head, entry.seq)
        self.wake()

    def note(self, seq: int) -> None:
        """Another replica committed this project's entries up to ``seq``."""
        self._head = max(self._head, seq)
        self.wake()

    def wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(True)

    def arm(self) -> asyncio.Future[bool]:
        """A future the next wake resolves; take it before reading, so no wake is slept through."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        return future


class ProjectSubscription:
    __slots__ = ("_feed", "_hub", "_project")

    def __init__(self, hub: ProjectHub, project: str) -> None:
        self._hub = hub
        self._project = project
        self._feed: ProjectFeed | None = None

    def __enter__(self) -> ProjectFeed:
        self._feed = self._hub._join(self._project)
        return self._feed

    def __exit__(self, *exc: object) -> None:
        if self._feed is not None:
            self._hub._leave(self._project, self._feed)
            self._feed = None


class ProjectHub:
    def __init__(self, ring_size: int = 1024) -> None:
        self._ring_size = ring_size
        self._feeds: dict[str, ProjectFeed] = {}
        self.closed = False

    def publish(self, entries: list[ProjectEvent]) -> None:
        """Called after each commit with the entries it numbered, in order."""
        by_project: dict[str, list[ProjectEvent]] = {}
        for entry in entries:
            if entry.project in self._feeds:
                by_project.setdefault(entry.project, []).append(entry)
        for project, found in by_project.items():
            self._feeds[project].append(found)

    def note(self, project: str, seq: int) -> None:
        feed = self._feeds.get(project)
        if feed is not None:
            feed.note(seq)

    def resync(self) -> None:
        """Notices may have been lost, or the store changed behind the feeds (retention): every watcher
        reads the store again."""
        for feed in self._feeds.values():
            feed.note(feed.head + 1)

    def subscribe(self, project: str) -> ProjectSubscription:
        return ProjectSubscription(self, project)

    def _join(self, project: str) -> ProjectFeed:
        feed = self._feeds.get(project)
        if feed is None:
            feed = self._feeds[project] = ProjectFeed(self._ring_size)
        feed.watchers += 1
        return feed

    def _leave(self, project: str, feed: ProjectFeed) -> None:
        feed.watchers -= 1
        if feed.watchers == 0 and self._feeds.get(project) is feed:
            del self._feeds[project]

    def close(self) -> None:
        """Server draining: wakes every watcher so it can end its stream with a cursor."""
        self.closed = True
        for feed in self._feeds.values():
            feed.wake()

    @property
    def watchers(self) -> int:
        return sum(feed.watchers for feed in self._feeds.values())
