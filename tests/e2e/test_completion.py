"""``taskstream completion bash|zsh``: the scripts, sourced in a real interactive shell in tmux, complete
commands, options and option values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.tmux import Tmux

SHELLS = {
    # No startup files: the test's shell has only what the test gives it.
    "bash": ["bash", "--norc", "--noprofile", "-i"],
    "zsh": ["zsh", "-f", "-i"],
}


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_the_completion_script_completes_commands_options_and_choices(
    cli: Cli, tmux: Tmux, tmp_path: Path, shell: str
) -> None:
    made = cli.run("completion", shell)
    assert made.returncode == 0 and made.stderr == b"", made.stderr
    script = tmp_path / f"taskstream.{shell}"
    script.write_bytes(made.stdout)

    tmux.start([*SHELLS[shell]], report_exit=False)
    setup = "autoload -U compinit && compinit -u -D && " if shell == "zsh" else ""
    tmux.send_keys(f"PS1='$ '; {setup}source {script}; echo sourced-$?", "Enter")
    tmux.wait_for_screen("sourced-0")

    tmux.send_keys("taskstream wa", "Tab", "Tab")
    tmux.wait_for_screen("wait", "watch")
    tmux.send_keys("C-u")
    tmux.send_keys("taskstream ls --status fa", "Tab")
    tmux.wait_for_screen("taskstream ls --status failed")
    tmux.send_keys("--sub", "Tab")  # after the space the completion added
    tmux.wait_for_screen("taskstream ls --status failed --sub-instances")
    tmux.send_keys("C-u")
    tmux.send_keys("taskstream --server h:1 compl", "Tab")  # an option's value is not the command
    tmux.wait_for_screen("taskstream --server h:1 completion")
    tmux.send_keys("z", "Tab")
    screen = tmux.wait_for_screen("taskstream --server h:1 completion zsh")
    assert "command not found" not in screen and "error" not in screen.lower()
