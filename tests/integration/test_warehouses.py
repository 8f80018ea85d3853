"""A warehouse per project (issue 20 item 2): the embedded default is one SQLite file per project, each with
the sample table ``pyodps_iris``, and a ``--datasource`` can be limited to some projects."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import taskstream
from taskstream.errors import PermissionDeniedError
from tests.support.server import REPO, ServerProcess

ALICE = "alice-token-0123456789"  # writes alpha
BOB = "bob-token-0123456789abcd"  # writes beta

TOKENS = f"""
[[token]]
principal = "alice"
token = "{ALICE}"
write = ["alpha"]

[[token]]
principal = "bob"
token = "{BOB}"
write = ["beta"]
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouses")


@pytest.fixture(scope="module")
def secured(data_dir: Path) -> Iterator[ServerProcess]:
    tokens = data_dir / "tokens.toml"
    tokens.write_text(TOKENS)
    mart = f"sqlite:///{data_dir / 'mart.sqlite'}"
    process = ServerProcess(
        data_dir / "data",
        "--auth-file",
        str(tokens),
        "--datasource",
        f"mart={mart};projects=alpha",
        workers=1,
    ).start()
    yield process
    process.stop()


def test_each_project_has_its_own_warehouse_with_the_sample_table(secured: ServerProcess) -> None:
    with (
        taskstream.connect(secured.address, project="alpha", token=ALICE) as alice,
        taskstream.connect(secured.address, project="beta", token=BOB) as bob,
    ):
        for client in (alice, bob):
            assert (
                client.execute_sql("select count(*) as n from pyodps_iris").get_task_result() == '"n"\n150\n'
            )
        bob.execute_sql("create table beta_secrets (body text)")
        bob.execute_sql("insert into beta_secrets values ('only beta')")
        for sql in ("select * from beta_secrets", "drop table beta_secrets"):
            with pytest.raises(taskstream.InstanceFailedError, match="no such table: beta_secrets"):
                alice.execute_sql(sql)
        alice.execute_sql("drop table pyodps_iris")  # alpha's own copy: beta's stays
        assert bob.execute_sql("select body from beta_secrets").get_task_result() == '"body"\n"only beta"\n'
        assert bob.execute_sql("select count(*) as n from pyodps_iris").get_task_result() == '"n"\n150\n'


def test_the_warehouse_files_are_named_after_the_projects(secured: ServerProcess) -> None:
    for project, token in (("alpha", ALICE), ("beta", BOB)):
        with taskstream.connect(secured.address, project=project, token=token) as client:
            client.execute_sql("select 1")
    names = {p.name for p in (secured.data_dir / "warehouse").iterdir()}
    assert {"alpha.sqlite", "beta.sqlite"} <= names
    assert not (secured.data_dir / "warehouse.sqlite").exists()  # no warehouse shared by every project


def test_a_data_source_limited_to_projects(secured: ServerProcess) -> None:
    with taskstream.connect(secured.address, project="alpha", token=ALICE) as alice:
        alice.execute_sql("create table shared_mart (n integer)", datasource="mart")
        assert (
            alice.execute_sql("select count(*) as n from shared_mart", datasource="mart").get_task_result()
            == '"n"\n0\n'
        )
    with taskstream.connect(secured.address, project="beta", token=BOB) as bob:
        before = [i.id for i in bob.list_instances()]
        with pytest.raises(PermissionDeniedError) as denied:
            bob.run_sql("select * from shared_mart", datasource="mart")
        assert denied.value.reason == "DATASOURCE_DENIED"
        assert [i.id for i in bob.list_instances()] == before  # refused at create: nothing ran


def test_malformed_data_sources_stop_the_server_with_one_line(tmp_path: Path) -> None:
    for value, expected in (
        ("mart=sqlite:///x.db;projects=", "projects= needs at least one project"),
        ("mart=sqlite:///x.db;project=alpha", "unknown option 'project'"),
        ("mart=sqlite:///x.db;projects=alpha,../beta", "'../beta' is not a project name"),
    ):
        command = [sys.executable, "-m", "taskstreamd", "serve", "--data-dir", str(tmp_path / "data")]
        command += [
            "--listen",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--workers",
            "0",
            "--datasource",
            value,
        ]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert expected in done.stderr and "Traceback" not in done.stderr
        assert not (tmp_path / "data").exists()


def test_a_remote_worker_resolves_the_warehouse_per_project(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, workers=0).start()
    remote = tmp_path / "remote"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "taskstreamd", "--log-level", "WARNING", "worker", "--server"]
    command += [server.address, "--datasource", f"default=sqlite:///{remote}/{{project}}.sqlite"]
    worker = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
    )
    try:
        for project in ("alpha", "beta"):
            with taskstream.connect(server.address, project=project) as o:
                o.execute_sql(f"create table only_{project} as select * from pyodps_iris limit 2")
                with pytest.raises(taskstream.InstanceFailedError, match="no such table"):
                    o.execute_sql(
                        "select * from only_beta" if project == "alpha" else "select * from only_alpha"
                    )
        assert sorted(p.name for p in remote.iterdir()) == ["alpha.sqlite", "beta.sqlite"]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.stop()


def test_the_conformance_projects_workflow_and_rows_find_the_sample_table(server: ServerProcess) -> None:
    # As the conformance scenario's a_workflow_lists_its_sub_instances_by_name and sql_rows_come_typed_in_pages
    # do in project "conformance": AppendID's SQL sub-instances run in the caller's project's warehouse.
    with taskstream.connect(server.address, project="conformance") as o:
        parameters = {"inputTableName": "pyodps_iris", "outputTableName": "warehouse_test_iris_ids"}
        workflow = o.execute_xflow("AppendID", "algo_public", parameters)
        subs = o.get_xflow_sub_instances(workflow)
        assert list(subs) == ["DescInputTable", "AppendID"]
        assert all(sub.is_successful() for sub in subs.values())
        assert all(sub.project == "conformance" for sub in subs.values())
        ids = o.execute_sql("select min(append_id) as lo, max(append_id) as hi from warehouse_test_iris_ids")
        assert ids.get_task_result() == '"lo","hi"\n0,149\n'
        rows = list(
            o.execute_sql("select sepallength, name from pyodps_iris limit 3").open_reader(page_size=2)
        )
        assert len(rows) == 3 and tuple(rows[0]) == (5.1, "Iris-setosa")
