"""Schedules as rows of the ``schedules`` table: what the writer stores of them and how a read builds
them back (times formatted as in store.rows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskstreamd.domain.schedule_model import OverlapPolicy, Schedule, Timing
from taskstreamd.store.rows import utc

OVERLAP_CODE = {OverlapPolicy.SKIP: 1, OverlapPolicy.ALLOW: 2, OverlapPolicy.CANCEL_PREVIOUS: 3}
OVERLAP_FROM_CODE = {v: k for k, v in OVERLAP_CODE.items()}

# What a firing, a pause or a resume changes; the rest is written once, by the create.
UPDATE_COLUMNS = (
    "paused",
    "update_time",
    "fired_through",
    "last_fire_time",
    "last_instance",
    "fire_count",
    "skip_count",
    "miss_count",
    "last_error",
    "last_error_time",
)
INSERT_COLUMNS = (
    "project",
    "id",
    "owner",
    "cron",
    "time_zone",
    "interval",
    "template",
    "code",
    "overlap",
    "catch_up_window",
    "create_time",
    "request_id",
    "fingerprint",
    "answer",
    *UPDATE_COLUMNS,
)


def _state(s: Schedule, time: Any) -> tuple[Any, ...]:
    return (
        s.paused,
        time(s.update_time),
        time(s.fired_through),
        time(s.last_fire_time),
        s.last_instance,
        s.fire_count,
        s.skip_count,
        s.miss_count,
        s.last_error,
        time(s.last_error_time),
    )


def insert(s: Schedule, time: Any) -> tuple[Any, ...]:
    """INSERT_COLUMNS order; ``time`` formats times for the dialect."""
    return (
        s.project,
        s.id,
        s.owner,
        s.timing.cron,
        s.timing.time_zone,
        s.timing.interval,
        s.template,
        s.code,
        OVERLAP_CODE[s.overlap],
        s.catch_up_window,
        time(s.create_time),
        s.request_id or None,
        s.fingerprint,
        s.answer or None,
        *_state(s, time),
    )


def update(s: Schedule, time: Any) -> tuple[Any, ...]:
    """UPDATE_COLUMNS, then the key (project, id)."""
    return (*_state(s, time), s.project, s.id)


def from_mapping(m: Mapping[Any, Any]) -> Schedule:
    create_time = utc(m["create_time"])
    fired_through = utc(m["fired_through"])
    assert create_time is not None and fired_through is not None
    interval = m["interval"]
    timing = (
        Timing(interval=interval, anchor=create_time)
        if interval is not None
        else Timing(cron=m["cron"], time_zone=m["time_zone"])
    )
    return Schedule(
        project=m["project"],
        id=m["id"],
        owner=m["owner"],
        timing=timing,
        template=bytes(m["template"]),
        code=bool(m["code"]),
        overlap=OVERLAP_FROM_CODE[m["overlap"]],
        catch_up_window=m["catch_up_window"],
        create_time=create_time,
        fired_through=fired_through,
        paused=bool(m["paused"]),
        update_time=utc(m["update_time"]),
        last_fire_time=utc(m["last_fire_time"]),
        last_instance=m["last_instance"],
        fire_count=m["fire_count"],
        skip_count=m["skip_count"],
        miss_count=m["miss_count"],
        last_error=m["last_error"],
        last_error_time=utc(m["last_error_time"]),
        request_id=m["request_id"] or "",
        fingerprint=m["fingerprint"],
        answer=bytes(m["answer"] or b""),
    )
