"""Worker tokens limited to projects: the tokens file's ``worker = [...]`` and which tasks a session takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskstreamd.access import auth
from taskstreamd.core.queue import QueuedTask
from taskstreamd.core.sessions import WorkerSession
from taskstreamd.errors import PermissionDenied

TEXT = """
[[token]]
principal = "anywhere"
token = "anywhere-0123456789"
worker = true

[[token]]
principal = "two-projects"
token = "two-projects-0123456789"
worker = ["alpha", "beta"]

[[token]]
principal = "not-a-worker"
token = "not-a-worker-0123456789"
write = ["alpha"]
"""


def _principal(tmp_path: Path, token: str) -> auth.Principal:
    path = tmp_path / "tokens.toml"
    path.write_text(TEXT)
    return auth.load(path).authenticate([("authorization", f"Bearer {token}")])


def test_worker_entries_are_true_or_a_list_of_projects(tmp_path: Path) -> None:
    anywhere = _principal(tmp_path, "anywhere-0123456789")
    assert anywhere.worker and anywhere.worker_scope() is None
    scoped = _principal(tmp_path, "two-projects-0123456789")
    auth.require_worker(scoped)
    assert scoped.worker_scope() == frozenset({"alpha", "beta"})
    assert not scoped.can_read("alpha")  # running a project's tasks is not reading its instances
    with pytest.raises(PermissionDenied):
        auth.require_worker(_principal(tmp_path, "not-a-worker-0123456789"))


@pytest.mark.parametrize(
    ("worker", "message"),
    [("[]", "lists no project"), ('"alpha"', "true, false or a list"), ("[1]", "list of")],
)
def test_malformed_worker_entries_are_refused(tmp_path: Path, worker: str, message: str) -> None:
    path = tmp_path / "tokens.toml"
    path.write_text(f'[[token]]\nprincipal = "w"\ntoken = "0123456789abcdefgh"\nworker = {worker}\n')
    with pytest.raises(ValueError, match=message):
        auth.load(path)


def _task(project: str) -> QueuedTask:
    return QueuedTask(9, "i", 0, 1, "echo", project)


def test_a_scoped_session_takes_only_its_projects_tasks() -> None:
    scoped = WorkerSession("w", 1, {"echo": ""}, False, projects=frozenset({"alpha"}))
    anywhere = WorkerSession("w", 1, {"echo": ""}, False)
    assert scoped.can_run(_task("alpha")) and not scoped.can_run(_task("beta"))
    assert anywhere.can_run(_task("alpha")) and anywhere.can_run(_task("beta"))
