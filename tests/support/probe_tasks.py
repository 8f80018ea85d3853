"""A task that looks for what it should not reach on its worker's machine (tests of docs/security.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from taskstream import TaskContext, task


def _try_read(path: str) -> str:
    try:
        Path(path).read_bytes()
    except OSError as exc:
        return type(exc).__name__
    return "read"


@task("probe")
def probe(ctx: TaskContext, paths: list[str]) -> dict[str, Any]:
    """Tries to read each of ``paths`` and its worker's /proc environment; says who it runs as, what it
    could read, and its worker's environment and command line where they are readable."""
    worker = os.getppid()  # a task process is a child of its worker
    environ = Path(f"/proc/{worker}/environ")
    readable = {path: _try_read(path) for path in paths}
    readable["worker_environ"] = _try_read(str(environ))
    return {
        "uid": os.getuid(),
        "read": readable,
        "worker_environ": environ.read_bytes().decode(errors="replace")
        if readable["worker_environ"] == "read"
        else "",
        "worker_cmdline": Path(f"/proc/{worker}/cmdline").read_bytes().decode(errors="replace"),
        "own_environ": sorted(os.environ),
    }
