"""The worker protocol's batches against a real server, spoken by hand over a raw Connect stream: a worker
that accepts batches gets its assignments together and may report in one message, a worker that predates
batches gets one message at a time, and a batch inside a batch ends the stream with INVALID_ARGUMENT."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import grpc
import pytest

import taskstream
from taskstream import TaskSpec
from taskstream.v1 import task_pb2, worker_service_pb2_grpc
from taskstream.v1 import worker_service_pb2 as wpb
from tests.support.server import ServerProcess

WAIT = 30.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("protocol"), workers=0).start()
    yield process
    process.stop()


class RawWorker:
    """A worker session spoken by hand: requests go in a queue, responses are read one by one."""

    def __init__(self, address: str, *, batches: bool, task_type: str) -> None:
        self._channel = grpc.insecure_channel(address)
        self._requests: queue.Queue[wpb.ConnectRequest | None] = queue.Queue()
        stub = worker_service_pb2_grpc.WorkerServiceStub(self._channel)
        self._responses = stub.Connect(iter(self._requests.get, None), timeout=WAIT)
        register = wpb.RegisterWorker(
            worker_name=f"raw-{task_type}",
            slots=3,
            task_types=[wpb.WorkerTaskType(name=task_type)],
            accepts_batches=batches,
        )
        self.send(wpb.ConnectRequest(register=register))
        self.registered = self.read().registered

    def send(self, request: wpb.ConnectRequest) -> None:
        self._requests.put(request)

    def read(self) -> wpb.ConnectResponse:
        return next(self._responses)

    def assignments(self, count: int) -> tuple[list[wpb.TaskAssignment], int]:
        """The next ``count`` assignments, and in how many stream messages they came."""
        found: list[wpb.TaskAssignment] = []
        messages = 0
        while len(found) < count:
            response = self.read()
            messages += 1
            inner = response.batch.messages if response.WhichOneof("message") == "batch" else [response]
            found.extend(m.assignment for m in inner if m.WhichOneof("message") == "assignment")
        return found, messages

    def close(self) -> None:
        self._requests.put(None)
        self._channel.close()


def finished(assignment: wpb.TaskAssignment) -> wpb.ConnectRequest:
    done = wpb.TaskFinished(
        assignment_id=assignment.assignment_id, status=task_pb2.TASK_STATUS_SUCCESS, started=True
    )
    return wpb.ConnectRequest(finished=done)


def test_a_worker_that_accepts_batches_gets_and_sends_several_messages_in_one(server: ServerProcess) -> None:
    worker = RawWorker(server.address, batches=True, task_type="raw.batched")
    try:
        assert worker.registered.accepts_batches
        with taskstream.connect(server.address, project="protocol") as client:
            instance = client.create_instance([TaskSpec("raw.batched", name=f"t{i}") for i in range(3)])
            assignments, messages = worker.assignments(3)
            assert messages < 3  # claimed together, so sent together
            batch = wpb.ConnectRequestBatch(messages=[finished(a) for a in assignments])
            worker.send(wpb.ConnectRequest(batch=batch))
            instance.wait_for_success(timeout=WAIT)
    finally:
        worker.close()


def test_a_worker_that_predates_batches_gets_one_message_at_a_time(server: ServerProcess) -> None:
    worker = RawWorker(server.address, batches=False, task_type="raw.single")
    try:
        with taskstream.connect(server.address, project="protocol") as client:
            instance = client.create_instance([TaskSpec("raw.single", name=f"t{i}") for i in range(3)])
            assignments, messages = worker.assignments(3)
            assert messages == 3
            for assignment in assignments:
                worker.send(finished(assignment))
            instance.wait_for_success(timeout=WAIT)
    finally:
        worker.close()


def test_a_batch_inside_a_batch_ends_the_stream_with_invalid_argument(server: ServerProcess) -> None:
    worker = RawWorker(server.address, batches=True, task_type="raw.nested")
    try:
        beat = wpb.ConnectRequest(heartbeat=wpb.WorkerHeartbeat())
        inner = wpb.ConnectRequest(batch=wpb.ConnectRequestBatch(messages=[beat]))
        worker.send(wpb.ConnectRequest(batch=wpb.ConnectRequestBatch(messages=[beat, inner])))
        with pytest.raises(grpc.RpcError) as ended:
            while True:
                worker.read()
        assert ended.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
        assert "batch.messages[1]" in (ended.value.details() or "")  # type: ignore[attr-defined]
    finally:
        worker.close()
