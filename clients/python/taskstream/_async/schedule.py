"""The Schedule handle: a schedule's timing, template and firings, and pause, resume, trigger, delete."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from taskstream._convert import from_duration, optional_datetime, split_instance_ref
from taskstream._schedules import OverlapPolicy, template_task
from taskstream._specs import TaskSpec
from taskstream.v1 import schedule_pb2

if TYPE_CHECKING:
    from taskstream._async.client import AsyncClient
    from taskstream._async.instance import AsyncInstance


class AsyncSchedule:
    """A handle on one schedule, holding what the server last said of it.

    Its attributes are that answer (``next_fire_time``, ``fire_count`` …) and call nothing; ``reload()``
    asks again, and ``pause()``, ``resume()`` and ``trigger()`` refresh it too. Times are aware UTC
    datetimes.
    """

    def __init__(self, client: AsyncClient, data: schedule_pb2.Schedule) -> None:
        self._client = client
        self._rpc = client._rpc
        self._data = data

    def __repr__(self) -> str:
        timing = f"cron={self.cron!r}" if self.cron is not None else f"interval={self.interval}"
        return f"<Schedule {self.name} {timing}{' paused' if self.paused else ''}>"

    # -- what it is

    @property
    def name(self) -> str:
        """``projects/{project}/schedules/{id}``."""
        return self._data.name

    @property
    def id(self) -> str:
        return self._data.id

    @property
    def project(self) -> str:
        return self._data.project

    @property
    def owner(self) -> str:
        """Who created it: its instances run as this principal."""
        return self._data.owner

    @property
    def cron(self) -> str | None:
        """Its cron expression, or None for an interval schedule."""
        return self._data.cron.expression if self._data.HasField("cron") else None

    @property
    def time_zone(self) -> str | None:
        """The time zone its cron expression is read in ("" is UTC); None for an interval schedule."""
        return self._data.cron.time_zone if self._data.HasField("cron") else None

    @property
    def interval(self) -> float | None:
        """Seconds between firings, or None for a cron schedule."""
        return from_duration(self._data.interval) if self._data.HasField("interval") else None

    @property
    def overlap(self) -> OverlapPolicy:
        return OverlapPolicy.from_proto(self._data.overlap_policy)

    @property
    def catch_up_window(self) -> float:
        """How late (seconds) a fire time may still fire after the server was away."""
        return from_duration(self._data.catch_up_window)

    @property
    def tasks(self) -> list[TaskSpec]:
        """The tasks of each instance it starts."""
        return [template_task(t) for t in self._data.instance_template.tasks]

    @property
    def labels(self) -> dict[str, str]:
        """The labels of each instance it starts (besides ``taskstream.schedule`` and ``.fire_time``)."""
        return dict(self._data.instance_template.labels)

    @property
    def create_time(self) -> dt.datetime | None:
        return optional_datetime(self._data, "create_time")

    # -- how it fires

    @property
    def paused(self) -> bool:
        return self._data.paused

    @property
    def next_fire_time(self) -> dt.datetime | None:
        """None while paused."""
        return optional_datetime(self._data, "next_fire_time")

    @property
    def last_fire_time(self) -> dt.datetime | None:
        return optional_datetime(self._data, "last_fire_time")

    @property
    def last_instance(self) -> AsyncInstance | None:
        """The handle of the last instance it started (calls nothing), or None before the first."""
        if not self._data.last_instance:
            return None
        project, instance_id = split_instance_ref(self._data.last_instance, self.project)
        return self._client.get_instance(instance_id, project)

    @property
    def fire_count(self) -> int:
        """Instances started, by its timing and by triggers."""
        return self._data.fire_count

    @property
    def skip_count(self) -> int:
        """Fire times that started nothing: skipped for overlap, or failed (see ``last_error``)."""
        return self._data.skip_count

    @property
    def miss_count(self) -> int:
        """Fire times that passed beyond the catch-up window while no server could fire them."""
        return self._data.miss_count

    @property
    def last_error(self) -> str:
        """Why the last fire time that failed started nothing ("" when none did)."""
        return self._data.last_error

    # -- calls

    async def reload(self) -> None:
        """Asks the server for the schedule as it is now."""
        self._data = await self._rpc.get_schedule(self.name)

    async def pause(self) -> None:
        """Fires nothing until ``resume()``; ``trigger()`` still starts an instance."""
        self._data = await self._rpc.pause_schedule(self.name)

    async def resume(self) -> None:
        """Fires again from now on: what came due while it was paused is not caught up."""
        self._data = await self._rpc.resume_schedule(self.name)

    async def trigger(self) -> AsyncInstance:
        """Starts an instance now, as a firing would (the overlap policy applies: with ``"skip"``, an
        instance still running makes it FailedPreconditionError); returns it without waiting."""
        data = await self._rpc.trigger_schedule(self.name)
        await self.reload()
        return self._client._handle(data.project or self.project, data.id, data, has_tasks=True)

    async def delete(self) -> None:
        """Deletes the schedule; the instances it started go on."""
        await self._rpc.delete_schedule(self.name)
