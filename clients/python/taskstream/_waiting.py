"""Waiting by long polls (WaitInstance, WaitInstances): the server holds each call until the instances
end or the call's wait passes, so a client waits without polling. Shared by the sync and asyncio clients.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from taskstream._convert import instance_status
from taskstream._requests import MAX_WAIT_INSTANCES, wait_mode
from taskstream.errors import WaitTimeoutError
from taskstream.status import InstanceStatus
from taskstream.v1 import instance_pb2, instance_service_pb2

# The longest one wait call may wait; a longer wait is a loop of these.
WAIT_CAP = 60.0
# The shortest wait asked for, so that a nearly spent timeout is not sent as zero (the server's default).
WAIT_MIN = 0.001
# The deadline of a wait call beyond its wait, for the server to answer after it.
WAIT_MARGIN = 30.0


class Deadline:
    """How long each long poll of one wait may take: at most ``WAIT_CAP``, never past ``timeout``."""

    def __init__(self, timeout: float | None) -> None:
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be >= 0, not {timeout}")
        self.timeout = timeout
        self._end = None if timeout is None else time.monotonic() + timeout

    def next_wait(self) -> float:
        """The wait to ask the server for in the next call."""
        if self._end is None:
            return WAIT_CAP
        return max(min(WAIT_CAP, self._end - time.monotonic()), WAIT_MIN)

    def passed(self) -> bool:
        return self._end is not None and time.monotonic() >= self._end

    def remaining(self) -> float | None:
        """Seconds left, or None without a timeout."""
        return None if self._end is None else max(0.0, self._end - time.monotonic())


def is_terminated(data: instance_pb2.Instance | None) -> bool:
    """Whether fetched instance data shows it terminated (which is final); False when not fetched."""
    return data is not None and instance_status(data.status) is InstanceStatus.TERMINATED


def wait_is_over(mode: str, terminated: Sequence[bool]) -> bool:
    """Whether a wait in ``mode`` ("all" or "any") is over, given which instances are terminated."""
    return all(terminated) if mode == "all" else any(terminated)


def timeout_error(instance_ids: Sequence[str], timeout: float | None) -> WaitTimeoutError:
    """The error of a wait that ran out of time; ``instance_id`` names every instance still running."""
    what = f"instance {instance_ids[0]} did not" if len(instance_ids) == 1 else "the instances did not"
    return WaitTimeoutError(
        f"{what} terminate within {timeout} seconds", instance_id=", ".join(instance_ids), timeout=timeout
    )


class _Handle(Protocol):
    """What InstancesWait needs of an Instance or AsyncInstance."""

    _data: instance_pb2.Instance | None

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    def _absorb(self, data: instance_pb2.Instance, *, has_tasks: bool) -> None: ...


HandleT = TypeVar("HandleT", bound=_Handle)


class InstancesWait(Generic[HandleT]):
    """One ``wait_instances``: the names to send, whether it is over, and the answers loaded into the
    handles. The sync and asyncio clients run the WaitInstances calls around it."""

    def __init__(self, handles: list[HandleT], mode: str, timeout: float | None) -> None:
        wait_mode(mode)  # a bad mode is a ValueError before any call
        self.mode = mode
        self.deadline = Deadline(timeout)
        self.handles = handles
        self.names = list(dict.fromkeys(handle.name for handle in handles))
        if len(self.names) > MAX_WAIT_INSTANCES:
            raise ValueError(
                f"wait_instances takes at most {MAX_WAIT_INSTANCES} instances, not {len(self.names)}"
            )
        self._by_name = {handle.name: handle for handle in handles}

    def is_over(self) -> bool:
        """Whether the handles already show the wait over (terminated is final), so no call is needed."""
        return not self.handles or wait_is_over(self.mode, [is_terminated(h._data) for h in self.handles])

    def absorb(self, response: instance_service_pb2.WaitInstancesResponse) -> bool:
        """Loads an answer into the handles; True when the server says the wait is over."""
        for name, data in zip(self.names, response.instances, strict=False):  # in the order named
            self._by_name[name]._absorb(data, has_tasks=True)
        return response.done

    def check_deadline(self) -> None:
        """Raises WaitTimeoutError, naming the instances still running, once the timeout passed."""
        if self.deadline.passed():
            running = [h.id for h in self.handles if not is_terminated(h._data)]
            raise timeout_error(running or [h.id for h in self.handles], self.deadline.timeout)
