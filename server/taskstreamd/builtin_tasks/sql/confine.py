"""What a ``sql`` task may not do: reach files, programs or code outside its data source.

A writer of a project may run any statement on that project's data source, but the statement must not
become a way to write or read the worker machine's files (a ``.pth`` file in site-packages runs code as
the worker's user at the next start), to attach another project's warehouse, or to load a library.

SQLite gets an authorizer (``sqlite3.Connection.set_authorizer``) on every connection, which SQLite asks
about every action while it compiles a statement, internal ones included. It refuses:

- ATTACH and DETACH of a file (VACUUM INTO is an ATTACH of its target, so it is refused too; a plain
  VACUUM attaches a nameless temporary database, which stays allowed),
- the functions ``load_extension`` (code) and ``fts3_tokenizer`` (takes a pointer),
- every PRAGMA but the harmless ones listed in ``_PRAGMAS`` (an allow-list: ``temp_store_directory``
  names a directory, ``writable_schema`` lets a statement corrupt the file, ``soft_heap_limit`` changes
  the whole task process, ...).

Other databases are checked by the statement's text (``refuse_text``), which is a safety net only: the
database's own privileges are the wall. PostgreSQL: ``COPY ... TO/FROM PROGRAM`` or a file, ``LOAD``,
and the server-file functions (``lo_import``, ``lo_export``, ``pg_read_file``, ``pg_ls_dir``, ...);
MySQL / MariaDB: ``INTO OUTFILE / DUMPFILE``, ``LOAD DATA`` and ``LOAD_FILE``. A statement can still
build such a command at run time (a ``DO`` block or a function with dynamic SQL), which is why the
data source's role must not have them: no superuser, no ``pg_read_server_files``,
``pg_write_server_files`` or ``pg_execute_server_program`` (MySQL: no ``FILE`` privilege).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from typing import Any

import sqlalchemy as sa


class Refused(PermissionError):
    """A statement the sql task does not run; the message names what was refused and why."""


# Pragmas that read the schema or change only this connection's behaviour; anything else is refused.
_PRAGMAS = frozenset(
    {
        "analysis_limit",
        "application_id",
        "automatic_index",
        "busy_timeout",
        "cache_size",
        "case_sensitive_like",
        "collation_list",
        "count_changes",
        "data_version",
        "defer_foreign_keys",
        "empty_result_callbacks",
        "encoding",
        "foreign_key_check",
        "foreign_key_list",
        "foreign_keys",
        "freelist_count",
        "full_column_names",
        "index_info",
        "index_list",
        "index_xinfo",
        "integrity_check",
        "legacy_alter_table",
        "optimize",
        "page_count",
        "page_size",
        "pragma_list",
        "query_only",
        "quick_check",
        "read_uncommitted",  # SQLAlchemy reads it on connect
        "recursive_triggers",
        "reverse_unordered_selects",
        "short_column_names",
        "table_info",  # desc and PyODPS-style introspection
        "table_list",
        "table_xinfo",
        "user_version",
    }
)
_READ_ONLY_PRAGMAS = frozenset({"schema_version"})  # reading is harmless; setting it corrupts the file
_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer"})

_refusal = threading.local()  # what the authorizer refused last, in the thread compiling the statement


def confine(engine: sa.Engine) -> sa.Engine:
    """Install the SQLite authorizer on every new connection of ``engine``; returns it."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _on_connect)
    return engine


def take_refusal() -> Refused | None:
    """The authorizer's last refusal in this thread (then forgotten); None when it refused nothing."""
    reason: str | None = getattr(_refusal, "reason", None)
    _refusal.reason = None
    return Refused(reason) if reason is not None else None


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.set_authorizer(_authorize)


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    reason = _sqlite_refusal(action, arg1, arg2)
    if reason is None:
        return sqlite3.SQLITE_OK
    _refusal.reason = reason
    return sqlite3.SQLITE_DENY


def _sqlite_refusal(action: int, arg1: str | None, arg2: str | None) -> str | None:
    if action == sqlite3.SQLITE_ATTACH and arg1:  # "" is the temporary database a plain VACUUM uses
        return (
            "ATTACH DATABASE and VACUUM INTO are not allowed in a sql task: they open a file outside "
            "the project's data source"
        )
    if action == sqlite3.SQLITE_DETACH:
        return "DETACH DATABASE is not allowed in a sql task"
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _FUNCTIONS:
        return f"the function {arg2} is not allowed in a sql task: it loads code or takes a pointer"
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _PRAGMAS or (name in _READ_ONLY_PRAGMAS and arg2 is None):
            return None
        return (
            f"PRAGMA {name} is not allowed in a sql task (only pragmas that read the schema or change "
            "this connection's behaviour are)"
        )
    return None


