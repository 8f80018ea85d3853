"""What a local worker is handed through a pipe, and whom workers run as."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from taskstreamd.datasources import DataSource
from taskstreamd.workers import handover, privileges


def test_the_token_and_data_sources_cross_a_pipe_larger_than_its_buffer() -> None:
    sources = {
        f"s{i}": DataSource(f"s{i}", f"postgresql://u:p@h/db{i}" + "x" * 1000, frozenset({"alpha"}))
        for i in range(200)  # about 200 KB: more than a pipe holds, so the writer must wait for the reader
    }
    sources["default"] = DataSource("default", "sqlite:////w/{project}.sqlite")
    given = handover.Handover("the-token", sources)
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=handover.write_all, args=(write_end, given.encode()))
    writer.start()
    taken = handover.read_from(read_end)
    writer.join(timeout=30)
    assert taken == given and not writer.is_alive()


def test_worker_users() -> None:
    with pytest.raises(ValueError, match="no user"):
        privileges.resolve("no-such-user-here")
    me = privileges.WorkerUser.current()
    assert privileges.resolve(me.name) == me and me.spawn_options() == {}
    default = privileges.resolve(None)
    assert default.name == ("nobody" if os.geteuid() == 0 else me.name)
    if os.geteuid() == 0:
        nobody = privileges.WorkerUser.named("nobody")
        assert nobody.spawn_options()["user"] == nobody.uid
        assert nobody.environment({"PATH": "/bin", "HOME": "/root"})["HOME"] == nobody.home
    else:
        with pytest.raises(ValueError, match="only a server running as root"):
            privileges.resolve("nobody")


def _directory_after_leaving(cwd: Path, user: privileges.WorkerUser) -> str:
    """The working directory a forked child of ``user`` started in ``cwd`` ends in after the check."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only os calls, then _exit
        try:
            os.chdir(cwd)
            privileges.become(user)
            privileges.leave_unreachable_directory()
            os.write(write_end, os.getcwd().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        seen = answer.read().decode()
    os.waitpid(pid, 0)
    return seen


def test_a_worker_whose_user_cannot_enter_its_directory_moves_to_the_root(tmp_path: Path) -> None:
    assert os.geteuid() == 0, "this test switches to the user nobody (the tests run as root)"
    inner = tmp_path / "root-only" / "open"
    inner.mkdir(parents=True, mode=0o755)
    (tmp_path / "root-only").chmod(0o700)
    assert _directory_after_leaving(inner, privileges.WorkerUser.named("nobody")) == "/"
    assert _directory_after_leaving(inner, privileges.WorkerUser.current()) == str(inner)
