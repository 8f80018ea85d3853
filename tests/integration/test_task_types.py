"""Task types: what ListTaskTypes reports, and a `--strict-types` server refusing a type no worker offers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import taskstream
from taskstream.errors import FailedPreconditionError
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server made strict by its configuration file, with one local worker set by the environment."""
    config = tmp_path_factory.mktemp("config") / "taskstreamd.toml"
    config.write_text("strict_types = true\nworkers = 4\n")
    config.chmod(0o600)
    process = ServerProcess(
        tmp_path_factory.mktemp("strict"),
        "--config",
        str(config),
        workers=1,
        env={"TASKSTREAMD_WORKERS": "2"},  # the flag (1) wins over both
    ).start()
    yield process
    process.stop()


def test_a_strict_server_refuses_a_type_no_worker_offers_naming_the_known_ones(strict: ServerProcess) -> None:
    with taskstream.connect(strict.address, project="strict") as client:
        # Ready means the local worker registered: its types are known from the first call on.
        assert client.execute_task("echo", {"n": 1}, timeout=60).get_task_result() == {"n": 1}
        with pytest.raises(FailedPreconditionError) as refused:
            client.run_task("prgress_demo", {"stages": 2})
        error = refused.value
        assert error.reason == "UNKNOWN_TASK_TYPE"
        assert error.metadata["task_type"] == "prgress_demo"
        known = error.metadata["known_types"].split(",")
        assert {"echo", "sql", "fail"} <= set(known) and known == sorted(known)
        assert "'prgress_demo'" in str(error) and "echo" in str(error)
        assert len(list(client.list_instances())) == 1  # only the echo: nothing was created


def test_task_types_lists_names_descriptions_and_worker_counts(strict: ServerProcess) -> None:
    with taskstream.connect(strict.address, project="strict") as client:
        types = {t.name: t for t in client.list_task_types()}
    assert types["echo"].worker_count == 1
    assert types["echo"].description == "Returns its parameters."  # the docstring's first line
