"""``taskstreamd ... @FILE`` reads arguments from a file, one a line: secrets stay off the command line,
which every user of the machine (tasks included) can read in /proc/PID/cmdline."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskstreamd.cli import parser


def test_arguments_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "serve.args"
    secret.write_text(
        "--db=postgresql+psycopg://taskstream:s3cret@db/taskstream\n"
        "--datasource=mart=postgresql+psycopg://etl:s3cret@db/mart;projects=alpha\n"
    )
    args = parser().parse_args(["serve", "--workers", "2", f"@{secret}"])
    assert args.db == "postgresql+psycopg://taskstream:s3cret@db/taskstream"
    assert args.datasource == ["mart=postgresql+psycopg://etl:s3cret@db/mart;projects=alpha"]
    assert args.workers == 2
    token = tmp_path / "worker.args"
    token.write_text("--datasource\ndefault=sqlite:////srv/w/{project}.sqlite\n")
    assert parser().parse_args(["worker", f"@{token}"]).datasource == [
        "default=sqlite:////srv/w/{project}.sqlite"
    ]


def test_the_worker_user_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TASKSTREAM_WORKER_USER", raising=False)
    assert parser().parse_args(["serve"]).worker_user is None
    monkeypatch.setenv("TASKSTREAM_WORKER_USER", "taskstream-tasks")
    assert parser().parse_args(["serve"]).worker_user == "taskstream-tasks"
    assert parser().parse_args(["serve", "--worker-user", "other"]).worker_user == "other"
