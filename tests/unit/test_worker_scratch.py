"""A worker's scratch directory: removed when it stops, and by the next worker when it was killed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from taskstreamd.workers import scratch


def test_a_live_worker_s_directory_is_kept_and_a_closed_one_is_gone(tmp_path: Path) -> None:
    live = scratch.create(str(tmp_path))
    assert Path(live.path).is_dir() and oct(Path(live.path).stat().st_mode & 0o777) == "0o700"
    assert scratch.remove_abandoned(str(tmp_path)) == []
    live.close()
    assert not Path(live.path).exists()


def test_the_directory_of_a_killed_worker_is_removed_by_the_next_one(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from taskstreamd.workers import scratch\n"
        f"s = scratch.create({str(tmp_path)!r})\n"
        "open(os.path.join(s.path, 'slot0-1.stdout'), 'w').write('last output')\n"
        "print(s.path, flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    killed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9
    left = Path(killed.stdout.strip())
    assert (left / "slot0-1.stdout").exists()
    live = scratch.create(str(tmp_path))
    try:
        assert scratch.remove_abandoned(str(tmp_path)) == [str(left)]
        assert not left.exists() and Path(live.path).is_dir()
    finally:
        live.close()


def test_what_is_not_a_locked_worker_directory_of_this_user_is_left_alone(tmp_path: Path) -> None:
    unlocked = tmp_path / f"{scratch.PREFIX}older"  # no lock file: not made by this code
    unlocked.mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / ".alive").touch()
    os.symlink(target, tmp_path / f"{scratch.PREFIX}link")  # a link is never followed
    other = tmp_path / "other"
    other.mkdir()
    (other / ".alive").touch()
    assert scratch.remove_abandoned(str(tmp_path)) == []
    assert unlocked.exists() and target.exists() and other.exists()


@pytest.mark.skipif(os.getuid() != 0, reason="only root can make a directory another user owns")
def test_another_user_s_directory_is_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / f"{scratch.PREFIX}foreign"
    foreign.mkdir()
    (foreign / ".alive").touch()
    os.chown(foreign, 65534, 65534)
    assert scratch.remove_abandoned(str(tmp_path)) == []
    assert foreign.exists()
