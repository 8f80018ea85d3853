"""Which queued tasks a worker session may take (labels, projects)."""

from __future__ import annotations

from taskstreamd.core.queue import QueuedTask
from taskstreamd.core.sessions import WorkerSession


def _task(project: str = "p", **labels: str) -> QueuedTask:
    return QueuedTask(9, "i", 0, 1, "echo", project, tuple(sorted(labels.items())))


def test_a_task_goes_only_to_a_worker_with_every_label_it_requires() -> None:
    gpu = WorkerSession("gpu", 1, {"echo": ""}, False, labels={"gpu": "true", "zone": "a"})
    plain = WorkerSession("plain", 1, {"echo": ""}, False)
    assert gpu.can_run(_task()) and plain.can_run(_task())
    assert gpu.can_run(_task(gpu="true")) and not plain.can_run(_task(gpu="true"))
    assert gpu.can_run(_task(gpu="true", zone="a")) and not gpu.can_run(_task(gpu="true", zone="b"))
    assert not gpu.can_run(_task(gpu="false"))


def test_worker_session_ids_are_unique_across_servers() -> None:
    # Tasks name their worker by session id, across replicas and restarts.
    assert len({WorkerSession("w", 1, {}, False).id for _ in range(100)}) == 100
