"""Fuzzes every InstanceService, ScheduleService and WorkerService method of a real server through the generated stubs.

Requests are built field by field from the message descriptors (arbitrary and malformed names, page
tokens, filters, cursors, durations, timestamps, enums), and raw bytes that are not valid protobuf are
sent through a generic channel method. Every answer must be OK or a deliberate status, never UNKNOWN or
INTERNAL, and the server must stay healthy. Hypothesis runs derandomized with a bounded example count,
so the run is the same every time.
"""

from __future__ import annotations

import base64
import collections
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor, duration_pb2, message, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import taskstream
from taskstream.v1 import (
    instance_service_pb2,
    schedule_pb2,
    schedule_service_pb2,
    task_pb2,
    worker_service_pb2,
)
from tests.support.integrity import assert_store_sound
from tests.support.server import ServerProcess

FD = descriptor.FieldDescriptor
PROJECT = "fuzz"
EXAMPLES = 3000
CALL_SECONDS = 3.0  # a client deadline: waits and follows end by then, answered or DEADLINE_EXCEEDED
DELIBERATE = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.DEADLINE_EXCEEDED,  # the client's own deadline
}
SERVICES = [
    instance_service_pb2.DESCRIPTOR.services_by_name["InstanceService"],
    schedule_service_pb2.DESCRIPTOR.services_by_name["ScheduleService"],
    worker_service_pb2.DESCRIPTOR.services_by_name["WorkerService"],
]
METHODS = [m for s in SERVICES for m in s.methods]
# Filled in by the fixture: names of real instances, so fuzzed requests reach past name parsing.
KNOWN: list[str] = []
seen: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("fuzz"), workers=1).start()
    with taskstream.connect(process.address, project=PROJECT) as client:
        done = client.run_task("chatty", {"text": "fuzz"}, name="t0")
        done.wait_for_completion(timeout=60)
        failed = client.run_task("fail", name="t1")
        failed.wait_for_completion(timeout=60)
        held = client.run_task("echo", {"x": 1}, name="t2", hold=True)
        KNOWN.extend(f"projects/{PROJECT}/instances/{i.id}" for i in (done, failed, held))
    yield process
    process.stop()


def _names() -> st.SearchStrategy[str]:
    known = st.sampled_from(KNOWN) if KNOWN else st.just("")
    shaped = st.builds(
        lambda p, i: f"projects/{p}/instances/{i}",
        st.sampled_from([PROJECT, "", "x" * 300, "a/b", "ü", "%00"]),
        st.sampled_from(["", "20261121103000123abcdefgh", "x", "../..", "1" * 40, "\x00"]),
    )
    odd = st.one_of(st.sampled_from(["", "projects/fuzz", "projects/", "/"]), st.text())
    # Mostly well-formed, so requests get past name parsing to the code behind it.
    return st.one_of(known, known, known, shaped, odd)


def _scalar(field: descriptor.FieldDescriptor) -> st.SearchStrategy[Any]:
    t = field.type
    if t == FD.TYPE_STRING:
        if field.name == "parent":
            return st.one_of(st.just(f"projects/{PROJECT}"), st.just(f"projects/{PROJECT}"), _names())
        if field.name in ("name", "instance", "parent_instance", "names"):
            return _names()
        if field.name in ("task", "type", "task_name"):
            return st.one_of(st.sampled_from(["t0", "t1", "t2", "echo", "chatty", ""]), st.text(max_size=40))
        if field.name == "page_token":
            return st.one_of(
                st.text(max_size=40),
                st.text(string.ascii_letters + string.digits + "=-_", max_size=40),
                st.binary(max_size=30).map(lambda b: base64.urlsafe_b64encode(b).decode()),
            )
        return st.text(max_size=40)
    if t == FD.TYPE_BYTES:
        return st.binary(max_size=64)
    if t == FD.TYPE_BOOL:
        return st.booleans()
    if t in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return st.floats(width=32 if t == FD.TYPE_FLOAT else 64)
    if t == FD.TYPE_ENUM:
        return st.integers(-3, 40)  # proto3 enums are open: unknown numbers arrive as they are
    if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
        return st.one_of(st.integers(-3, 100), st.integers(-(2**31), 2**31 - 1))
    if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
        return st.integers(0, 2**32 - 1)
    if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return st.integers(0, 2**64 - 1)
    return st.one_of(st.integers(-3, 100), st.integers(-(2**63), 2**63 - 1))


def _is_repeated(field: descriptor.FieldDescriptor) -> bool:
    return bool(field.is_repeated)


@st.composite
def messages(draw: st.DrawFn, desc: descriptor.Descriptor, depth: int = 0) -> message.Message:
    msg = message_factory.GetMessageClass(desc)()
    fields = list(desc.fields)
    if not fields or depth > 3:
        return msg
    chosen = draw(st.lists(st.sampled_from(fields), unique_by=lambda f: f.number, max_size=len(fields)))
    for f in chosen:
        target = getattr(msg, f.name) if _is_repeated(f) or f.message_type else None
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            key_f, value_f = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            for _ in range(draw(st.integers(0, 3))):
                key = draw(_scalar(key_f))
                if value_f.message_type is not None:
                    target[key].CopyFrom(draw(messages(value_f.message_type, depth + 1)))
                else:
                    target[key] = draw(_scalar(value_f))
        elif f.message_type is not None:
            if _is_repeated(f):
                for _ in range(draw(st.integers(0, 3))):
                    target.add().CopyFrom(draw(messages(f.message_type, depth + 1)))
            else:
                target.CopyFrom(draw(messages(f.message_type, depth + 1)))
        elif _is_repeated(f):
            target.extend(draw(st.lists(_scalar(f), max_size=4)))
        else:
            setattr(msg, f.name, draw(_scalar(f)))
    return msg


