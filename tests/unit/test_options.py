"""Every option of ``taskstreamd`` is a flag, a TASKSTREAMD_* variable and a key of the --config file, with
the precedence flag > environment > file > default; the file refuses unknown keys and unsafe modes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import pytest

from taskstreamd.cli import OPTIONS, parse

# A valid value of every option: a new option without one fails test_every_option_has_a_sample.
SAMPLES: dict[str, Any] = {
    "log_level": "DEBUG",
    "log_format": "json",
    "listen": "127.0.0.1:6000",
    "http": "127.0.0.1:6001",
    "metrics_listen": "off",
    "http_max_connections": 10,
    "http_head_timeout": 2.5,
    "public_url": "https://logview.example",
    "data_dir": "/srv/taskstream",
    "db": "sqlite:////srv/taskstream/store.db",
    "advertise": "10.1.2.3:50051",
    "workers": 3,
    "tasks": ["mytasks", "more.tasks"],
    "allow_code": True,
    "strict_types": True,
    "type_limit": ["gpu=2", "export=1"],
    "tracing": True,
    "max_output_bytes": 1000,
    "grace_period": 1.5,
    "prefetch": 2,
    "short_task_prefetch": 3,
    "cached_answers": 5,
    "retention": "7d",
    "retention_interval": 60.0,
    "max_message_bytes": 7_000_000,
    "max_tasks_per_instance": 7,
    "max_parameters_bytes": 7000,
    "max_properties_per_task": 7,
    "max_property_bytes": 700,
    "max_streams_per_principal": 7,
    "auth_file": "/srv/auth.toml",
    "tls_cert": "/srv/cert.pem",
    "tls_key": "/srv/key.pem",
    "tls_client_ca": "/srv/ca.pem",
    "worker_user": "taskstream-tasks",
    "allow_insecure_auth": True,
    "shutdown_grace": 3.0,
    "datasource": ["mart=sqlite:////srv/mart.db;projects=alpha,beta", "other=sqlite:////srv/o.db"],
    "lease_seconds": 9.0,
    "heartbeat_seconds": 1.0,
    "server": "10.0.0.1:50051,10.0.0.2:50051",
    "slots": 4,
    "name": "gpu-1",
    "labels": "gpu=true,zone=a",
    "token_file": "/srv/token",
    "tls_ca": "/srv/ca.pem",
    "user": "taskstream-tasks",
    "json": True,
}
COMMANDS = ("serve", "worker", "migrate", "check")


def _settable(command: str) -> list[Any]:
    return [o for o in [*OPTIONS.of(None), *OPTIONS.of(command)] if not o.hidden and o.name != "config"]


def test_every_option_has_a_sample() -> None:
    names = {o.name for command in COMMANDS for o in _settable(command)}
    assert names == set(SAMPLES)


def _flags(command: str) -> list[str]:
    before: list[str] = []
    after: list[str] = []
    for option in _settable(command):
        value = SAMPLES[option.name]
        target = before if not option.commands else after
        if value is True:
            target.append(option.flag)
        elif isinstance(value, list):
            for item in value:
                target += [option.flag, str(item)]
        else:
            target += [option.flag, str(value)]
    return [*before, command, *after]


def _environment(command: str) -> dict[str, str]:
    return {
        o.env: " ".join(SAMPLES[o.name]) if isinstance(SAMPLES[o.name], list) else str(SAMPLES[o.name])
        for o in _settable(command)
    }


def _file(tmp_path: Path, command: str, values: dict[str, Any] | None = None) -> Path:
    import json

    lines = [f"{name} = {json.dumps(value)}" for name, value in (values or {}).items()]
    if values is None:
        lines = [f"{o.name} = {json.dumps(SAMPLES[o.name])}" for o in _settable(command)]
    path = tmp_path / f"{command}.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {k: v for k, v in vars(args).items() if k != "config"}


@pytest.mark.parametrize("command", COMMANDS)
def test_each_flag_has_an_equal_variable_and_file_key(tmp_path: Path, command: str) -> None:
    by_flags = _settings(parse(_flags(command), {}))
    by_environment = _settings(parse([command], _environment(command)))
    by_file = _settings(parse([command, "--config", str(_file(tmp_path, command))], {}))
    defaults = _settings(parse([command], {}))
    assert by_flags == by_environment == by_file
    assert all(by_flags[o.name] != defaults[o.name] for o in _settable(command))  # each sample counted


def test_a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default(tmp_path: Path) -> None:
    config = _file(tmp_path, "serve", {"workers": 3, "tasks": ["from_file"], "grace_period": 2.0})
    environ = {"TASKSTREAMD_WORKERS": "5", "TASKSTREAMD_CONFIG": str(config)}
    args = parse(["serve", "--workers", "7"], environ)
    assert (args.workers, args.tasks, args.grace_period, args.shutdown_grace) == (7, ["from_file"], 2.0, 30.0)
    args = parse(["serve", "--tasks", "a", "--tasks", "b"], {**environ, "TASKSTREAMD_TASKS": "x y"})
    assert (args.workers, args.tasks, args.config) == (5, ["a", "b"], config)
    assert parse(["serve"], {"TASKSTREAMD_ALLOW_CODE": "0"}).allow_code is False
    assert parse(["serve", "--config", str(_file(tmp_path, "serve", {"allow_code": True}))], {}).allow_code


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str]) -> str:
    with pytest.raises(SystemExit) as exited:
        parse(argv, environ)
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_bad_values_name_their_variable_or_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(capsys, ["serve"], {"TASKSTREAMD_WORKERS": "many"})
    assert "TASKSTREAMD_WORKERS: workers: invalid value 'many'" in err
    err = _refused(capsys, ["serve"], {"TASKSTREAMD_ALLOW_CODE": "perhaps"})
    assert "TASKSTREAMD_ALLOW_CODE" in err
    err = _refused(capsys, ["serve"], {"TASKSTREAMD_LISTEN": "nowhere"})
    assert "TASKSTREAMD_LISTEN: listen: expected HOST:PORT" in err
    config = _file(tmp_path, "serve", {"allow_code": "yes"})
    assert "allow_code: expected true or false" in _refused(capsys, ["serve", "--config", str(config)], {})
    config = _file(tmp_path, "serve", {"log_format": "xml"})
    assert "log_format: 'xml' is not one of" in _refused(capsys, ["serve", "--config", str(config)], {})


def test_the_file_refuses_unknown_keys_and_other_commands_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = _file(tmp_path, "serve", {"wokers": 2})
    assert "unknown key 'wokers' for taskstreamd serve" in _refused(
        capsys, ["serve", "--config", str(typo)], {}
    )
    slots = _file(tmp_path, "serve", {"slots": 2})  # a worker's option
    assert "unknown key 'slots'" in _refused(capsys, ["serve", "--config", str(slots)], {})
    hidden = _file(tmp_path, "worker", {"settings_fd": 3})
    assert "unknown key 'settings_fd'" in _refused(capsys, ["worker", "--config", str(hidden)], {})
    broken = tmp_path / "broken.toml"
    broken.write_text("workers = \n")
    broken.chmod(0o600)
    assert "not a TOML file" in _refused(capsys, ["serve", "--config", str(broken)], {})
    missing = str(tmp_path / "missing.toml")
    assert "cannot read the configuration file" in _refused(capsys, ["serve", "--config", missing], {})


def test_a_file_others_may_write_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _file(tmp_path, "serve", {"workers": 2})
    config.chmod(0o620)
    assert "other users may write it (mode 0620)" in _refused(capsys, ["serve", "--config", str(config)], {})


def test_secrets_in_a_file_others_may_read_get_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = {"db": "postgresql+psycopg://taskstream:s3cret@db/taskstream"}
    config = _file(tmp_path, "serve", secret)
    assert parse(["serve", "--config", str(config)], {}).db == secret["db"]
    assert capsys.readouterr().err == ""  # 0600: nobody else reads it
    config.chmod(0o644)
    parse(["serve", "--config", str(config)], {})
    warning = capsys.readouterr().err
    assert "holds secrets (db) and other users may read it (mode 0644)" in warning
    assert "s3cret" not in warning
    sources = {"datasource": ["mart=postgresql+psycopg://etl:pw@db/mart;projects=a"], "workers": 1}
    shared = _file(tmp_path, "serve", sources)
    shared.chmod(0o640)
    parse(["serve", "--config", str(shared)], {})
    assert "holds secrets (datasource)" in capsys.readouterr().err
    no_password = _file(tmp_path, "serve", {"db": "postgresql+psycopg://taskstream@db/taskstream"})
    no_password.chmod(0o644)
    parse(["serve", "--config", str(no_password)], {})
    assert capsys.readouterr().err == ""


def test_the_server_keeps_its_settings_from_its_children(tmp_path: Path) -> None:
    from taskstreamd.local_workers import LocalWorkerPool

    os.environ["TASKSTREAMD_DB"] = "postgresql+psycopg://taskstream:s3cret@db/taskstream"
    try:
        pool = LocalWorkerPool(1, "127.0.0.1:1", [], False)
    finally:
        del os.environ["TASKSTREAMD_DB"]
    assert pool.env is not None and not any(key.startswith("TASKSTREAMD_") for key in pool.env)
    assert pool.env.get("PATH") == os.environ.get("PATH")
