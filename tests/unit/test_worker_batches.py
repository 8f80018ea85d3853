"""The server's side of worker protocol batches: unwrapping a worker's batch, sending the outbox in batches,
and the short-task prefetch a worker session gets by default."""

from __future__ import annotations

import asyncio

import pytest

from taskstream.v1 import worker_service_pb2 as wpb
from taskstreamd.api import worker_batches
from taskstreamd.errors import InvalidArgument
from taskstreamd.scheduler.workers import (
    DEEP_SHORT_PREFETCH,
    SHALLOW_SHORT_PREFETCH,
    short_prefetch_for,
)


def started(aid: str) -> wpb.ConnectRequest:
    return wpb.ConnectRequest(started=wpb.TaskStarted(assignment_id=aid))


def assignment(aid: str, size: int = 0) -> wpb.ConnectResponse:
    return wpb.ConnectResponse(assignment=wpb.TaskAssignment(assignment_id=aid, parameters_json="x" * size))


def ids(messages: list[wpb.ConnectResponse]) -> list[list[str]]:
    """Each stream message as the assignment ids it carries."""
    out = []
    for m in messages:
        inner = m.batch.messages if m.WhichOneof("message") == "batch" else [m]
        out.append([i.assignment.assignment_id for i in inner])
    return out


def test_a_batch_is_unwrapped_in_order_and_a_lone_report_is_itself() -> None:
    lone = started("1-1")
    assert list(worker_batches.unwrap(lone)) == [lone]
    batch = wpb.ConnectRequest(batch=wpb.ConnectRequestBatch(messages=[started("1-1"), started("2-1")]))
    assert [r.started.assignment_id for r in worker_batches.unwrap(batch)] == ["1-1", "2-1"]


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
        worker_batches.unwrap(batch)
    assert refused.value.violations[0].field == "batch.messages[1]"


def test_pack_keeps_order_and_starts_a_new_batch_past_the_byte_limit() -> None:
    half = worker_batches.MAX_BATCH_BYTES // 2
    messages = [assignment("a"), assignment("b", half), assignment("c", half), assignment("d")]
    assert ids(worker_batches.pack(messages)) == [["a", "b"], ["c", "d"]]
    lone = worker_batches.pack([assignment("e")])
    assert lone[0].WhichOneof("message") == "assignment"


async def test_the_outbox_goes_out_in_batches_of_what_is_ready_and_ends_at_its_end() -> None:
    outbox: asyncio.Queue[wpb.ConnectResponse | None] = asyncio.Queue()
    for aid in ("a", "b", "c"):
        outbox.put_nowait(assignment(aid))
    sent = worker_batches.outgoing(outbox, batches=True)
    assert ids([await anext(sent)]) == [["a", "b", "c"]]
    outbox.put_nowait(assignment("d"))
    outbox.put_nowait(None)
    outbox.put_nowait(assignment("never"))
    assert ids([m async for m in sent]) == [["d"]]


async def test_a_worker_that_takes_no_batches_gets_one_message_at_a_time() -> None:
    outbox: asyncio.Queue[wpb.ConnectResponse | None] = asyncio.Queue()
    for message in (assignment("a"), assignment("b"), None):
        outbox.put_nowait(message)
    assert ids([m async for m in worker_batches.outgoing(outbox, batches=False)]) == [["a"], ["b"]]


def test_deep_short_prefetch_only_for_workers_that_give_back_unless_configured() -> None:
    assert 16 <= DEEP_SHORT_PREFETCH <= 32
    assert short_prefetch_for(None, gives_back=True) == DEEP_SHORT_PREFETCH
    assert short_prefetch_for(None, gives_back=False) == SHALLOW_SHORT_PREFETCH
    assert short_prefetch_for(5, gives_back=False) == 5
    assert short_prefetch_for(0, gives_back=True) == 0
