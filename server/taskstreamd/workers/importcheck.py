"""Checks that task modules import, in a process of their own, before a server serves with them.

``python -m taskstreamd.workers.importcheck [--reach DIR] MODULE...`` imports the built-in task types
and each module, and checks that every existing directory above DIR may be passed through; it
exits 0, or 1 after printing one line on stdout naming the first module or directory that failed. It
runs as the local workers' user, so it also shows that that user can run Python at all. The
server runs it rather than importing the modules itself: a task module is the operator's code, but
importing it in the server would run it with the server's secrets at hand, and a module can do anything
on import. (The local workers import the same modules the same way, so what passes here imports there.)
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .privileges import WorkerUser
from .runtime import BUILTIN_TASK_MODULE

CHECK_SECONDS = 120.0


class TaskModuleError(ValueError):
    """A task module that does not import; the message is one line."""


def main(args: Sequence[str]) -> int:
    modules = list(args)
    if modules[:1] == ["--reach"]:
        reach, modules = Path(modules[1]), modules[2:]
        blocked = next((p for p in reversed(reach.parents) if p.exists() and not os.access(p, os.X_OK)), None)
        if blocked is not None:
            print(
                f"the worker user cannot pass through {blocked} to reach {reach}, its warehouse's", flush=True
            )
            return 1
    for name in [BUILTIN_TASK_MODULE, *modules]:
        try:
            importlib.import_module(name)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from a module's top level too
            print(f"--tasks {name}: {one_line(exc)}", flush=True)
            return 1
    return 0


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def check_task_modules(modules: Sequence[str], user: WorkerUser, *, reach: Path | None = None) -> None:
    """Raise TaskModuleError unless every module imports in a fresh process of ``user``, the one the
    local workers run as, and it can pass through the directories above ``reach``."""
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            *(("--reach", str(reach)) if reach is not None else ()),
            *modules,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=None if user.is_current else user.environment(os.environ),
            **user.spawn_options(),
        )
    except OSError as exc:
        raise TaskModuleError(
            f"the worker user {user.name!r} cannot run {sys.executable}: {exc.strerror} (local workers run "
            "as --worker-user, which must be able to run Python and read the task modules)"
        ) from None
    try:
        out, err = await asyncio.wait_for(process.communicate(), CHECK_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise TaskModuleError(f"importing the task modules took over {CHECK_SECONDS:g}s") from None
    if process.returncode == 0:
        return
    lines = (
        out.decode(errors="replace").strip().splitlines() or err.decode(errors="replace").strip().splitlines()
    )
    raise TaskModuleError(
        lines[-1] if lines else f"the task modules do not import (exit {process.returncode})"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
