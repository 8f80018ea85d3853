"""Checks that task modules import, in a process of their own, before a server serves with them.

``python -m taskstreamd.workers.importcheck MODULE...`` imports the built-in task types and each module;
it exits 0, or 1 after printing one line on stdout naming the first module that failed and why. The
server runs it rather than importing the modules itself: a task module is the operator's code, but
importing it in the server would run it with the server's secrets at hand, and a module can do anything
on import. (The local workers import the same modules the same way, so what passes here imports there.)
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Mapping, Sequence

from .runtime import BUILTIN_TASK_MODULE

CHECK_SECONDS = 120.0


class TaskModuleError(ValueError):
    """A task module that does not import; the message is one line."""


def main(modules: Sequence[str]) -> int:
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


async def check_task_modules(
    modules: Sequence[str], *, env: Mapping[str, str] | None = None, prefix: Sequence[str] = ()
) -> None:
    """Raise TaskModuleError unless every module imports in a fresh process (``prefix`` goes before
    the interpreter's arguments, e.g. to run it as another user)."""
    if not modules:
        return
    process = await asyncio.create_subprocess_exec(
        *prefix,
        sys.executable,
        "-m",
        __name__,
        *modules,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(env) if env is not None else None,
    )
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
