"""``taskstreamd ... @FILE`` reads arguments from a file, one a line: secrets stay off the command line,
which every user of the machine (tasks included) can read in /proc/PID/cmdline."""

from __future__ import annotations

from pathlib import Path

from taskstreamd.cli import parse, parser


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


def test_the_worker_user_defaults_to_the_environment() -> None:
    assert parse(["serve"], {}).worker_user is None
    assert parse(["serve"], {"TASKSTREAMD_WORKER_USER": "taskstream-tasks"}).worker_user == "taskstream-tasks"
    assert parse(["serve"], {"TASKSTREAM_WORKER_USER": "older"}).worker_user == "older"  # its former name
    both = {"TASKSTREAMD_WORKER_USER": "new", "TASKSTREAM_WORKER_USER": "older"}
    assert parse(["serve"], both).worker_user == "new"
    assert parse(["serve", "--worker-user", "other"], both).worker_user == "other"
