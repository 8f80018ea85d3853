"""Reading a task's output: the chunks ``read_output`` yields and the cursor the sync and asyncio
clients share to resume a dropped stream at the next byte."""

from __future__ import annotations

import dataclasses

from taskstream._retry import Retrier
from taskstream.errors import ApiError
from taskstream.v1 import instance_service_pb2, task_pb2

_STREAMS = {"stdout": task_pb2.OUTPUT_STREAM_STDOUT, "stderr": task_pb2.OUTPUT_STREAM_STDERR}


@dataclasses.dataclass(frozen=True)
class OutputChunk:
    """Bytes of a task's stdout or stderr starting at byte ``offset`` of the stream.

    ``cut_bytes`` is how many bytes just before ``offset`` the server did not keep (a task's output is
    kept up to the server's cap: its head and its tail).
    """

    offset: int
    data: bytes
    cut_bytes: int = 0


def stream_value(stream: str) -> task_pb2.OutputStream:
    """The proto value of "stdout" or "stderr"; ValueError for anything else."""
    try:
        return _STREAMS[stream]
    except KeyError:
        raise ValueError(f"stream must be 'stdout' or 'stderr', not {stream!r}") from None


def stream_name(value: int) -> str:
    """ "stdout" or "stderr" for a proto value; unset means stdout, as the server reads it."""
    return "stderr" if value == task_pb2.OUTPUT_STREAM_STDERR else "stdout"


class OutputCursor:
    """One ReadTaskOutput stream's position: it resumes after a transient failure at the byte after the
    last one yielded and never yields a byte twice.

    A negative ``offset`` starts that many bytes before the current end (as ``tail -c``); it stays the
    request until the first chunk tells where that is.
    """

    def __init__(
        self, instance: str, task: str, stream: str, *, offset: int, follow: bool, attempt: int = 0
    ) -> None:
        self._request = instance_service_pb2.ReadTaskOutputRequest(
            instance=instance,
            task=task,
            stream=stream_value(stream),
            offset=offset,
            follow=follow,
            attempt=attempt,
        )
        self._retrier = Retrier()

    @property
    def offset(self) -> int:
        """Where the next request starts."""
        return self._request.offset

    def request(self) -> instance_service_pb2.ReadTaskOutputRequest:
        request = instance_service_pb2.ReadTaskOutputRequest()
        request.CopyFrom(self._request)
        return request

    def receive(self, response: instance_service_pb2.ReadTaskOutputResponse) -> OutputChunk | None:
        """The chunk to yield for one message, without bytes yielded before; None when nothing is new."""
        self._retrier.succeeded()
        start, data, cut = response.offset, response.data, response.cut_bytes
        known = self._request.offset
        if known > 0 and start < known:  # a resumed stream went back: drop what was yielded already
            data, start, cut = data[known - start :], known, 0
            if not data:
                return None
        self._request.offset = start + len(data)
        return OutputChunk(start, data, cut)

    def retry_after(self, error: ApiError) -> float:
        """Seconds to wait before resuming after ``error``; raises it when the read gives up."""
        return self._retrier.failed(error)
