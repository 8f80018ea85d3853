"""The built-in ``sql`` task stays inside its data source (issue 20 item 1): a writer of one project, with
no code submission, cannot make the warehouse write or read files elsewhere, nor load code."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import taskstream
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerProcess

WRITER = "writer-token-0123456789"  # writes alpha; no code


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("confined")
    tokens = data / "tokens.toml"
    tokens.write_text(f'[[token]]\nprincipal = "writer"\ntoken = "{WRITER}"\nwrite = ["alpha"]\n')
    process = ServerProcess(data, "--auth-file", str(tokens), workers=1).start()
    yield process
    process.stop()


@pytest.fixture
def writer(secured: ServerProcess) -> Iterator[taskstream.Client]:
    with taskstream.connect(secured.address, project="alpha", token=WRITER) as client:
        yield client


def _refused(client: taskstream.Client, sql: str) -> str:
    with pytest.raises(taskstream.InstanceFailedError) as failed:
        client.execute_sql(sql, timeout=60)
    return str(failed.value.error)


def test_vacuum_into_writes_no_file(writer: taskstream.Client, tmp_path: Path) -> None:
    # The attack of the issue: a .pth file in site-packages runs code as the server's user at its next start.
    target = tmp_path / "evil.pth"
    message = _refused(writer, f"VACUUM INTO '{target}'")
    assert "VACUUM INTO" in message and "not allowed" in message
    assert not target.exists()
    writer.execute_sql("vacuum", timeout=60)  # compacting the project's own warehouse is fine


def test_attach_opens_no_other_file(writer: taskstream.Client, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    message = _refused(writer, f"ATTACH DATABASE '{other}' AS other")
    assert "ATTACH" in message and "not allowed" in message
    assert not other.exists()


def test_file_and_code_pragmas_and_extensions_are_refused(writer: taskstream.Client, tmp_path: Path) -> None:
    assert "PRAGMA temp_store_directory" in _refused(writer, f"PRAGMA temp_store_directory = '{tmp_path}'")
    assert "PRAGMA writable_schema" in _refused(writer, "PRAGMA writable_schema = 1")
    assert "load_extension" in _refused(writer, f"select load_extension('{tmp_path / 'x.so'}')")
    # Harmless pragmas and introspection still work.
    columns = writer.execute_sql("pragma table_info(pyodps_iris)", timeout=60).get_task_result()
    assert "sepallength" in columns
    assert writer.execute_sql("desc pyodps_iris", timeout=60).get_task_result().count("\n") == 6


def test_postgresql_server_files_and_programs_are_refused(
    postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The test cluster's role is a superuser, for whom PostgreSQL itself would run these.
    data = tmp_path_factory.mktemp("confined-pg")
    server = ServerProcess(data, "--datasource", f"pg={postgres.create_database()}", workers=1).start()
    marker = Path(tempfile.gettempdir()) / f"taskstream-copy-program-{os.getpid()}"
    try:
        with taskstream.connect(server.address, project="alpha") as o:
            for sql in (
                f"COPY (select 1) TO PROGRAM 'touch {marker}'",
                f"copy (select 1) to/**/'{marker}'",
                "select pg_read_file('/etc/passwd')",
                f"DO $$ BEGIN EXECUTE 'copy (select 1) to program ''touch {marker}'''; END $$",
            ):
                with pytest.raises(taskstream.InstanceFailedError, match="not allowed in a sql task"):
                    o.execute_sql(sql, datasource="pg", timeout=60)
            assert o.execute_sql("select 1 as one", datasource="pg").get_task_result() == '"one"\n1\n'
        assert not marker.exists()
    finally:
        server.stop()
        marker.unlink(missing_ok=True)
