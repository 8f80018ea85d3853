"""`make help` lists every target the Makefile and the clients' .mk files declare .PHONY."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _phony_targets() -> dict[str, Path]:
    makefiles = [REPO / "Makefile", *sorted((REPO / "clients").glob("*/*.mk"))]
    targets: dict[str, Path] = {}
    for makefile in makefiles:
        for line in makefile.read_text().splitlines():
            if line.startswith(".PHONY:"):
                targets.update((name, makefile) for name in line.removeprefix(".PHONY:").split())
    return targets


def test_make_help_lists_every_phony_target_of_every_makefile() -> None:
    targets = _phony_targets()
    assert {"help", "run", "test", "lint", "proto-go", "test-java", "lint-typescript"} <= set(targets)
    shown = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    listed = {m.group(1) for m in re.finditer(r"^  make (\S+) ", shown.stdout, re.MULTILINE)}
    missing = {name: str(path.relative_to(REPO)) for name, path in targets.items() if name not in listed}
    assert missing == {}, f"targets without a `## description` for make help: {missing}"


def test_make_run_passes_ARGS_to_the_server() -> None:
    dry = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "-W",
            ".venv/.installed",
            "run",
            "ARGS=--allow-code --workers 3",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stderr
    command = dry.stdout.strip().splitlines()[-1]
    assert command.endswith("serve --data-dir data --tasks taskstream.examples --allow-code --workers 3")
