"""``taskstream schedules``: list a project's schedules, show one, pause, resume, trigger or delete one."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import taskstream
from taskstream import Schedule
from taskstream.cli import _format
from taskstream.cli._exit import CliError, ExitCode


def schedules(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    if args.action == "ls":
        if args.id is not None:
            raise CliError("schedules ls takes no ID (use: schedules get ID)", ExitCode.USAGE)
        return _list(client, args)
    if args.id is None:
        raise CliError(f"schedules {args.action} needs the schedule's ID", ExitCode.USAGE)
    schedule = client.get_schedule(args.id)
    if args.action == "pause":
        schedule.pause()
    elif args.action == "resume":
        schedule.resume()
    elif args.action == "trigger":
        instance = schedule.trigger()
        shown = _format.instance_json(instance, with_tasks=False)
        _print([_format.dumps(shown) if args.json else instance.id])
        return ExitCode.OK
    elif args.action == "delete":
        schedule.delete()
        _print(
            [
                _format.dumps({"name": schedule.name, "deleted": True})
                if args.json
                else f"{schedule.id} deleted"
            ]
        )
        return ExitCode.OK
    _print([_format.dumps(schedule_json(schedule))] if args.json else schedule_text(schedule))
    return ExitCode.OK


def _list(client: taskstream.Client, args: argparse.Namespace) -> ExitCode:
    found = list(client.list_schedules())
    if args.json:
        _print([_format.dumps([schedule_json(s) for s in found])])
        return ExitCode.OK
    rows = [
        [
            s.id,
            timing(s),
            "paused" if s.paused else _format.local_time(s.next_fire_time),
            _format.local_time(s.last_fire_time),
            str(s.fire_count),
            str(s.skip_count),
        ]
        for s in found
    ]
    _print(_format.table(["ID", "TIMING", "NEXT", "LAST", "FIRED", "SKIPPED"], rows))
    return ExitCode.OK


def timing(schedule: Schedule) -> str:
    if schedule.cron is not None:
        return f"cron {schedule.cron}" + (f" ({schedule.time_zone})" if schedule.time_zone else "")
    return f"every {schedule.interval:g}s"


def schedule_json(schedule: Schedule) -> dict[str, Any]:
    last = schedule.last_instance
    return {
        "id": schedule.id,
        "name": schedule.name,
        "project": schedule.project,
        "owner": schedule.owner,
        "cron": schedule.cron,
        "time_zone": schedule.time_zone,
        "interval": schedule.interval,
        "overlap": schedule.overlap.value,
        "catch_up_window": schedule.catch_up_window,
        "paused": schedule.paused,
        "tasks": [task.type for task in schedule.tasks],
        "create_time": _format.utc_time(schedule.create_time),
        "next_fire_time": _format.utc_time(schedule.next_fire_time),
        "last_fire_time": _format.utc_time(schedule.last_fire_time),
        "last_instance": last.id if last is not None else None,
        "fire_count": schedule.fire_count,
        "skip_count": schedule.skip_count,
        "miss_count": schedule.miss_count,
        "last_error": schedule.last_error or None,
    }


def schedule_text(schedule: Schedule) -> list[str]:
    last = schedule.last_instance
    lines = [
        f"Schedule {schedule.name}",
        f"  owner:      {schedule.owner}",
        f"  timing:     {timing(schedule)}",
        f"  overlap:    {schedule.overlap.value}",
        f"  state:      {'paused' if schedule.paused else 'active'}",
        f"  next fire:  {_format.local_time(schedule.next_fire_time)}",
        f"  last fire:  {_format.local_time(schedule.last_fire_time)}"
        + (f" (instance {last.id})" if last is not None else ""),
        f"  fired:      {schedule.fire_count}, skipped {schedule.skip_count}, missed {schedule.miss_count}",
        f"  tasks:      {', '.join(task.type for task in schedule.tasks)}",
    ]
    if schedule.last_error:
        lines.append(f"  last error: {schedule.last_error}")
    return lines


def _print(lines: list[str]) -> None:
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()
