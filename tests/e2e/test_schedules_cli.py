"""``taskstream schedules`` against a real server: listing, showing, pausing, resuming, triggering and
deleting a schedule the Python client created, with the exit codes of mistakes."""

from __future__ import annotations

import json

import taskstream
from tests.e2e.conftest import Cli


def test_schedules_lists_shows_pauses_resumes_triggers_and_deletes(cli: Cli) -> None:
    with taskstream.connect(cli.server, project=cli.project) as client:
        client.create_schedule("hourly-echo", interval=3600, tasks=[taskstream.TaskSpec("echo", {"n": 1})])

    listed = cli.run("schedules")
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.decode().splitlines()
    assert header.split() == ["ID", "TIMING", "NEXT", "LAST", "FIRED", "SKIPPED"]
    assert row.startswith("hourly-echo") and "every 3600s" in row

    paused = cli.run("schedules", "pause", "hourly-echo")
    assert paused.returncode == 0, paused.stderr
    assert "  state:      paused" in paused.stdout.decode().splitlines()

    triggered = cli.run("schedules", "trigger", "hourly-echo")
    assert triggered.returncode == 0, triggered.stderr
    instance_id = triggered.stdout.decode().strip()
    assert cli.run("wait", instance_id).returncode == 0

    shown = cli.run("schedules", "get", "hourly-echo", "--json")
    data = json.loads(shown.stdout)
    assert data["paused"] and data["fire_count"] == 1 and data["last_instance"] == instance_id
    assert data["interval"] == 3600 and data["tasks"] == ["echo"] and data["next_fire_time"] is None

    resumed = cli.run("schedules", "resume", "hourly-echo", "--json")
    assert json.loads(resumed.stdout)["next_fire_time"] is not None

    deleted = cli.run("schedules", "delete", "hourly-echo")
    assert deleted.stdout.decode() == "hourly-echo deleted\n"
    gone = cli.run("schedules", "get", "hourly-echo")
    assert gone.returncode == 3 and b"not found" in gone.stderr


def test_schedules_actions_need_an_id(cli: Cli) -> None:
    done = cli.run("schedules", "pause")
    assert done.returncode == 2 and b"needs the schedule's ID" in done.stderr
    assert cli.run("schedules", "unpause", "x").returncode == 2
