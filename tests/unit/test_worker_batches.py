"""The server's side of worker protocol batches (wire.worker_protocol): unwrapping a worker's batch, packing
commands into batches under a byte limit, and the short-task prefetch a worker session gets by default."""

from __future__ import annotations

import pytest

from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.core.sessions import DEEP_SHORT_PREFETCH, SHALLOW_SHORT_PREFETCH, short_prefetch_for
from taskstreamd.domain.worker_messages import Assignment, Started
from taskstreamd.errors import InvalidArgument
from taskstreamd.wire import worker_protocol as wire


def started(aid: str) -> wpb.ConnectRequest:
    return wpb.ConnectRequest(started=wpb.TaskStarted(assignment_id=aid))


def assignment(aid: str, size: int = 0) -> Assignment:
    return Assignment(aid, 1, "p", "i", "t", "noop", "x" * size)


def ids(messages: list[wpb.ConnectResponse]) -> list[list[str]]:
    """Each stream message as the assignment ids it carries."""
    out = []
    for m in messages:
        inner = m.batch.messages if m.WhichOneof("message") == "batch" else [m]
        out.append([i.assignment.assignment_id for i in inner])
    return out


def test_a_batch_is_unwrapped_in_order_and_a_lone_report_is_itself() -> None:
    assert wire.reports(started("1-1")) == [Started("1-1")]
    batch = wpb.ConnectRequest(batch=wpb.ConnectRequestBatch(messages=[started("1-1"), started("2-1")]))
    assert wire.reports(batch) == [Started("1-1"), Started("2-1")]


@pytest.mark.parametrize(
    "inner",
    [
        wpb.ConnectRequest(batch=wpb.ConnectRequestBatch(messages=[started("1-1")])),
        wpb.ConnectRequest(register=wpb.RegisterWorker(worker_name="w", slots=1)),
    ],
)
def test_a_batch_holding_a_batch_or_a_registration_is_refused(inner: wpb.ConnectRequest) -> None:
    batch = wpb.ConnectRequest(batch=wpb.ConnectRequestBatch(messages=[started("1-1"), inner]))
    with pytest.raises(InvalidArgument) as refused:
        wire.reports(batch)
    assert refused.value.violations[0].field == "batch.messages[1]"


def test_commands_keep_their_order_and_a_new_batch_starts_past_the_byte_limit() -> None:
    half = wire.MAX_BATCH_BYTES // 2
    commands = [assignment("a"), assignment("b", half), assignment("c", half), assignment("d")]
    assert ids(wire.response(commands, batches=True)) == [["a", "b"], ["c", "d"]]
    lone = wire.response([assignment("e")], batches=True)
    assert lone[0].WhichOneof("message") == "assignment"


def test_a_worker_that_takes_no_batches_gets_one_message_per_command() -> None:
    assert ids(wire.response([assignment("a"), assignment("b")], batches=False)) == [["a"], ["b"]]


def test_deep_short_prefetch_only_for_workers_that_give_back_unless_configured() -> None:
    assert 16 <= DEEP_SHORT_PREFETCH <= 32
    assert short_prefetch_for(None, gives_back=True) == DEEP_SHORT_PREFETCH
    assert short_prefetch_for(None, gives_back=False) == SHALLOW_SHORT_PREFETCH
    assert short_prefetch_for(5, gives_back=False) == 5
    assert short_prefetch_for(0, gives_back=True) == 0
