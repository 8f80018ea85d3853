"""--log-format json: every line a real server and its local workers write to stderr is one JSON object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import taskstream
from taskstream import TaskStatus
from tests.support.server import ServerProcess


def test_server_and_worker_log_one_json_object_per_line_with_ids(tmp_path: Path) -> None:
    stderr = tmp_path / "stderr"
    server = ServerProcess(
        tmp_path / "data",
        workers=1,
        logging=("--log-level", "INFO", "--log-format", "json"),
        stderr=stderr,
    ).start()
    try:
        with taskstream.connect(server.address, project="logs") as client:
            failed = client.run_task("fail", {"message": "on purpose"}, name="breaks")
            failed.wait_for_completion(timeout=60)
            assert failed.get_task().task_status == TaskStatus.FAILED
            held = client.run_task("echo", hold=True)
            held.stop()
    finally:
        assert server.stop() == 0
    lines = [line for line in stderr.read_text().splitlines() if line.strip()]
    records: list[dict[str, Any]] = [json.loads(line) for line in lines]  # each line parses on its own
    assert records
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
        assert record["time"].endswith("+00:00")
    ended = [r for r in records if r.get("instance_id") == failed.id and r.get("status") == "FAILED"]
    assert len(ended) == 1
    assert ended[0]["task"] == "breaks" and ended[0]["level"] == "INFO"
    assert ended[0]["logger"] == "taskstreamd.core.intake"
    stopped = [r for r in records if r.get("instance_id") == held.id and r.get("reason") == "DIRECT"]
    assert len(stopped) == 1
    # The local worker process logs in the same format, with its id.
    registered = [r for r in records if r["logger"] == "taskstreamd.workers.worker" and "worker_id" in r]
    assert registered and "/w-" in registered[0]["worker_id"]  # replica id / session
    connected = [r for r in records if r["logger"] == "taskstreamd.core.intake" and "worker_id" in r]
    assert any(r["worker_id"] == registered[0]["worker_id"] for r in connected)
