"""/metrics on the HTTP port, scraped after real RPCs on a server of its own (so counts are exact)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

import taskstream
import taskstream.aio
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc
from tests.integration.conftest import eventually
from tests.support.scrape import scrape, value
from tests.support.server import ServerProcess

SERVICE = "/taskstream.v1.InstanceService/"


@pytest.fixture(scope="module")
def metered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("metered"), workers=1).start()
    yield process
    process.stop()


def test_rpcs_tasks_queue_workers_streams_and_events_are_counted(
    metered: ServerProcess, tmp_path: Path
) -> None:
    gate, started = tmp_path / "gate", tmp_path / "started"
    with taskstream.connect(metered.address, project="metrics") as client:
        for n in range(3):
            client.run_task("echo", {"n": n}).wait_for_success(timeout=60)
        with pytest.raises(taskstream.errors.NotFoundError):
            client.get_instance("20261121103000123abcdefgh").status  # noqa: B018
        running = client.run_task("gate", {"path": str(gate), "started": str(started)})
        eventually(started.exists, what="the gated task to start")
        # Its start reaches the server a little after the task began (see START_REPORT_DELAY).
        eventually(
            lambda: (
                [t.task_status for t in running.get_task_statuses().values()]
                == [taskstream.TaskStatus.RUNNING]
            ),
            what="the gated task to be RUNNING",
        )
        queued = client.run_task("echo", {"queued": True})  # the only slot is taken: it waits
        watch = running.watch()
        next(watch)  # the snapshot: the watch stream is open on the server now

        samples = scrape(metered.http_address)
        assert value(samples, "taskstream_rpcs_total", method=SERVICE + "CreateInstance", code="OK") == 5
        assert value(samples, "taskstream_rpcs_total", method=SERVICE + "GetInstance", code="NOT_FOUND") == 1
        assert value(samples, "taskstream_rpc_duration_seconds_count", method=SERVICE + "CreateInstance") == 5
        assert value(samples, "taskstream_tasks", status="SUCCESS") == 3
        assert value(samples, "taskstream_tasks", status="RUNNING") == 1
        assert value(samples, "taskstream_tasks", status="WAITING") == 1
        assert value(samples, "taskstream_instances", status="Terminated") == 3
        assert value(samples, "taskstream_instances", status="Running") == 2
        assert value(samples, "taskstream_queue_depth") == 1
        assert value(samples, "taskstream_workers") == 1
        assert value(samples, "taskstream_worker_slots_busy") == 1
        assert value(samples, "taskstream_worker_tasks_waiting") == 0  # a gated task is not short
        with urllib.request.urlopen(
            f"http://{metered.http_address}/console/api/server", timeout=30
        ) as response:
            server = json.loads(response.read())  # what the console shows of the server
        ((worker,),) = [server["workers"]]
        assert (worker["busy"], worker["slots"], worker["waiting"]) == (1, 1, 0)
        assert value(samples, "taskstream_open_streams", method=SERVICE + "WatchInstance") == 1
        assert value(samples, "taskstream_open_streams", method="/taskstream.v1.WorkerService/Connect") == 1
        assert value(samples, "taskstream_watchers") == 1
        assert value(samples, "taskstream_events_published_total", kind="instance_status") >= 3
        assert value(samples, "taskstream_events_published_total", kind="task_status") >= 3 * 3
        assert value(samples, "process_resident_memory_bytes") > 0
        assert value(samples, "process_open_fds") > 0

        gate.write_text("open")
        queued.wait_for_success(timeout=60)
        for _ in watch:  # ends after the terminal snapshot
            pass
        samples = scrape(metered.http_address)
        assert value(samples, "taskstream_open_streams", method=SERVICE + "WatchInstance") == 0
        assert value(samples, "taskstream_watchers") == 0
        assert value(samples, "taskstream_project_watchers") == 0
        assert value(samples, "taskstream_queue_depth") == 0
        assert value(samples, "taskstream_rpcs_total", method=SERVICE + "WatchInstance", code="OK") == 1


def test_a_cancelled_stream_counts_as_cancelled(metered: ServerProcess, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    with taskstream.connect(metered.address, project="metrics") as client:
        instance = client.run_task("gate", {"path": str(gate)})
    method = SERVICE + "WatchInstance"
    before = value(scrape(metered.http_address), "taskstream_rpcs_total", method=method, code="CANCELLED")
    with grpc.insecure_channel(metered.address) as channel:
        stub = instance_service_pb2_grpc.InstanceServiceStub(channel)
        call = stub.WatchInstance(pb.WatchInstanceRequest(name=f"projects/metrics/instances/{instance.id}"))
        next(call)
        call.cancel()

    def counted() -> bool:
        now = value(scrape(metered.http_address), "taskstream_rpcs_total", method=method, code="CANCELLED")
        return now == before + 1

    eventually(counted, what="the cancelled watch to be counted")
    gate.write_text("open")


def test_execute_task_is_one_call_when_the_task_ends_within_the_wait(metered: ServerProcess) -> None:
    def calls() -> dict[str, float]:
        samples = scrape(metered.http_address)
        return {
            method: value(samples, "taskstream_rpcs_total", method=SERVICE + method, code="OK")
            for method in ("CreateInstance", "WaitInstance", "GetInstance", "GetTaskResult")
        }

    before = calls()
    with taskstream.connect(metered.address, project="metrics") as client:
        assert client.execute_task("noop").is_successful()
    after_sync = calls()
    assert after_sync == {**before, "CreateInstance": before["CreateInstance"] + 1}

    async def execute() -> bool:
        async with taskstream.aio.connect(metered.address, project="metrics") as aclient:
            return await (await aclient.execute_task("noop")).is_successful()

    assert asyncio.run(execute())
    assert calls() == {**after_sync, "CreateInstance": after_sync["CreateInstance"] + 1}
