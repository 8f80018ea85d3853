"""A tmux server of a test's own, to run a command in a real terminal and read its screen."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

WIDTH, HEIGHT = 120, 40
SESSION = "cli"
_REPORT_EXIT = (sys.executable, str(Path(__file__).with_name("report_exit.py")))
_EXIT_STATUS = re.compile(r"\[exit status (-?\d+)\]")


class Tmux:
    """One tmux server on a socket named for this test (``tmux -L``), so nothing is shared or leaked."""

    def __init__(self, workdir: Path) -> None:
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed: `make test` installs it, or run `apt-get install -y tmux`")
        self.socket = f"taskstream-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.config = workdir / "tmux.conf"
        # A finished command's pane stays, so its last screen can be read.
        self.config.write_text("set -g remain-on-exit on\n")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            env={**os.environ, "TERM": "xterm-256color"},
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, argv: Sequence[str], *, width: int = WIDTH, report_exit: bool = True) -> None:
        """Runs ``argv`` (no shell) in a new detached session of ``width`` x HEIGHT; its exit status is
        printed after it (see ``report_exit.py``) unless ``report_exit`` is false."""
        wrapper = _REPORT_EXIT if report_exit else ()
        self._tmux("new-session", "-d", "-s", SESSION, "-x", str(width), "-y", str(HEIGHT), *wrapper, *argv)

    def screen(self, *, joined: bool = False) -> str:
        """The pane's text, with the lines scrolled off its top (tmux's "Pane is dead" line scrolls);
        ``joined`` puts lines the terminal wrapped back together, so that their real length shows."""
        return self._tmux("capture-pane", "-p", *(("-J",) if joined else ()), "-S", "-", "-t", SESSION)

    def send_keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", SESSION, "--", *keys)  # keys may start with a dash

    def wait_for_screen(self, *texts: str, timeout: float = 30.0) -> str:
        """The screen once it shows every one of ``texts``; polled, bounded by ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            if time.monotonic() > deadline:
                missing = [text for text in texts if text not in screen]
                raise AssertionError(f"the screen never showed {missing}; last screen:\n{screen}")
            time.sleep(0.05)

    def wait_for_exit(self, timeout: float = 30.0) -> int:
        """The command's exit status (minus the signal that killed it), once the screen shows it."""
        deadline = time.monotonic() + timeout
        while (found := _EXIT_STATUS.search(self.screen())) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the command did not exit; last screen:\n{self.screen()}")
            time.sleep(0.05)
        return int(found.group(1))

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)
