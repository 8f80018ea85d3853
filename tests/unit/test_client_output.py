"""Task.read_output() against the fake: offsets, cuts, follow to the task's end, resuming a drop."""

from __future__ import annotations

import grpc
import pytest

from taskstream import OutputChunk, _retry, errors
from taskstream._output import OutputCursor, stream_name
from taskstream.v1 import instance_service_pb2, task_pb2
from tests.unit.client_fake_streams import Fault
from tests.unit.test_client_fake import serve, task

RUNNING = task_pb2.TASK_STATUS_RUNNING
SUCCESS = task_pb2.TASK_STATUS_SUCCESS


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry, "STREAM_RETRY", _retry.RetryPolicy(first_delay=0, max_delay=0))


def test_read_output_yields_the_kept_chunks_with_their_cuts() -> None:
    with serve() as (fake, client):
        data = fake.add([task("t", SUCCESS)])
        fake.write_output(data, "t", b"head\n")
        fake.write_output(data, "t", b"tail\n", cut=100)
        fake.write_output(data, "t", b"oops\n", stream="stderr")
        handle = client.get_instance(data.id).get_task("t")
        chunks = list(handle.read_output())
        errors_ = list(handle.read_output("stderr"))
        (request, _) = fake.requests("ReadTaskOutput")
    assert chunks == [OutputChunk(0, b"head\n", 0), OutputChunk(105, b"tail\n", 100)]
    assert errors_ == [OutputChunk(0, b"oops\n", 0)]
    assert (request.instance, request.task, request.offset, request.follow) == (data.name, "t", 0, False)
    assert request.stream == task_pb2.OUTPUT_STREAM_STDOUT


def test_offsets_start_inside_the_output_or_from_its_end() -> None:
    with serve() as (fake, client):
        data = fake.add([task("t", SUCCESS)])
        fake.write_output(data, "t", b"0123456789")
        handle = client.get_instance(data.id).get_task("t")
        assert list(handle.read_output(offset=4)) == [OutputChunk(4, b"456789")]
        assert list(handle.read_output(offset=-3)) == [OutputChunk(7, b"789")]
        assert list(handle.read_output(offset=10)) == []


def test_follow_streams_new_output_until_the_task_ends() -> None:
    with serve() as (fake, client):
        data = fake.add([task("t", RUNNING)])
        fake.write_output(data, "t", b"one\n")
        chunks = client.get_instance(data.id).get_task("t").read_output(follow=True)
        assert next(chunks) == OutputChunk(0, b"one\n")
        fake.write_output(data, "t", b"two\n")
        assert next(chunks) == OutputChunk(4, b"two\n")
        fake.write_output(data, "t", b"three\n")
        fake.finish(data)
        assert list(chunks) == [OutputChunk(8, b"three\n")]


def test_a_dropped_read_resumes_at_the_next_byte() -> None:
    with serve() as (fake, client):
        data = fake.add([task("t", SUCCESS)])
        for text in (b"aa", b"bb", b"cc"):
            fake.write_output(data, "t", text)
        fake.output_faults.append(Fault(after=2, code=grpc.StatusCode.UNAVAILABLE))
        chunks = list(client.get_instance(data.id).get_task("t").read_output())
        offsets = [r.offset for r in fake.requests("ReadTaskOutput")]
    assert b"".join(c.data for c in chunks) == b"aabbcc"
    assert offsets == [0, 4]


def test_errors_of_read_output() -> None:
    with serve() as (fake, client):
        data = fake.add([task("t", SUCCESS)])
        handle = client.get_instance(data.id).get_task("t")
        with pytest.raises(ValueError, match="stdout"):
            handle.read_output("stdin")
        with pytest.raises(errors.NotFoundError):
            list(client.get_instance(data.id).get_task("other").read_output())
        fake.output_faults += [Fault(code=grpc.StatusCode.PERMISSION_DENIED)]
        fake.write_output(data, "t", b"x")
        with pytest.raises(errors.PermissionDeniedError):
            list(handle.read_output())


def test_the_cursor_never_yields_a_byte_twice() -> None:
    cursor = OutputCursor("projects/p/instances/1", "t", "stdout", offset=0, follow=True)
    response = instance_service_pb2.ReadTaskOutputResponse
    assert cursor.receive(response(offset=0, data=b"abcd")) == OutputChunk(0, b"abcd")
    assert cursor.request().offset == 4
    assert cursor.receive(response(offset=2, data=b"cdef", cut_bytes=9)) == OutputChunk(4, b"ef")
    assert cursor.receive(response(offset=0, data=b"abc")) is None
    assert cursor.offset == 6
    tail = OutputCursor("projects/p/instances/1", "t", "stderr", offset=-5, follow=False)
    assert tail.request().offset == -5 and tail.request().stream == task_pb2.OUTPUT_STREAM_STDERR
    assert tail.receive(response(offset=20, data=b"12345")) == OutputChunk(20, b"12345")
    assert tail.request().offset == 25
    assert stream_name(task_pb2.OUTPUT_STREAM_UNSPECIFIED) == "stdout"
