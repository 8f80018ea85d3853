"""Which queued tasks a worker session may take (labels), and heartbeats that pile up while stalled."""

from __future__ import annotations

from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.api.worker_servicer import last_heartbeat_only
from taskstreamd.scheduler.workers import WorkerSession
from taskstreamd.store.repository import QueuedTask


def _task(**labels: str) -> QueuedTask:
    return QueuedTask(9, "i", 0, 1, "echo", tuple(sorted(labels.items())))


def test_a_task_goes_only_to_a_worker_with_every_label_it_requires() -> None:
    gpu = WorkerSession("gpu", 1, {"echo": ""}, False, labels={"gpu": "true", "zone": "a"})
    plain = WorkerSession("plain", 1, {"echo": ""}, False)
    assert gpu.can_run(_task()) and plain.can_run(_task())
    assert gpu.can_run(_task(gpu="true")) and not plain.can_run(_task(gpu="true"))
    assert gpu.can_run(_task(gpu="true", zone="a")) and not gpu.can_run(_task(gpu="true", zone="b"))
    assert not gpu.can_run(_task(gpu="false"))


def test_worker_session_ids_are_unique_across_servers() -> None:
    # Leases in the shared database name their worker by session id.
    assert len({WorkerSession("w", 1, {}, False).id for _ in range(100)}) == 100


def test_only_the_last_of_queued_heartbeats_is_kept_in_place() -> None:
    beat = wpb.ConnectRequest(heartbeat=wpb.WorkerHeartbeat())
    started = wpb.ConnectRequest(started=wpb.TaskStarted(assignment_id="1-1"))
    batch = [beat, beat, started, beat]
    assert [r.WhichOneof("message") for r in last_heartbeat_only(batch)] == ["started", "heartbeat"]
