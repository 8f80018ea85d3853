"""taskstreamd check finds broken invariants in a store (the fault tests show it passes sound ones)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from taskstreamd.store import migrate
from taskstreamd.store.engine import default_url
from taskstreamd.store.integrity import check
from tests.support.server import REPO

TERMINATED, RUNNING = 3, 1  # instance status codes as stored
SUCCESS, WAITING, TASK_RUNNING = 8, 1, 3


def _store(tmp_path: Path) -> tuple[str, sqlite3.Connection]:
    url = default_url(tmp_path)
    migrate.upgrade(url)
    return url, sqlite3.connect(tmp_path / "taskstream.db")


def _instance(db: sqlite3.Connection, instance_id: str, status: int, last_seq: int, successful: bool) -> None:
    db.execute(
        "INSERT INTO instances (id, project, owner, priority, status, successful, create_time, parent_instance,"
        " cancel_on_task_failure, max_interrupted_retries, labels_json, last_seq)"
        " VALUES (?, 'p', 'o', 9, ?, ?, '2026-11-21 10:00:00', '', 0, 3, '{}', ?)",
        (instance_id, status, successful, last_seq),
    )


def _task(db: sqlite3.Connection, instance_id: str, name: str, status: int, worker: str = "") -> None:
    db.execute(
        'INSERT INTO tasks (instance_id, "index", name, type, parameters_json, status, attempts, interruptions,'
        " worker, assignment_id, started, grace_period, stdout_bytes, stderr_bytes, progress_seq)"
        " VALUES (?, 0, ?, 'noop', '', ?, 1, 0, ?, '', 0, 0, 0, 0, 0)",
        (instance_id, name, status, worker),
    )
    # The server takes task ids from the counter it reserves them from; these rows did without it.
    db.execute("UPDATE counters SET value = max(value, last_insert_rowid() + 1) WHERE name = 'task_id'")


def test_a_sound_store_passes(tmp_path: Path) -> None:
    url, db = _store(tmp_path)
    _instance(db, "a", TERMINATED, 1, True)
    _task(db, "a", "t", SUCCESS)
    db.execute("INSERT INTO instance_events (instance_id, seq, kind, data) VALUES ('a', 1, 1, x'')")
    db.commit()
    report = asyncio.run(check(url))
    assert report.ok, report.problems
    assert report.counts["instances"] == 1 and report.counts["events"] == 1


def test_broken_invariants_are_each_reported(tmp_path: Path) -> None:
    url, db = _store(tmp_path)
    _instance(db, "live-in-dead", TERMINATED, 0, False)
    _task(db, "live-in-dead", "t", WAITING)
    _instance(db, "all-done-but-running", RUNNING, 0, False)
    _task(db, "all-done-but-running", "t", SUCCESS)
    _instance(db, "seq-too-far", TERMINATED, 1, True)
    _task(db, "seq-too-far", "t", SUCCESS)
    db.execute("INSERT INTO instance_events (instance_id, seq, kind, data) VALUES ('seq-too-far', 5, 1, x'')")
    _instance(db, "no-worker", RUNNING, 0, False)
    _task(db, "no-worker", "t", TASK_RUNNING)
    _instance(db, "empty", RUNNING, 0, False)
    db.execute("PRAGMA foreign_keys=OFF")
    _task(db, "vanished", "orphan", WAITING)
    db.commit()
    report = asyncio.run(check(url))
    text = "\n".join(report.problems)
    assert "foreign_key_check" in text
    assert "tasks whose instance does not exist" in text
    assert "TERMINATED instances with a task that is not terminal: live-in-dead" in text
    assert "instances not TERMINATED whose tasks are all terminal: all-done-but-running" in text
    assert "events numbered after their instance's last_seq (or below 1): seq-too-far/5" in text
    assert "tasks holding a worker without a worker or an assignment" in text
    assert "instances without tasks: empty" in text
    done = subprocess.run(
        [sys.executable, "-m", "taskstreamd", "check", "--data-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.count("problem: ") == len(report.problems)
    assert done.stdout.splitlines()[-1].startswith("FAILED: ")


def test_a_missing_store_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "taskstreamd", "check", "--data-dir", str(tmp_path / "none")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "no store" in done.stderr
