"""Cron expressions: five fields (minute, hour, day of month, month, day of week) read in a time zone.

Each field takes ``*``, a number, a range ``a-b``, a step ``*/n`` or ``a-b/n``, and lists of those
(``1,15,30-40/5``); months and days of the week also take names (``JAN``, ``MON``), and Sunday is 0 or 7.
The macros ``@hourly``, ``@daily`` (``@midnight``), ``@weekly``, ``@monthly`` and ``@yearly``
(``@annually``) stand for their usual expressions. As in Vixie cron, when both the day of month and the
day of week are restricted a day matching either matches.

Times are matched on the zone's wall clock. A wall time the clock skips (spring forward) is read with the
offset before the jump, so ``30 2 * * *`` fires at 03:30 on that day; a wall time that occurs twice (fall
back) fires once, the first time.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {n: i + 1 for i, n in enumerate(_MONTH_NAMES)}
_DAYS = {n: i for i, n in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
# A day that matches comes within this many years, or never (a 29 February that must be a Monday
# comes within 28): the search stops there.
_SEARCH_YEARS = 30


class CronError(ValueError):
    """The expression, or one of its fields, is not valid; the message says which and why."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]


_FIELDS = (
    _Field("minute", 0, 59, {}),
    _Field("hour", 0, 23, {}),
    _Field("day of month", 1, 31, {}),
    _Field("month", 1, 12, _MONTHS),
    _Field("day of week", 0, 7, _DAYS),
)


@dataclass(frozen=True)
class Cron:
    """A parsed expression: the values each field allows, sorted."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: frozenset[int]  # 0 is Sunday
    any_day: bool  # the day-of-month field is *
    any_weekday: bool  # the day-of-week field is *

    def _day_matches(self, day: date) -> bool:
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week  # both restricted: either will do (Vixie cron)

    def _next_wall(self, wall: datetime) -> datetime | None:
        """The first wall time at or after ``wall`` (naive, whole minutes) that matches; None when no day
        matches within the search's years."""
        last_year = wall.year + _SEARCH_YEARS
        while wall.year <= last_year:
            if wall.month not in self.months:
                month = _next(self.months, wall.month)
                year = wall.year if month is not None else wall.year + 1
                wall = datetime(year, month or self.months[0], 1)
                continue
            if not self._day_matches(wall.date()):
                wall = datetime.combine(wall.date() + timedelta(days=1), datetime.min.time())
                continue
            if wall.hour not in self.hours:
                hour = _next(self.hours, wall.hour)
                if hour is None:
                    wall = datetime.combine(wall.date() + timedelta(days=1), datetime.min.time())
                else:
                    wall = wall.replace(hour=hour, minute=0)
                continue
            if wall.minute not in self.minutes:
                minute = _next(self.minutes, wall.minute)
                if minute is None:
                    wall = wall.replace(minute=0) + timedelta(hours=1)
                else:
                    wall = wall.replace(minute=minute)
                continue
            return wall
        return None

    def next_after(self, after: datetime, zone: tzinfo) -> datetime | None:
        """The first time strictly after ``after`` (aware) that the expression matches in ``zone``, in
        UTC; None when it never matches again."""
        wall = after.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0) + timedelta(minutes=1)
        while True:
            found = self._next_wall(wall)
            if found is None:
                return None
            # fold=0: a skipped wall time takes the offset before the jump, a repeated one its first.
            moment = found.replace(tzinfo=zone, fold=0).astimezone(UTC)
            if moment > after:
                return moment
            wall = found + timedelta(minutes=1)  # the second pass of a repeated hour: already fired


def _next(values: tuple[int, ...], current: int) -> int | None:
    """The first of ``values`` (sorted) greater than ``current``."""
    i = bisect.bisect_right(values, current)
    return values[i] if i < len(values) else None


def parse_cron(text: str) -> Cron:
    """The expression ``text``; CronError naming the field that is wrong."""
    expression = " ".join(text.split())
    fields = MACROS.get(expression.lower(), expression).split(" ")
    if len(fields) != 5:
        raise CronError(
            f"a cron expression has 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
        )
    values = [_parse_field(part, spec) for part, spec in zip(fields, _FIELDS, strict=True)]
    weekdays = frozenset(v % 7 for v in values[4])  # 7 is Sunday too
    cron = Cron(
        text=expression,
        minutes=tuple(sorted(values[0])),
        hours=tuple(sorted(values[1])),
        days=tuple(sorted(values[2])),
        months=tuple(sorted(values[3])),
        weekdays=weekdays,
        any_day=fields[2] in ("*", "?"),
        any_weekday=fields[4] in ("*", "?"),
    )
    if not _some_month_has(cron):
        raise CronError(f"{expression!r} names a day no month has: it would never fire")
    return cron


def _some_month_has(cron: Cron) -> bool:
    """Whether some allowed month has some allowed day of month (30 February never comes)."""
    if cron.any_day or not cron.any_weekday:
        return True  # every day, or a restricted day of week will do
    longest = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
    return any(day <= longest[month] for month in cron.months for day in cron.days)


def _parse_field(text: str, spec: _Field) -> set[int]:
    if not text:
        raise CronError(f"the {spec.name} field is empty")
    found: set[int] = set()
    for part in text.split(","):
        found |= _parse_part(part, spec)
    return found


def _parse_part(part: str, spec: _Field) -> set[int]:
    where = f"the {spec.name} field ({part!r})"
    body, slash, step_text = part.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            raise CronError(f"{where}: the step after '/' must be a whole number of at least 1")
        step = int(step_text)
    if body in ("*", "?"):
        low, high = spec.low, spec.high
    else:
        first, dash, last = body.partition("-")
        low = _value(first, spec, where)
        high = _value(last, spec, where) if dash else (spec.high if slash else low)
        if high < low:
            raise CronError(f"{where}: a range must go from low to high")
    return set(range(low, high + 1, step))


def _value(text: str, spec: _Field, where: str) -> int:
    named = spec.names.get(text.upper())
    if named is not None:
        return named
    if not text.isdigit():
        raise CronError(f"{where}: {text!r} is not a number" + (" or a name" if spec.names else ""))
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise CronError(f"{where}: {value} is outside {spec.low}-{spec.high}")
    return value


def time_zone(name: str) -> tzinfo:
    """The IANA time zone ``name`` (``UTC`` needs no time zone database); CronError when unknown."""
    if name in ("", "UTC", "Etc/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CronError(
            f"{name!r} is not a time zone this server knows (an IANA name like Europe/Paris)"
        ) from exc
