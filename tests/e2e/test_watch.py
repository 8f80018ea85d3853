"""``taskstream watch``: live progress in a real terminal (tmux), plain lines when piped."""

from __future__ import annotations

import queue
import re
import threading
import time
from pathlib import Path

from tests.e2e.conftest import Cli
from tests.e2e.tmux import Tmux


def test_watch_shows_live_progress_in_a_terminal_until_the_end(cli: Cli, tmux: Tmux, gate: Path) -> None:
    instance_id = cli.start("staged", "--param", f"gate={gate}")
    try:
        tmux.start(cli.argv("--server", cli.server, "--project", cli.project, "watch", instance_id))
        screen = tmux.wait_for_screen(
            f"Instance {instance_id}  Running",
            "RUNNING",
            " 40%",
            "reading",
            "M1_Stg1_job0",
            "0/1/1",
            "R2_1_Stg1_job0",
            "1/0/2 (+1 backups)",
            "stage workers: running/terminated/total",
        )
        assert " 50%" in screen and "100%" in screen  # the stages' percentages
    finally:
        gate.touch()
    screen = tmux.wait_for_screen(
        f"Instance {instance_id}  Terminated, successful",
        "SUCCESS",
        "written",
        "0/2/2",
        f"{instance_id} Terminated, successful",
    )
    assert "Traceback" not in screen
    assert tmux.wait_for_exit() == 0


def test_ctrl_c_ends_watch_quietly_with_130(cli: Cli, tmux: Tmux, gate: Path) -> None:
    instance_id = cli.start("staged", "--param", f"gate={gate}")
    try:
        tmux.start(cli.argv("--server", cli.server, "--project", cli.project, "watch", instance_id))
        tmux.wait_for_screen("reading")
        tmux.send_keys("C-c")
        assert tmux.wait_for_exit() == 130
        screen = tmux.screen()
        assert "Traceback" not in screen and "KeyboardInterrupt" not in screen
    finally:
        gate.touch()
    assert cli.run("wait", instance_id).returncode == 0


def test_watch_prints_one_line_per_event_when_piped(cli: Cli, gate: Path) -> None:
    instance_id = cli.start("staged", "--param", f"gate={gate}")
    watcher = cli.popen("watch", instance_id)
    lines: queue.Queue[str] = queue.Queue()
    assert watcher.stdout is not None
    stdout = watcher.stdout
    threading.Thread(target=lambda: [lines.put(line.decode()) for line in stdout], daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while not any("reading" in line for line in seen):
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
    finally:
        gate.touch()
    assert watcher.wait(timeout=60) == 0
    assert watcher.stderr is not None and watcher.stderr.read() == b""
    while len(seen) < 2 or not seen[-1].startswith(instance_id):
        seen.append(lines.get(timeout=10))
    seen = [line.rstrip("\n") for line in seen]

    assert re.fullmatch(r"#\d+ snapshot: Running; tasks: staged \w+ \d+%.*", seen[0]), seen
    assert any(
        "task staged: 40% reading | M1_Stg1_job0:0/1/1[100%] R2_1_Stg1_job0:1/0/2(+1 backups)[50%]" in line
        or "staged RUNNING 40% reading" in line
        for line in seen
    ), seen
    assert any(line.endswith("task staged: RUNNING -> SUCCESS") for line in seen), seen
    assert any(line.endswith("instance: Running -> Terminated, successful") for line in seen), seen
    assert re.fullmatch(r"#\d+ snapshot: Terminated; tasks: staged SUCCESS 100% written", seen[-2]), seen
    assert seen[-1] == f"{instance_id} Terminated, successful"
    numbers = [int(line.split()[0][1:]) for line in seen[:-1]]
    assert numbers == sorted(numbers), seen  # in sequence order, the final snapshot last


def test_watch_of_a_failed_instance_exits_1(cli: Cli) -> None:
    instance_id = cli.run("run", "fail", "--wait").stdout.decode().splitlines()[0]
    done = cli.run("watch", instance_id)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.decode().splitlines()
    assert re.fullmatch(r"#\d+ snapshot: Terminated; tasks: fail FAILED 0% ValueError: boom", lines[0]), lines
    assert lines[1:] == [f"{instance_id} Terminated, not successful: fail FAILED"]


def test_watch_fits_80_columns_and_shows_why_a_task_was_cancelled(cli: Cli, tmux: Tmux, gate: Path) -> None:
    first = cli.start("staged", "--param", f"gate={gate}", "--name", "a_task_with_a_rather_long_name")
    tmux.start(cli.argv("--server", cli.server, "--project", cli.project, "watch", first), width=80)
    try:
        tmux.wait_for_screen("reading", "R2_1_Stg1_job0", "stage workers: running/terminated/total")
        reason = "the input was wrong, as the operator found out after reading the whole log very carefully"
        stopped = cli.run("stop", first, "--message", reason)
        assert stopped.returncode == 0, stopped.stderr
        screen = tmux.wait_for_screen("CANCELLED", "cancelled (direct", "Terminated, not successful")
    finally:
        gate.touch()
    assert tmux.wait_for_exit() == 1
    assert re.search(r"^a_task_with_a_\w+… +CANCELLED ", screen, re.MULTILINE), screen  # long names end in …
    joined = tmux.screen(joined=True).splitlines()
    drawn = [
        line
        for line in joined
        if line.strip() and not line.startswith(("taskstream:", first, "[exit status"))
    ]
    assert drawn and all(len(line) <= 80 for line in drawn), "\n".join(drawn)
    # The full reason and who stopped it come after the view, on stderr, without a limit.
    assert any(
        line.startswith("taskstream: task a_task_with_a_rather_long_name CANCELLED") for line in joined
    )
    assert any(reason in line for line in joined)


def test_watch_of_a_cancelled_task_says_why_when_piped(cli: Cli) -> None:
    instance_id = cli.start("wait_cancel")
    assert cli.run("stop", instance_id, "--reason", "timeout", "--message", "too slow").returncode == 0
    done = cli.run("watch", instance_id)
    assert done.returncode == 1
    lines = done.stdout.decode().splitlines()
    assert re.fullmatch(
        r"#\d+ snapshot: Terminated; tasks: wait_cancel CANCELLED 0% cancelled \(timeout by \S+: too slow\)",
        lines[0],
    ), lines
    assert (
        done.stderr.decode().splitlines()[0].startswith("taskstream: task wait_cancel CANCELLED: cancelled")
    )
