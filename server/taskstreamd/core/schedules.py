"""The use cases of schedules: create, read, pause, resume, trigger and delete them, and fire them.

A schedule belongs to the shard of its name, as an instance to the shard of its id, and only that
shard's owner holds it in memory, changes it and fires it; the instances it starts are drawn in the same
shard (core.instances), so the owner of a schedule holds every one of its active instances too. Each
schedule has one timer (core.timers) at its next fire time. A firing moves the schedule's cursor in the
commit that inserts the instance it starts (``Instances.create``'s claim), and the commits of a replica
are fenced by its shards: a fire time is done once, by one replica, whatever restarts or moves.

A server that starts, or takes a shard over, loads its schedules; their timers come due at once for
whatever passed meanwhile, and the catch-up (domain.schedule_model) fires what is still within the window.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from taskstreamd.core import request_claims
from taskstreamd.core.book import Book
from taskstreamd.core.instances import Created, Instances
from taskstreamd.core.ownership import shard_of
from taskstreamd.core.timers import Timers
from taskstreamd.domain import transitions
from taskstreamd.domain.model import Instance, NewInstance
from taskstreamd.domain.schedule_model import (
    NewSchedule,
    OverlapPolicy,
    Schedule,
    catch_up,
    schedule_name,
)
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus
from taskstreamd.errors import (
    AlreadyExists,
    Elsewhere,
    FailedPrecondition,
    NotFound,
    ResourceExhausted,
    ServiceError,
    Unavailable,
)
from taskstreamd.store.interface import Reads
from taskstreamd.store.reads import decode_page_token, encode_page_token

log = logging.getLogger(__name__)

T = TypeVar("T")
Encode = Callable[[Schedule], T]
# The instance a firing starts, from the schedule's template, checked as a CreateInstance from its owner
# would be now (set by the API layer, which reads templates).
Instantiate = Callable[[Schedule], Awaitable[NewInstance]]

SCHEDULE_LABEL = "taskstream.schedule"  # on each instance a schedule starts: the schedule's id
FIRE_TIME_LABEL = "taskstream.fire_time"  # and the fire time that started it (RFC 3339, UTC)
RETRY_SECONDS = 5.0  # a firing the store or a shutdown refused is tried again this much later


class _Abandoned(Exception):
    """A firing found its schedule deleted, or (for a fire time) paused, at the last moment."""


class Schedules:
    def __init__(self, book: Book, reader: Reads, instances: Instances, timers: Timers) -> None:
        self.book = book
        self.reader = reader
        self.instances = instances
        self.timers = timers
        self.held: dict[str, Schedule] = {}  # by name: the schedules this server owns
        self.owns: Callable[[str], bool] = lambda name: True  # whether the shard of a name is owned here
        self.owner_address: Callable[[str], str] = lambda name: ""
        self.instantiate: Instantiate | None = None
        self._firing: dict[str, asyncio.Task[None]] = {}
        self._last_change: dict[str, int] = {}  # name -> the batch of its last change

    # -- ownership ---------------------------------------------------------------------------------------

    async def load(self, shards: set[int] | None) -> None:
        """Takes on the stored schedules of ``shards`` (or all) and sets their timers."""
        for schedule in await self.reader.schedules():
            name = schedule.name
            if name in self.held or (shards is not None and shard_of(name) not in shards):
                continue
            self.held[name] = schedule
            self._arm(schedule)

    def forget(self, shards: set[int]) -> None:
        """Lets go of the schedules of ``shards`` (another replica takes them): nothing fires them here."""
        for name in [n for n in self.held if shard_of(n) in shards]:
            del self.held[name]
            self._last_change.pop(name, None)
            self.timers.cancel(("schedule", name))

    async def close(self) -> None:
        firing = list(self._firing.values())
        for task in firing:
            task.cancel()
        await asyncio.gather(*firing, return_exceptions=True)

    async def settled(self) -> None:
        """Once no firing is under way (for tests, which move the clock themselves)."""
        while self._firing:
            await asyncio.gather(*list(self._firing.values()), return_exceptions=True)

    # -- use cases ---------------------------------------------------------------------------------------

    async def create(self, new: NewSchedule, encode: Encode[bytes]) -> bytes:
        """The new schedule's answer (or, for a retry of a create with its request_id, the first one)."""
        if self.instances.draining:
            raise Unavailable("the server is shutting down and accepts no new schedules; retry elsewhere")
        self._writable()
        name = schedule_name(new.project, new.id)
        if not self.owns(name):
            raise Elsewhere(name, self.owner_address(name), "schedule")
        existing = self.held.get(name)
        if existing is not None:
            if new.request_id and existing.request_id == new.request_id:
                request_claims.check(existing.fingerprint, new.fingerprint)
                await self._settle(existing)
                return existing.answer or encode(existing)
            raise AlreadyExists("schedule", name)
        now = self.book.clock()
        timing = new.timing if new.timing.interval is None else dataclasses.replace(new.timing, anchor=now)
        schedule = Schedule(
            project=new.project,
            id=new.id,
            owner=new.owner,
            timing=timing,
            template=new.template,
            code=new.code,
            overlap=new.overlap,
            catch_up_window=new.catch_up_window,
            create_time=now,
            fired_through=now,
            paused=new.paused,
            request_id=new.request_id,
            fingerprint=new.fingerprint,
        )
        answer = encode(schedule)
        if new.request_id:
            schedule.answer = answer  # written with the row: a retry gets these bytes
        self.held[name] = schedule
        self.book.batch.schedule_added(schedule)
        self._touch(schedule)
        await self._settle(schedule)
        self._arm(schedule)
        log.info("schedule %s created", name, extra={"schedule": name, "project": new.project})
        return answer

    async def read(self, project: str, schedule_id: str, encode: Encode[T]) -> T:
        """The schedule ``encode``d, as committed."""
        name = schedule_name(project, schedule_id)
        schedule = self.held.get(name)
        if schedule is not None:
            data = encode(schedule)
            await self._settle(schedule)
            return data
        stored = await self.reader.schedule(project, schedule_id)
        if stored is None:
            raise NotFound("schedule", name)
        return encode(stored)

    async def list_schedules(
        self, project: str, page_size: int, page_token: str
    ) -> tuple[list[Schedule], str]:
        after = decode_page_token(page_token) if page_token else None
        found, more = await self.reader.list_schedules(project, page_size, after)
        # The owner's memory is at least as new as the store: show the schedules held here from it.
        found = [self.held.get(s.name, s) for s in found]
        return found, encode_page_token(found[-1].id) if more and found else ""

    async def pause(self, project: str, schedule_id: str, encode: Encode[T]) -> T:
        schedule = self._owned(project, schedule_id)
        if not schedule.paused:
            schedule.paused = True
            schedule.update_time = self.book.clock()
            self._changed(schedule)
            self.timers.cancel(("schedule", schedule.name))
        data = encode(schedule)
        await self._settle(schedule)
        return data

    async def resume(self, project: str, schedule_id: str, encode: Encode[T]) -> T:
        """Resumes from now on: what came due while it was paused is not caught up."""
        schedule = self._owned(project, schedule_id)
        if schedule.paused:
            now = self.book.clock()
            schedule.paused = False
            schedule.update_time = now
            schedule.fired_through = max(schedule.fired_through, now)
            self._changed(schedule)
            self._arm(schedule)
        data = encode(schedule)
        await self._settle(schedule)
        return data

    async def trigger(self, project: str, schedule_id: str, encode: Callable[[Instance], bytes]) -> bytes:
        """Starts an instance now, as a firing would; the answer ``encode`` makes of it."""
        schedule = self._owned(project, schedule_id)
        created = await self._fire(schedule, None, encode)
        assert created is not None  # a trigger raises rather than skip
        return created.answer

    async def delete(self, project: str, schedule_id: str) -> None:
        """Deletes the schedule; the instances it started go on."""
        schedule = self._owned(project, schedule_id)
        name = schedule.name
        del self.held[name]
        self.timers.cancel(("schedule", name))
        self.book.batch.schedule_deleted(schedule)
        self._touch(schedule)
        await self._settle(schedule)
        self._last_change.pop(name, None)
        log.info("schedule %s deleted", name, extra={"schedule": name, "project": project})

    # -- firing ------------------------------------------------------------------------------------------

    def _arm(self, schedule: Schedule, at: datetime | None = None) -> None:
        key = ("schedule", schedule.name)
        self.timers.cancel(key)
        if schedule.paused or self.held.get(schedule.name) is not schedule:
            return
        when = at or schedule.next_fire_time()
        if when is not None:
            self.timers.at(when, key, lambda: self._due(schedule.name))

    def _due(self, name: str) -> None:
        """The timer of ``name`` came: fire what is due, in a task (a firing waits for commits)."""
        if name in self._firing:
            return  # the firing under way sets the timer again when it ends
        self._firing[name] = asyncio.get_running_loop().create_task(self._fire_due(name), name=name)

    async def _fire_due(self, name: str) -> None:
        schedule = self.held.get(name)
        retry_at = None
        try:
            if schedule is None or schedule.paused:
                return
            plan = catch_up(schedule, self.book.clock())
            if plan.missed and plan.missed_through is not None:
                log.warning(
                    "schedule %s missed %d fire times while no server could fire it", name, plan.missed
                )
                schedule.miss_count += plan.missed
                schedule.fired_through = max(schedule.fired_through, plan.missed_through)
                self._changed(schedule)
            for moment in plan.due:
                if self.held.get(name) is not schedule or schedule.paused:
                    return
                await self._fire(schedule, moment, lambda _: b"")
        except (Unavailable, ResourceExhausted) as error:  # a shutdown, the store, a shard that moved
            log.warning("schedule %s did not fire (%s); trying again", name, error.message)
            retry_at = self.book.clock() + timedelta(seconds=RETRY_SECONDS)
        except Exception:
            log.exception("firing schedule %s failed", name)
            retry_at = self.book.clock() + timedelta(seconds=RETRY_SECONDS)
        finally:
            self._firing.pop(name, None)  # here, not in a callback: a timer due from now on fires again
            if schedule is not None and self.held.get(name) is schedule:
                self._arm(schedule, retry_at)

    def _running(self, schedule: Schedule) -> list[Instance]:
        """The instances it started that have not terminated (all in memory here: see the docstring)."""
        return [i for i in self.book if i.schedule == schedule.name and i.status != InstanceStatus.TERMINATED]

    async def _fire(
        self, schedule: Schedule, moment: datetime | None, encode: Callable[[Instance], bytes]
    ) -> Created | None:
        """Starts an instance for fire time ``moment`` (None: a trigger, which raises where a fire time
        is skipped or recorded as failed); None when it started nothing."""
        name = schedule.name
        assert self.instantiate is not None, "the API layer sets how templates are read"
        # The template and its creator's rights first: a trigger refused for them says so, not overlap.
        try:
            new = await self.instantiate(schedule)
        except (Unavailable, ResourceExhausted):
            raise
        except ServiceError as error:
            if moment is None:
                raise
            self._failed(schedule, moment, error.message)
            return None
        running = self._running(schedule)
        if running and schedule.overlap is OverlapPolicy.SKIP:
            if moment is None:
                raise FailedPrecondition(
                    "SCHEDULE_OVERLAP",
                    f"instance {running[0].id} of schedule {name} has not terminated and the schedule's"
                    " overlap policy is SKIP",
                )
            schedule.skip_count += 1
            schedule.fired_through = max(schedule.fired_through, moment)
            self._changed(schedule)
            self.book.writer.later()
            return None
        if running and schedule.overlap is OverlapPolicy.CANCEL_PREVIOUS:
            for instance in running:
                with contextlib.suppress(FailedPrecondition, NotFound):  # it ended meanwhile
                    await self.instances.stop(
                        instance.project,
                        instance.id,
                        lambda _: b"",
                        reason=CancellationReason.DIRECT,
                        message=f"schedule {name} started another instance (overlap policy CANCEL_PREVIOUS)",
                        requested_by=transitions.SERVER_PRINCIPAL,
                        grace_period=None,
                    )
        new.schedule, new.owner, new.request_id = name, schedule.owner, ""
        new.labels[SCHEDULE_LABEL] = schedule.id
        if moment is not None:
            new.labels[FIRE_TIME_LABEL] = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

        def claim(instance: Instance) -> None:
            # Nothing is awaited from here to the instance joining the book: both share one commit.
            if not self.owns(name):
                raise Elsewhere(name, self.owner_address(name), "schedule")
            if self.held.get(name) is not schedule or (moment is not None and schedule.paused):
                raise _Abandoned()  # deleted or paused while the template was read: nothing starts
            schedule.fire_count += 1
            schedule.last_fire_time = moment or instance.create_time
            schedule.last_instance = instance.id
            if moment is not None:
                schedule.fired_through = max(schedule.fired_through, moment)
            self._changed(schedule)

        try:
            created = await self.instances.create(new, encode, claim=claim)
        except _Abandoned:
            if moment is None:
                raise NotFound("schedule", name) from None
            return None
        except (Unavailable, ResourceExhausted):
            raise
        except ServiceError as error:  # code no longer allowed on this server, a data source gone ...
            if moment is None:
                raise
            self._failed(schedule, moment, error.message)
            return None
        log.info(
            "schedule %s started instance %s",
            name,
            created.instance.id,
            extra={"schedule": name, "instance_id": created.instance.id},
        )
        return created

    def _failed(self, schedule: Schedule, moment: datetime, message: str) -> None:
        """A fire time whose instance could not be created: recorded, and not tried again."""
        log.warning("schedule %s could not start its instance for %s: %s", schedule.name, moment, message)
        schedule.skip_count += 1
        schedule.last_error = message
        schedule.last_error_time = self.book.clock()
        schedule.fired_through = max(schedule.fired_through, moment)
        self._changed(schedule)
        self.book.writer.later()

    # -- helpers -----------------------------------------------------------------------------------------

    def _owned(self, project: str, schedule_id: str) -> Schedule:
        """The schedule to change: held here, or the error that says why it is not."""
        self._writable()
        name = schedule_name(project, schedule_id)
        schedule = self.held.get(name)
        if schedule is not None:
            return schedule
        if self.owns(name):
            raise NotFound("schedule", name)
        raise Elsewhere(name, self.owner_address(name), "schedule")

    def _writable(self) -> None:
        writer = self.book.writer
        if not writer.healthy:
            raise ResourceExhausted(
                "STORE_UNWRITABLE", f"the server cannot write to its store ({writer.last_error}); retry later"
            )

    def _changed(self, schedule: Schedule) -> None:
        self.book.batch.schedule_changed(schedule)
        self._touch(schedule)

    def _touch(self, schedule: Schedule) -> None:
        self._last_change[schedule.name] = self.book.batch.number

    async def _settle(self, schedule: Schedule) -> None:
        """Once the commit of the schedule's last change is in."""
        pending = self.book.writer.wait(self._last_change.get(schedule.name, 0))
        if pending is not None:
            await pending
