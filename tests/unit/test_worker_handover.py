"""What a local worker is handed through a pipe, and whom workers run as."""

from __future__ import annotations

import os
import threading

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
