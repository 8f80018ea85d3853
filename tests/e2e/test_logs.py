"""``taskstream logs``: a task's output as raw bytes, and ``-f`` following it to the last byte."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Cli, one_error_line
from tests.e2e.tmux import Tmux


def test_logs_writes_stdout_or_stderr_as_the_task_wrote_it(cli: Cli) -> None:
    instance_id = cli.start("chatty", "--param", "text=hi", "--wait").splitlines()[0]
    out = cli.run("logs", instance_id, "chatty")
    assert out.returncode == 0, out.stderr
    for line in (b"py-out hi\n", b"c-out\n", b"sub-out\n"):
        assert line in out.stdout
    assert b"py-err" not in out.stdout
    err = cli.run("logs", instance_id, "chatty", "--stderr")
    assert b"py-err hi\n" in err.stdout and b"sub-err\n" in err.stdout and b"py-out" not in err.stdout


def test_logs_follow_delivers_every_byte_of_a_task_that_prints_a_lot(cli: Cli, gate: Path) -> None:
    count = 200_000
    expected = b"start\n" + b"".join(b"line %08d\n" % i for i in range(count))
    instance_id = cli.start("gated_spam", "--param", f"gate={gate}", "--param", f"lines={count}")
    follower = cli.popen("logs", instance_id, "gated_spam", "-f")
    try:
        assert follower.stdout is not None
        # The task wrote "start" and waits: the follower is attached before the bulk is written.
        assert follower.stdout.readline() == b"start\n"
    finally:
        gate.touch()
    rest, errors = follower.communicate(timeout=90)
    assert follower.returncode == 0, errors
    assert errors == b""
    assert b"start\n" + rest == expected  # every byte, in order, none twice

    assert cli.run("logs", instance_id, "gated_spam").stdout == expected
    stderr = cli.run("logs", instance_id, "gated_spam", "--stderr", "--follow")
    assert stderr.returncode == 0 and stderr.stdout == f"{count} lines written\n".encode()


def test_logs_of_an_unknown_task_exits_3(cli: Cli) -> None:
    instance_id = cli.start("noop", "--wait").splitlines()[0]
    done = cli.run("logs", instance_id, "nosuchtask")
    assert done.returncode == 3
    assert "has no task 'nosuchtask'" in one_error_line(done.stderr)


def test_ctrl_c_ends_logs_follow_quietly_with_130(cli: Cli, tmux: Tmux, gate: Path) -> None:
    instance_id = cli.start("gated_spam", "--param", f"gate={gate}", "--param", "lines=1")
    try:
        tmux.start(
            cli.argv(
                "--server", cli.server, "--project", cli.project, "logs", instance_id, "gated_spam", "-f"
            )
        )
        tmux.wait_for_screen("start")
        tmux.send_keys("C-c")
        assert tmux.wait_for_exit() == 130
        assert "Traceback" not in tmux.screen()
    finally:
        gate.touch()
    assert cli.run("wait", instance_id).returncode == 0
