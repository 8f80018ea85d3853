"""Writes the sync client (``taskstream/_sync/``) from the asyncio client (``taskstream/_async/``).

The asyncio modules are the one implementation; this script turns each into its sync twin by dropping
``async`` / ``await`` and renaming what has a sync counterpart (``AsyncIterator`` to ``Iterator``,
``AsyncClient`` to ``Client``, ``__aenter__`` to ``__enter__``, ``taskstream._async`` to
``taskstream._sync`` …), then sorts the imports and formats the result with ruff. The one module that
differs by nature, ``_backend.py`` (sleeping, channels, the background runner of STK handlers), is
written by hand on both sides and skipped.

    python clients/python/tools/unasync.py           # rewrite taskstream/_sync/
    python clients/python/tools/unasync.py --check   # exit 1, naming the files, when they are stale

``make lint`` runs the check, so a hand edit of a generated file, or an asyncio change without the
regenerated twin, fails CI.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "taskstream"
SOURCE = PACKAGE / "_async"
TARGET = PACKAGE / "_sync"
HAND_WRITTEN = {"__init__.py", "_backend.py"}
HEADER = (
    "# Generated from taskstream/_async/{name} by clients/python/tools/unasync.py: edit that file, then\n"
    "# run `make unasync`. `make lint` fails while this copy is stale.\n"
)

# Applied in order; each pattern matches whole words only.
RULES: list[tuple[str, str]] = [
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\bAbstractAsyncContextManager\b", "AbstractContextManager"),
    (r"\basynccontextmanager\b", "contextmanager"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\baclose\b", "close"),
    (r"\banext\b", "next"),
    (r"\btaskstream\._async\b", "taskstream._sync"),
    (r"\b_Async([A-Z])", r"_\1"),  # _AsyncRpc -> _Rpc
    (r"\bAsync([A-Z])", r"\1"),  # AsyncClient -> Client, AsyncIterator -> Iterator
]


def unasync(text: str) -> str:
    for pattern, replacement in RULES:
        text = re.sub(pattern, replacement, text)
    return text


def ruff(args: list[str], text: str, path: Path) -> str:
    """``text`` passed through ``ruff <args> --stdin-filename path -``."""
    command = [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(path), "-"]
    done = subprocess.run(command, input=text, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"ruff {' '.join(args)} failed on the sync twin of {path.name}:\n{done.stderr}")
    return done.stdout


def generate(source: Path) -> str:
    target = TARGET / source.name
    text = HEADER.format(name=source.name) + unasync(source.read_text())
    text = ruff(["check", "--fix", "--unsafe-fixes", "--quiet", "--exit-zero"], text, target)
    return ruff(["format", "--quiet"], text, target)


def expected() -> dict[Path, str]:
    return {
        TARGET / source.name: generate(source)
        for source in sorted(SOURCE.glob("*.py"))
        if source.name not in HAND_WRITTEN
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale or missing files")
    args = parser.parse_args(argv)
    wanted = expected()
    present = {path for path in TARGET.glob("*.py") if path.name not in HAND_WRITTEN}
    stale = sorted(path for path, text in wanted.items() if not path.exists() or path.read_text() != text)
    extra = sorted(present - set(wanted))
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(PACKAGE.parent)} (run `make unasync`)")
        for path in extra:
            print(f"not generated from taskstream/_async/: {path.relative_to(PACKAGE.parent)}")
        return 1 if stale or extra else 0
    TARGET.mkdir(exist_ok=True)
    for path in stale:
        path.write_text(wanted[path])
        print(f"wrote {path.relative_to(PACKAGE.parent)}")
    for path in extra:
        path.unlink()
        print(f"removed {path.relative_to(PACKAGE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
