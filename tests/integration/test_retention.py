"""Retention: expired instances are deleted in batches and answer NOT_FOUND with INSTANCE_EXPIRED.

The server runs in the test's process (workers=0, real gRPC on 127.0.0.1:0) so that the test can move
retention's clock forward and sweep when it chooses, instead of waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import func, select

import taskstream.aio
from taskstream.errors import NotFoundError, _from_rpc_error
from taskstream.v1 import instance_service_pb2 as pb
from taskstream.v1 import instance_service_pb2_grpc
from taskstreamd.app import Server, ServerConfig
from taskstreamd.core.retention import Retention, RetentionPolicy, parse_age
from taskstreamd.store.models import InstanceEventRow, TaskRow, TombstoneRow

WEEK = timedelta(days=7)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    config = ServerConfig(
        listen="127.0.0.1:0",
        http="127.0.0.1:0",
        data_dir=tmp_path,
        workers=0,
        retention=WEEK,
        retention_interval=3600.0,  # the test sweeps by itself
    )
    server = Server(config)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def wait_raw(address: str, name: str) -> None:
    """WaitInstance itself: the client's wait answers a handle it knows terminated without a call."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub: Any = instance_service_pb2_grpc.InstanceServiceStub(channel)
        try:
            await stub.WaitInstance(pb.WaitInstanceRequest(name=name), timeout=30)
        except grpc.aio.AioRpcError as error:
            raise _from_rpc_error(error, address) from error


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def count(server: Server, column: object, instance_id: str) -> int:
    def read() -> int:
        with server.store.reader.engine.connect() as connection:
            found = connection.scalar(select(func.count()).where(column == instance_id))  # type: ignore[operator]
        return int(found or 0)

    return await asyncio.to_thread(read)


async def test_expired_instances_answer_not_found_with_their_end(server: Server) -> None:
    assert server.retention is not None
    async with taskstream.aio.connect(server.grpc_address, project="ret") as client:
        ended = await client.run_task("noop", {}, hold=True, request_id="ended-once")
        await ended.stop(message="done with it")
        await ended.reload()
        assert await ended.is_terminated()
        running = await client.run_task("noop", {}, hold=True)  # never terminates: never expires

        server.retention.clock = lambda: later(6)  # not old enough yet
        assert await server.retention.sweep() == 0
        server.retention.clock = lambda: later(8)
        assert await server.retention.sweep() == 1

        for call in (
            lambda: client.get_instance(ended.id).reload(),
            lambda: ended.reload(),
            lambda: wait_raw(server.grpc_address, ended.name),
            lambda: anext(aiter(ended.watch())),
            lambda: ended.stop(),
        ):
            with pytest.raises(NotFoundError) as expired:
                await call()
            assert expired.value.reason == "INSTANCE_EXPIRED"
            assert expired.value.metadata["status"] == "Terminated"
            assert expired.value.metadata["successful"] == "false"
            end = datetime.fromisoformat(expired.value.metadata["end_time"])
            assert abs(end - datetime.now(UTC)) < timedelta(hours=1)
        assert not await client.exist_instance(ended.id)
        assert [i.id async for i in client.list_instances()] == [running.id]
        await running.reload()
        # An unknown instance is plainly not found: no expiry reason.
        with pytest.raises(NotFoundError) as unknown:
            await client.get_instance("20261121103000123abcdefgh").reload()
        assert unknown.value.reason is None
        # Its tasks and events went with it; only the tombstone stays.
        assert await count(server, TaskRow.instance_id, ended.id) == 0
        assert await count(server, InstanceEventRow.instance_id, ended.id) == 0
        assert await count(server, TombstoneRow.id, ended.id) == 1


async def test_sweeps_go_in_bounded_batches(server: Server) -> None:
    async with taskstream.aio.connect(server.grpc_address, project="batches") as client:
        for _ in range(5):
            instance = await client.run_task("noop", {}, hold=True)
            await instance.stop()
    small = Retention(server.store, RetentionPolicy(WEEK, batch_size=2), clock=lambda: later(8))
    assert await small.sweep() == 5  # three batches: 2 + 2 + 1
    assert await small.sweep() == 0


def test_ages_parse() -> None:
    assert parse_age("7d") == timedelta(days=7)
    assert parse_age("1d12h") == timedelta(hours=36)
    assert parse_age("90s") == timedelta(seconds=90)
    for bad in ("", "7", "d", "7w", "7d x"):
        with pytest.raises(ValueError):
            parse_age(bad)


async def test_a_project_watch_hears_of_deletions_and_an_old_cursor_starts_again(server: Server) -> None:
    assert server.retention is not None
    async with taskstream.aio.connect(server.grpc_address, project="feed") as client:
        ended = await client.run_task("noop", {}, hold=True)
        await ended.stop(message="done with it")
        running = await client.run_task("noop", {}, hold=True)  # never terminates: never expires
        watch = client.watch_instances()
        snapshot = await anext(watch)
        assert isinstance(snapshot, taskstream.ProjectSnapshot) and snapshot.seq == 3
        server.retention.clock = lambda: later(8)
        assert await server.retention.sweep() == 1
        deleted = await anext(watch)  # the sweep's deletion, heard by the live watch
        assert isinstance(deleted, taskstream.InstanceDeleted)
        assert deleted.instance_id == ended.id and deleted.seq == 4 and not deleted.successful
        await watch.aclose()
        # Entries older than the retention went (the running instance's creation among them): a cursor
        # from before them cannot be resumed, so a new snapshot comes instead, without the deleted one.
        resumed = client.watch_instances(after_seq=1)
        again = await anext(resumed)
        await resumed.aclose()
        assert isinstance(again, taskstream.ProjectSnapshot) and again.seq == 4
        assert [i.id for i in again.instances] == [running.id]
        await running.stop()