# Text checks for other databases: (dialect names, pattern, what it is).
_TEXT_RULES: tuple[tuple[frozenset[str], re.Pattern[str], str], ...] = (
    (
        frozenset({"postgresql"}),
        re.compile(r"\bcopy\b[\s\S]*?\b(?:to|from)\s+(?:program\b|e?'|u&'|\$)", re.IGNORECASE),
        "COPY to or from a program or a server file",
    ),
    (
        frozenset({"postgresql"}),
        re.compile(
            r"\b(?:lo_import|lo_export|pg_read_file|pg_read_binary_file|pg_stat_file|pg_ls_\w+|pg_file_\w+"
            r"|pg_logdir_ls)\s*\"?\s*\(",
            re.IGNORECASE,
        ),
        "a function that reads, writes or lists the database server's files",
    ),
    (
        frozenset({"postgresql"}),
        re.compile(r"(?:^|;)\s*load\b", re.IGNORECASE),
        "LOAD of a shared library",
    ),
    (
        frozenset({"mysql", "mariadb"}),
        re.compile(r"\binto\s+(?:outfile|dumpfile)\b|\bload\s+data\b|\bload_file\s*\(", re.IGNORECASE),
        "reading or writing the database server's files",
    ),
)


def refuse_text(dialect: str, sql: str) -> None:
    """Refused when ``sql`` does, in its text, what a sql task may not do on this kind of database.

    Two readings are checked, so that a comment can hide nothing: the statement without its comments (a
    comment between two keywords), and the statement with only the comment markers blanked out (should
    the first reading ever take code for a comment). String contents stay in both: a DO block's body is
    a string.
    """
    rules = [(pattern, what) for dialects, pattern, what in _TEXT_RULES if dialect in dialects]
    if not rules:
        return
    readings = (_without_comments(sql, mysql=dialect != "postgresql"), _COMMENT_MARKERS.sub(" ", sql))
    for pattern, what in rules:
        if any(pattern.search(reading) for reading in readings):
            raise Refused(f"{what} is not allowed in a sql task (it reaches beyond the data source)")


_COMMENT_MARKERS = re.compile(r"/\*!?|\*/|--|#")
_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def _without_comments(sql: str, *, mysql: bool) -> str:
    """``sql`` with its comments replaced by a space; quoted text is kept as it is.

    PostgreSQL: ``--`` and nested ``/* */`` comments, ``''`` inside strings, backslash escapes only in
    ``E'...'``, dollar quoting. MySQL: ``#``, ``-- `` (with the space) and ``/* */`` comments, whose
    ``/*! ... */`` form is code, and backslash escapes in every string.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        dollar = None if mysql or c != "$" else _DOLLAR_QUOTE.match(sql, i)
        if dollar is not None:
            end = sql.find(dollar.group(), dollar.end())
            end = n if end < 0 else end + len(dollar.group())
        elif c in "'\"`":
            backslashes = c != "`" and (mysql or (c == "'" and i > 0 and sql[i - 1] in "eE"))
            end = _quote_end(sql, i, backslashes)
        elif _line_comment_at(sql, i, mysql=mysql):
            newline = sql.find("\n", i)
            i = n if newline < 0 else newline
            out.append(" ")
            continue
        elif sql.startswith("/*", i) and not (mysql and sql.startswith("/*!", i)):
            i = _block_comment_end(sql, i, nested=not mysql)
            out.append(" ")
            continue
        else:
            end = i + 1
        out.append(sql[i:end])
        i = end
    return "".join(out)


def _line_comment_at(sql: str, i: int, *, mysql: bool) -> bool:
    if mysql:  # MySQL's "--" needs a space after it ("1--1" is arithmetic); "#" starts one too
        return sql[i] == "#" or (
            sql.startswith("--", i) and sql[i + 2 : i + 3] in ("", " ", "\t", "\n", "\r")
        )
    return sql.startswith("--", i)


def _quote_end(sql: str, start: int, backslashes: bool) -> int:
    """The index after the quoted text opening at ``start`` (the end of ``sql`` when it is not closed)."""
    quote, i, n = sql[start], start + 1, len(sql)
    while i < n:
        if backslashes and sql[i] == "\\":
            i += 2
        elif sql[i] == quote:
            if sql[i + 1 : i + 2] != quote:
                return i + 1
            i += 2  # a doubled quote
        else:
            i += 1
    return n


def _block_comment_end(sql: str, start: int, *, nested: bool) -> int:
    depth, i, n = 1, start + 2, len(sql)
    while i < n and depth:
        if nested and sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i
