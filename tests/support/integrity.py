"""Runs ``taskstreamd check`` on a data directory, as an operator would, and asserts the store is sound."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.server import REPO


def assert_store_sound(data_dir: Path) -> dict[str, Any]:
    """The check's report; fails the test with its problems when there are any."""
    done = subprocess.run(
        [sys.executable, "-m", "taskstreamd", "check", "--data-dir", str(data_dir), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["ok"] and done.returncode == 0, report["problems"]
    assert report["counts"]["instances"] > 0  # a check of an empty store proves nothing
    return report
