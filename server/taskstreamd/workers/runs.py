"""Supervisor side: an assignment waiting in the worker for a slot, and one handed to a slot's child."""

from __future__ import annotations

import asyncio
import dataclasses

from taskstream.v1 import worker_service_pb2

from .deadline import PausableTimer
from .output import OutputRange


@dataclasses.dataclass(frozen=True)
class Waiting:
    """An assignment waiting in the worker for a slot."""

    assignment: worker_service_pb2.TaskAssignment
    # A child died after it was handed the task and before it started it; a second such death fails it.
    handed_again: bool = False

    @property
    def assignment_id(self) -> str:
        return self.assignment.assignment_id


@dataclasses.dataclass(eq=False, slots=True)
class Run:
    """One assignment on this slot, from hand-over to TaskFinished (or back to the worker)."""

    assignment: worker_service_pb2.TaskAssignment
    seq: int  # its number in the child it was handed to
    max_output_bytes: int
    handed_again: bool = False
    starts: tuple[int, int] | None = None  # where its stdout and stderr begin, once it started
    # Its ranges of the slot's files, made when first read: most short tasks write nothing.
    stdout: OutputRange | None = None
    stderr: OutputRange | None = None
    started_at: float = 0.0  # when it began, on the loop's clock (time.monotonic)
    next_poll: float = 0.0
    polled: bool = False
    timer: PausableTimer | None = None
    kill_handle: asyncio.TimerHandle | None = None
    kill_at: float = float("inf")
    cancelled: bool = False
    timed_out: bool = False
    paused: bool = False
    # Asked to pause, or to be killed, while tasks waited behind it in the child: done once they are back.
    pause_wanted: bool = False
    kill_wanted: bool = False
    recall_deadline: asyncio.TimerHandle | None = None
    abandoned: bool = False  # the session that assigned it is gone, or it was dropped: report nothing
    started: bool = False  # the child said RunStarted: the task's own code may have run
    recalling: bool = False  # a Recall about it awaits the child's answer
    ended: bool = False

    @property
    def assignment_id(self) -> str:
        return self.assignment.assignment_id

    @property
    def stopping(self) -> bool:
        return self.cancelled or self.timed_out

    def stop_timers(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.kill_handle is not None:
            self.kill_handle.cancel()
            self.kill_handle = None
        if self.recall_deadline is not None:
            self.recall_deadline.cancel()
            self.recall_deadline = None

    def release_output(self) -> None:
        for output in (self.stdout, self.stderr):
            if output is not None:
                output.release()
