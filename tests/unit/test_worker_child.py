"""A real task process driven through its two pipes: several tasks in one message run in order, each end
travels with the next start, recalls give back only what has not started (even what is not read yet), and
a cancellation reaches the running task while others wait behind it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from taskstream.authoring import PendingCancellation
from taskstream.status import CancellationReason
from taskstream.v1 import task_pb2, worker_service_pb2
from taskstreamd.workers.messages import (
    CancelRun,
    FromChild,
    OutputPaths,
    Recall,
    RunFinished,
    RunProperty,
    RunRecalled,
    RunStarted,
    RunTask,
    StartMark,
)
from taskstreamd.workers.process import ChildProcess

TASKS = "tests.unit.worker_tasks"
WAIT = 15.0


class Child:
    """A ChildProcess whose frames are collected; ``until`` waits for a message."""

    def __init__(self, tmp_path: Path) -> None:
        self.frames: list[list[FromChild]] = []
        self._arrived = asyncio.Event()
        self.paths = OutputPaths(str(tmp_path / "out"), str(tmp_path / "err"), str(tmp_path / "started"))
        for path in self.paths:
            Path(path).touch()
        self.process = ChildProcess([TASKS], name="test-child", on_message=self._on_message)

    def _on_message(self, _: ChildProcess, frame: list[FromChild] | None) -> None:
        if frame is not None:
            self.frames.append(frame)
        self._arrived.set()

    @property
    def messages(self) -> list[FromChild]:
        return [m for frame in self.frames for m in frame]

    async def until(self, found: type, assignment_id: str = "") -> FromChild:
        for _ in range(10_000):  # bounded: each round waits for a frame to arrive
            for message in self.messages:
                if isinstance(message, found) and getattr(message, "assignment_id", "") == assignment_id:
                    return message
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), WAIT)
        raise AssertionError(f"no {found.__name__} for {assignment_id!r}")

    async def recall(self, *runs: tuple[int, str]) -> dict[str, bool]:
        seen = len([m for m in self.messages if isinstance(m, RunRecalled)])
        self.process.control(Recall(tuple(runs)))
        for _ in range(10_000):
            answers = [m for m in self.messages if isinstance(m, RunRecalled)]
            if len(answers) > seen:
                return dict(answers[seen].answers)
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), WAIT)
        raise AssertionError("no answer to the recall")

    def started(self) -> list[str]:
        return [m.assignment_id for m in self.messages if isinstance(m, RunStarted)]


def task(seq: int, task_type: str, aid: str, outputs: OutputPaths | None = None) -> RunTask:
    assignment = worker_service_pb2.TaskAssignment(assignment_id=aid, type=task_type, attempt=1)
    return RunTask(seq, assignment.SerializeToString(), outputs)


@pytest.fixture
async def child(tmp_path: Path) -> AsyncIterator[Child]:
    c = Child(tmp_path)
    yield c
    c.process.kill()
    await c.process.wait_exited(WAIT)


def kinds(frame: list[FromChild]) -> list[str]:
    return [f"{type(m).__name__} {getattr(m, 'assignment_id', '')}" for m in frame]


async def test_tasks_sent_together_run_in_order_each_end_with_the_next_start(child: Child) -> None:
    child.process.send([task(1, "t.noop", "a", child.paths), task(2, "t.pid", "b"), task(3, "t.noop", "c")])
    await child.until(RunFinished, "c")
    assert [kinds(f) for f in child.frames] == [
        ["RunStarted a", "RunFinished a", "RunStarted b"],  # the first start waited for something to go with
        ["RunFinished b", "RunStarted c"],
        ["RunFinished c"],
    ]
    mark = StartMark.unpack(Path(child.paths.started).read_bytes())
    assert mark is not None and mark.seq == 1  # a's start, marked while it was held
    finished = [m for m in child.messages if isinstance(m, RunFinished)]
    assert [m.status for m in finished] == [task_pb2.TASK_STATUS_SUCCESS] * 3


async def test_a_recall_gives_back_what_has_not_started_even_before_it_is_read(child: Child) -> None:
    child.process.send([task(1, "t.wait_cancel", "long", child.paths), task(2, "t.noop", "queued")])
    await child.until(RunProperty, "long")  # running: "queued" waits behind it
    answers = await child.recall((2, "queued"), (1, "long"), (3, "unread"))
    assert answers == {"queued": True, "long": False, "unread": True}
    child.process.send([task(3, "t.noop", "unread"), task(4, "t.noop", "after")])
    cancellation = PendingCancellation(CancellationReason.DIRECT, "stop", "test")
    child.process.control(CancelRun("long", cancellation))  # reaches it while it runs
    cancelled = await child.until(RunFinished, "long")
    assert isinstance(cancelled, RunFinished) and cancelled.status == task_pb2.TASK_STATUS_SUCCESS
    await child.until(RunFinished, "after")
    assert child.started() == ["long", "after"]  # neither recalled task ever started
    assert await child.recall((1, "long")) == {"long": False}  # ended: not given back either


async def test_output_ranges_follow_each_other_in_the_slot_files(child: Child) -> None:
    child.process.send([task(1, "t.echo", "a", child.paths), task(2, "t.echo", "b")])
    await child.until(RunFinished, "b")
    starts = {m.assignment_id: m.stdout_start for m in child.messages if isinstance(m, RunStarted)}
    ends = {m.assignment_id: m.stdout_end for m in child.messages if isinstance(m, RunFinished)}
    assert starts["a"] == 0 and starts["b"] == ends["a"]
    out = Path(child.paths.stdout).read_bytes()
    for aid in ("a", "b"):
        assert out[starts[aid] : ends[aid]].decode() == "to stdout\nraw fd 1\nhi\nfrom C\n"
