"""Cron expressions (domain.cron) and the fire times of schedules (domain.schedule_model), on fixed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from taskstreamd.domain import cron
from taskstreamd.domain.schedule_model import OverlapPolicy, Schedule, Timing, catch_up

NEW_YORK = "America/New_York"


def fires(expression: str, after: datetime, count: int, zone: str = "UTC") -> list[datetime]:
    parsed, tz = cron.parse_cron(expression), cron.time_zone(zone)
    found: list[datetime] = []
    for _ in range(count):
        moment = parsed.next_after(after, tz)
        assert moment is not None
        found.append(moment)
        after = moment
    return found


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_fields_lists_ranges_steps_and_names() -> None:
    assert fires("*/20 9-10 * * MON-FRI", at("2026-01-02T10:30:00+00:00"), 4) == [
        at("2026-01-02T10:40:00+00:00"),
        at("2026-01-05T09:00:00+00:00"),  # Friday ends; Monday 9:00
        at("2026-01-05T09:20:00+00:00"),
        at("2026-01-05T09:40:00+00:00"),
    ]
    assert fires("0 0 1 JAN,jul *", at("2026-02-01T00:00:00+00:00"), 2) == [
        at("2026-07-01T00:00:00+00:00"),
        at("2027-01-01T00:00:00+00:00"),
    ]
    assert fires("@weekly", at("2026-01-01T00:00:00+00:00"), 1) == [at("2026-01-04T00:00:00+00:00")]
    assert fires("0 12 * * 7", at("2026-01-01T00:00:00+00:00"), 1) == fires(
        "0 12 * * 0", at("2026-01-01T00:00:00+00:00"), 1
    )


def test_a_restricted_day_of_month_and_of_week_match_either() -> None:
    # The 13th, or any Friday (Vixie cron).
    assert fires("0 0 13 * FRI", at("2026-02-01T00:00:00+00:00"), 3) == [
        at("2026-02-06T00:00:00+00:00"),
        at("2026-02-13T00:00:00+00:00"),
        at("2026-02-20T00:00:00+00:00"),
    ]
    assert fires("0 0 29 2 *", at("2026-01-01T00:00:00+00:00"), 1) == [at("2028-02-29T00:00:00+00:00")]


@pytest.mark.parametrize(
    ("expression", "wrong"),
    [
        ("* * * *", "5 fields"),
        ("60 * * * *", "minute"),
        ("* * * 13 *", "month"),
        ("*/0 * * * *", "step"),
        ("5-1 * * * *", "range"),
        ("* * * * FUNDAY", "day of week"),
        ("0 0 30 2 *", "never fire"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expression: str, wrong: str) -> None:
    with pytest.raises(cron.CronError, match=wrong):
        cron.parse_cron(expression)


def test_unknown_time_zones_are_refused_and_utc_needs_no_database() -> None:
    with pytest.raises(cron.CronError, match="time zone"):
        cron.time_zone("Mars/Olympus_Mons")
    assert cron.time_zone("") is UTC and cron.time_zone("UTC") is UTC


def test_wall_times_the_clock_skips_fire_after_the_jump_and_repeated_ones_once() -> None:
    # 8 March 2026: New York's clocks jump from 02:00 to 03:00.
    spring = fires("30 2 * * *", at("2026-03-07T12:00:00+00:00"), 2, NEW_YORK)
    assert [t.astimezone(cron.time_zone(NEW_YORK)).isoformat() for t in spring] == [
        "2026-03-08T03:30:00-04:00",
        "2026-03-09T02:30:00-04:00",
    ]
    # 1 November 2026: 01:00-01:59 happens twice; a daily 01:30 fires on the first.
    autumn = fires("30 1 * * *", at("2026-10-31T12:00:00+00:00"), 2, NEW_YORK)
    assert [t.isoformat() for t in autumn] == ["2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"]
    # Every half hour goes on through the repeated hour without firing a time twice.
    halves = fires("*/30 * * * *", at("2026-11-01T04:50:00+00:00"), 4, NEW_YORK)
    assert halves == sorted(set(halves)) and halves[-1] - halves[0] == timedelta(hours=2, minutes=30)


def schedule(timing: Timing, fired_through: datetime, window: float = 3600) -> Schedule:
    return Schedule(
        project="p",
        id="s",
        owner="me",
        timing=timing,
        template=b"",
        code=False,
        overlap=OverlapPolicy.SKIP,
        catch_up_window=window,
        create_time=fired_through,
        fired_through=fired_through,
    )


def test_an_interval_counts_from_its_anchor_and_catch_up_keeps_the_window() -> None:
    start = at("2026-01-01T00:00:00+00:00")
    timing = Timing(interval=60, anchor=start)
    assert timing.next_after(start) == start + timedelta(minutes=1)
    assert timing.next_after(start + timedelta(seconds=61)) == start + timedelta(minutes=2)
    # Down for 3 hours with a window of one hour: what came before 02:00 is missed, 02:00 to 03:00 due.
    plan = catch_up(schedule(timing, start), start + timedelta(hours=3))
    assert plan.missed == 119 and len(plan.due) == 61
    assert plan.due[0] == start + timedelta(hours=2) and plan.due[-1] == start + timedelta(hours=3)


def test_catch_up_fires_at_most_the_hundred_most_recent() -> None:
    start = at("2026-01-01T00:00:00+00:00")
    plan = catch_up(schedule(Timing(interval=1, anchor=start), start), start + timedelta(seconds=250))
    assert len(plan.due) == 100 and plan.missed == 150
    assert plan.due[0] == start + timedelta(seconds=151) and plan.due[-1] == start + timedelta(seconds=250)
    cron_plan = catch_up(
        schedule(Timing(cron="* * * * *"), start, window=86400), start + timedelta(minutes=150)
    )
    assert len(cron_plan.due) == 100 and cron_plan.missed == 50
    assert cron_plan.due[-1] == start + timedelta(minutes=150)