def _path(method: descriptor.MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


def _call(
    channel: grpc.Channel, method: descriptor.MethodDescriptor, payloads: list[bytes]
) -> grpc.StatusCode:
    """Sends serialized bytes to a method (streams read to their end); the status the call ended with."""
    path, metadata = _path(method), (("x-taskstream-user", "fuzzer"),)
    try:
        if method.client_streaming:
            call = channel.stream_stream(path)(iter(payloads), timeout=CALL_SECONDS, metadata=metadata)
            for count, _ in enumerate(call):
                if count >= 3:
                    call.cancel()  # a worker session that registered: enough seen
                    return grpc.StatusCode.OK
        elif method.server_streaming:
            for _ in channel.unary_stream(path)(payloads[0], timeout=CALL_SECONDS, metadata=metadata):
                pass
        else:
            channel.unary_unary(path)(payloads[0], timeout=CALL_SECONDS, metadata=metadata)
    except grpc.RpcError as error:
        code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
        assert "Traceback" not in (error.details() or "")  # type: ignore[attr-defined]
        return code
    return grpc.StatusCode.OK


def _baseline(method: descriptor.MethodDescriptor) -> bytes:
    """A valid request of the method, which a "mutated" case overrides field by field."""
    pb, wpb = instance_service_pb2, worker_service_pb2
    done, held = KNOWN[0], KNOWN[2]
    valid: dict[str, message.Message] = {
        "CreateInstance": pb.CreateInstanceRequest(
            parent=f"projects/{PROJECT}", tasks=[task_pb2.TaskSpec(type="noop")], hold=True
        ),
        "ListInstances": pb.ListInstancesRequest(parent=f"projects/{PROJECT}"),
        "StopInstance": pb.StopInstanceRequest(name=held),
        "WaitInstances": pb.WaitInstancesRequest(names=[done]),
        "WatchInstance": pb.WatchInstanceRequest(name=done),
        "ReadTaskOutput": pb.ReadTaskOutputRequest(instance=done, task="t0"),
        "GetTaskResult": pb.GetTaskResultRequest(instance=done, task="t0"),
        "Connect": wpb.ConnectRequest(register=wpb.RegisterWorker(worker_name="fuzzer", slots=1)),
        "CreateSchedule": schedule_service_pb2.CreateScheduleRequest(
            parent=f"projects/{PROJECT}",
            schedule_id="fuzzed",
            schedule=schedule_pb2.Schedule(
                interval=duration_pb2.Duration(seconds=3600),
                instance_template=schedule_pb2.InstanceTemplate(tasks=[task_pb2.TaskSpec(type="noop")]),
            ),
        ),
    }
    default = message_factory.GetMessageClass(method.input_type)()
    if "name" in method.input_type.fields_by_name:
        default = message_factory.GetMessageClass(method.input_type)(name=held)
    return valid.get(method.name, default).SerializeToString()


@st.composite
def cases(draw: st.DrawFn) -> tuple[descriptor.MethodDescriptor, list[bytes], str]:
    """A method and the request bytes to send (several for the worker stream), and how they were made."""
    method = draw(st.sampled_from(METHODS))
    kind = draw(st.sampled_from(["message"] * 3 + ["mutated"] * 3 + ["raw", "truncated"]))
    if kind == "raw":
        return method, [draw(st.binary(max_size=200))], kind
    payload = draw(messages(method.input_type)).SerializeToString()
    if kind == "mutated":  # concatenated protobuf messages merge: the later fields win
        payload = _baseline(method) + payload
    if kind == "truncated" and payload:
        payload = payload[: draw(st.integers(0, len(payload) - 1))] + draw(st.binary(max_size=4))
    payloads = [payload]
    if method.client_streaming and kind == "mutated":  # a registered worker's fuzzed reports
        more = st.lists(messages(method.input_type).map(lambda m: m.SerializeToString()), max_size=4)
        payloads += draw(more)
    return method, payloads, kind


@pytest.mark.timeout(300)  # a bounded run of real processes on a shared 2-core machine
def test_fuzzed_requests_get_deliberate_statuses_and_the_server_stays_healthy(
    fuzzed: ServerProcess, tmp_path: Path
) -> None:
    with grpc.insecure_channel(fuzzed.address) as channel:

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(cases())
        def one(case: tuple[descriptor.MethodDescriptor, list[bytes], str]) -> None:
            method, payloads, kind = case
            code = _call(channel, method, payloads)
            seen[f"{method.name} {code.name}"] += 1
            seen["cases"] += 1
            assert code in DELIBERATE, f"{method.name} ({kind}) {payloads!r} -> {code.name}"

        one()
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
    with taskstream.connect(fuzzed.address, project=PROJECT) as client:
        assert client.execute_task("echo", {"after": "fuzz"}).get_task_result() == {"after": "fuzz"}
    assert_store_sound(fuzzed.data_dir)  # read in one snapshot: a live server's store is checkable too
    print(f"\nfuzz: {seen['cases']} cases; {dict(sorted(seen.items()))}")
    assert seen["cases"] >= EXAMPLES
