"""Data sources as configured on the command line: serve's own, forwarded to its local workers, and a
remote worker's ``--datasource`` flags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import taskstream
from tests.support.server import REPO, ServerProcess


def test_serve_forwards_its_data_sources_to_local_workers(tmp_path: Path) -> None:
    extra = f"sqlite:///{tmp_path / 'extra.sqlite'}"
    server = ServerProcess(tmp_path / "data", "--datasource", f"extra={extra}", workers=1).start()
    try:
        with taskstream.connect(server.address, project="ds") as o:
            o.execute_sql("create table notes (body text)", datasource="extra")
            o.execute_sql("insert into notes values ('kept apart')", datasource="extra")
            assert (
                o.execute_sql("select body from notes", datasource="extra").get_task_result()
                == '"body"\n"kept apart"\n'
            )
            assert o.execute_sql("select count(*) as n from pyodps_iris").get_task_result() == '"n"\n150\n'
            with pytest.raises(taskstream.InstanceFailedError, match="no such table: pyodps_iris"):
                o.execute_sql("select * from pyodps_iris", datasource="extra")
            with pytest.raises(taskstream.InstanceFailedError, match="no such table: notes"):
                o.execute_sql("select * from notes")
    finally:
        server.stop()


def test_a_given_default_replaces_the_embedded_warehouse(tmp_path: Path) -> None:
    own = f"sqlite:///{tmp_path / 'own.sqlite'}"
    server = ServerProcess(tmp_path / "data", "--datasource", f"default={own}", workers=1).start()
    try:
        with (
            taskstream.connect(server.address, project="ds") as o,
            pytest.raises(taskstream.InstanceFailedError, match="no such table: pyodps_iris"),
        ):
            o.execute_sql("select * from pyodps_iris")
        assert not (tmp_path / "data" / "warehouse").exists()
    finally:
        server.stop()


def test_a_remote_worker_uses_its_own_flags(tmp_path: Path) -> None:
    data = tmp_path / "data"
    extra = f"sqlite:///{tmp_path / 'remote.sqlite'}"
    server = ServerProcess(data, "--datasource", f"extra={extra}", workers=0).start()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    warehouse = f"sqlite:///{(data / 'warehouse').resolve()}/{{project}}.sqlite"
    flags = ["--datasource", f"default={warehouse}", "--datasource", f"extra={extra}"]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "taskstreamd",
            "--log-level",
            "WARNING",
            "worker",
            "--server",
            server.address,
            *flags,
        ],
        cwd=REPO,
        env=env,
    )
    try:
        with taskstream.connect(server.address, project="ds") as o:
            first = o.execute_sql("select * from pyodps_iris limit 1").get_task_result()
            assert first.endswith('5.1,3.5,1.4,0.2,"Iris-setosa"\n')
            assert o.execute_sql("select 2 as two", datasource="extra").get_task_result() == '"two"\n2\n'
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.stop()
