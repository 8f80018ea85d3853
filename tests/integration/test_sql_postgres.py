"""SQL tasks on a PostgreSQL data source: the same CSV results, and stop cancels a running statement
through the driver (psycopg's cancel) instead of killing the task's process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import taskstream
from taskstream import CancellationReason, TaskStatus
from tests.integration.conftest import until_task_status
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def client(
    postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[taskstream.Client]:
    data = Path(tmp_path_factory.mktemp("sql-pg"))
    source = f"pg={postgres.create_database()}"
    server = ServerProcess(data, "--datasource", source, "--grace-period", "30", workers=1).start()
    try:
        with taskstream.connect(server.address, project="sqlpg") as c:
            yield c
    finally:
        server.stop()


def test_a_select_on_postgresql_gives_the_pyodps_csv(client: taskstream.Client) -> None:
    client.execute_sql("create table kinds (n integer, x double precision, s text)", datasource="pg")
    client.execute_sql("insert into kinds values (1, 2.5, 'a \"b\"'), (2, NULL, NULL)", datasource="pg")
    instance = client.execute_sql("select n, x, s from kinds order by n", datasource="pg")
    assert instance.get_task_result() == '"n","x","s"\n1,2.5,"a ""b"""\n2,,\n'


def test_stop_cancels_a_running_postgresql_statement(
    client: taskstream.Client, postgres: PostgresCluster
) -> None:
    instance = client.run_sql("select pg_sleep(120)", datasource="pg", task_name="Sleep")
    until_task_status(instance, "Sleep", TaskStatus.RUNNING)
    # RUNNING is reported before the task has connected; a stop before the statement began skips it
    # instead of interrupting it. Stop once the database shows it running.
    until_statement_active(postgres, "select pg_sleep(120)")
    instance.stop(message="enough")
    # The grace period (30 s) is far longer than a cancel takes: ending well within it shows the
    # statement was cancelled through the connection, which the task's output confirms.
    instance.wait_for_completion(timeout=60)
    task = instance.get_task("Sleep")
    assert task.task_status == TaskStatus.CANCELLED
    assert task.task_cancellation_reason == CancellationReason.DIRECT
    assert "statement interrupted" in task.standard_output


def until_statement_active(postgres: PostgresCluster, sql: str) -> None:
    """Poll pg_stat_activity (bounded) until ``sql`` runs in some session."""
    with psycopg.connect(postgres.url().replace("+psycopg", ""), autocommit=True) as conn:
        for _ in range(50_000):  # a query each: seconds at most
            row = conn.execute(
                "select count(*) from pg_stat_activity where state = 'active' and query = %s", (sql,)
            ).fetchone()
            if row is not None and row[0] > 0:
                return
    raise AssertionError(f"{sql!r} never ran")
