"""What a task costs its process (workers.task_cost): measured per task in a process that runs several,
with the memory high-water mark reset between them, and safe when a task closes descriptors; and on the
server, checked when reported and kept with the task and its attempts."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from taskstream.v1 import task_pb2, worker_service_pb2
from taskstreamd.domain.cost import TaskCost
from taskstreamd.domain.model import Instance, Task
from taskstreamd.domain.scheduling import Attempt
from taskstreamd.domain.vocabulary import TaskStatus
from taskstreamd.domain.worker_messages import Finished
from taskstreamd.store import rows
from taskstreamd.wire import convert, worker_protocol
from taskstreamd.workers import task_cost
from taskstreamd.workers.messages import RunFinished
from taskstreamd.workers.task_cost import CostMeter
from tests.support.costly import burn, costly
from tests.unit.test_worker_child import WAIT, Child, task

MIB = 1 << 20
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")


@pytest.fixture
async def child(tmp_path: Path) -> AsyncIterator[Child]:
    c = Child(tmp_path)
    yield c
    c.process.kill()
    await c.process.wait_exited(WAIT)


@linux_only
async def test_each_task_of_one_process_gets_its_own_cpu_and_peak(child: Child) -> None:
    child.process.send(
        [
            task(1, "t.costly", "big", child.paths),
            task(2, "t.noop", "small"),
            task(3, "t.costly", "again"),
        ]
    )
    big, small, again = [await child.until(RunFinished, aid) for aid in ("big", "small", "again")]
    assert isinstance(big, RunFinished) and isinstance(small, RunFinished) and isinstance(again, RunFinished)
    # 0.2 s in the task's process and 0.1 s in a child it waited for (CPU clocks, not wall time).
    assert big.cpu_seconds >= 0.3 and again.cpu_seconds >= 0.3
    assert small.cpu_seconds < big.cpu_seconds
    # 64 MiB held on top of the interpreter; the next task's peak starts again from what is resident.
    assert big.memory_peak_bytes >= 64 * MIB
    assert small.memory_peak_bytes <= big.memory_peak_bytes - 48 * MIB
    assert again.memory_peak_bytes >= small.memory_peak_bytes + 48 * MIB


@linux_only
def test_the_meter_resets_the_peak_here() -> None:
    meter = CostMeter()
    assert meter.peak_known  # this kernel takes "5" in /proc/self/clear_refs
    begun = meter.begin()
    costly(0.05, 0.0, 32)
    cpu, first = meter.end(begun)
    begun = meter.begin()
    burn(0.01)
    _, second = meter.end(begun)
    meter.close()
    assert cpu >= 0.05 and first >= 32 * MIB and second <= first - 24 * MIB


def test_without_proc_the_peak_is_unknown_and_cpu_still_measured(tmp_path: Path) -> None:
    meter = CostMeter(proc=str(tmp_path / "no-proc"))
    assert not meter.peak_known
    begun = meter.begin()
    burn(0.02)
    cpu, peak = meter.end(begun)
    assert cpu >= 0.02 and peak == 0


@linux_only
def test_a_descriptor_the_task_closed_and_reused_is_never_written(tmp_path: Path) -> None:
    meter = CostMeter()
    reset_fd = meter._reset.fd
    assert reset_fd is not None
    os.close(reset_fd)  # as a task closing every descriptor would
    victim = tmp_path / "task-file"
    fd = os.open(victim, os.O_WRONLY | os.O_CREAT)  # the lowest free number: the one just closed
    try:
        assert fd == reset_fd
        begun = meter.begin()
        costly(0.0, 0.0, 16)
        _, peak = meter.end(begun)
    finally:
        os.close(fd)
    assert victim.read_bytes() == b""  # the "5" went to a clear_refs opened again
    assert meter.peak_known and peak >= 16 * MIB
    assert meter._reset.fd not in (None, reset_fd)
    meter.close()


def test_status_parsing() -> None:
    status = b"Name:\tpython\nVmPeak:\t  100 kB\nVmHWM:\t   13636 kB\nVmRSS:\t 9000 kB\n"
    assert task_cost._high_water_mark(status) == 13636 * 1024
    assert task_cost._high_water_mark(b"Name:\tpython\n") is None
    assert task_cost._high_water_mark(b"VmHWM:\t 12") is None  # cut before its unit
    assert task_cost._high_water_mark(b"VmHWM:\t x kB\n") is None


# -- the server's side: a reported cost is checked, kept with the task and its attempts


def finished_with(**figures: float) -> list[object]:
    message = worker_service_pb2.ConnectRequest(
        finished=worker_service_pb2.TaskFinished(assignment_id="1-1", status=task_pb2.TASK_STATUS_SUCCESS)
    )
    if figures:
        message.finished.cost.cpu_seconds = figures["cpu"]
        message.finished.cost.memory_peak_bytes = int(figures["memory"])
    return list(worker_protocol.reports(message))


def test_a_reported_cost_is_read_and_an_impossible_one_ignored() -> None:
    (plain,) = finished_with()
    assert isinstance(plain, Finished) and plain.cost is None
    (measured,) = finished_with(cpu=0.25, memory=64 * MIB)
    assert isinstance(measured, Finished) and measured.cost == TaskCost(0.25, 64 * MIB)
    assert worker_protocol.report_message(measured).finished.cost.cpu_seconds == 0.25  # relayed as is
    for cpu, memory in ((-1.0, 0), (math.nan, 0), (math.inf, 0), (1.0, -5)):
        (bad,) = finished_with(cpu=cpu, memory=memory)
        assert isinstance(bad, Finished) and bad.cost is None


def test_a_cost_is_stored_with_the_task_and_with_each_retried_attempt() -> None:
    task = Task(id=7, index=0, name="t", type="noop", status=TaskStatus.SUCCESS, cost=TaskCost(1.5, 2048))
    task.history = [
        Attempt(1, TaskStatus.FAILED, "w", None, None, cost=TaskCost(0.5, 1024)),
        Attempt(2, TaskStatus.FAILED, "w", None, None),  # its process was killed: nothing measured
    ]
    row = dict(zip(rows.TASK_INSERT_COLUMNS, rows.task_insert("i", task, rows.keep_time), strict=True))
    assert (row["cpu_seconds"], row["memory_peak_bytes"]) == (1.5, 2048)
    back = rows.task_from_mapping(row, {})
    assert back.cost == TaskCost(1.5, 2048)
    assert [a.cost for a in back.history] == [TaskCost(0.5, 1024), None]
    row.update(cpu_seconds=None, memory_peak_bytes=None)  # a task no attempt of which was measured
    assert rows.task_from_mapping(row, {}).cost is None
    message = convert.task_proto(back, Instance("i", "p", "me", 9, datetime.now(UTC), tasks=[back]))
    assert (message.cost.cpu_seconds, message.cost.memory_peak_bytes) == (1.5, 2048)
    assert message.attempt_history[0].HasField("cost") and not message.attempt_history[1].HasField("cost")
