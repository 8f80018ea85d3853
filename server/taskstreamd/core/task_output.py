"""ReadTaskOutput as a use case: a task's kept output from an offset, following it until the task ends.

Workers send every output chunk before they report the task finished, and the store reads the chunks and
the task's status in one snapshot, so once that snapshot shows the task ended it holds every byte. A
follower reads again after each commit that the fan-out publishes for the instance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from taskstreamd.core.fanout import EventHub
from taskstreamd.core.instances import Instances, named_task, task_not_found
from taskstreamd.errors import FailedPrecondition, InvalidArgument
from taskstreamd.store.batch import ARCHIVED_ATTEMPTS

# A follower also re-reads this often when nothing is published (a safety net, not the mechanism).
RECHECK_SECONDS = 30.0


@dataclass(frozen=True)
class OutputChunk:
    offset: int
    data: bytes
    cut_bytes: int  # bytes just before ``offset`` that were not kept


async def find_task(
    instances: Instances, project: str, instance_id: str, task_name: str, attempt: int = 0
) -> tuple[int, int]:
    """The id of the task whose output a caller asks for, and the earlier attempt asked for (0: the
    current one); NotFound, InvalidArgument or FailedPrecondition before any output is read."""
    instance = await instances.current(project, instance_id)
    task_name = named_task(instance, task_name)
    task = instance.task(task_name)
    if task is None:
        raise task_not_found(instance, task_name)
    if attempt < 0 or attempt > max(task.attempts, 1):
        raise InvalidArgument.one("attempt", f"the task has had {task.attempts} attempts, not {attempt}")
    if attempt >= task.attempts:
        attempt = 0  # the current one
    if attempt and attempt < task.attempts - ARCHIVED_ATTEMPTS:
        raise FailedPrecondition(
            "OUTPUT_NOT_KEPT",
            f"the output of the {ARCHIVED_ATTEMPTS} attempts before the current one is kept; {attempt} is older",
        )
    return task.id, attempt


async def read_output(
    instances: Instances,
    hub: EventHub,
    project: str,
    instance_id: str,
    task_name: str,
    stream: int,
    offset: int,
    follow: bool,
    attempt: int = 0,
) -> AsyncIterator[OutputChunk]:
    task_id, attempt = await find_task(instances, project, instance_id, task_name, attempt)
    reader = instances.reader
    if attempt:  # an earlier attempt: it ended, its output is whole
        position = offset
        if position < 0:
            position = max(0, (await reader.attempt_output(task_id, attempt, stream, 0)).end + position)
        state = await reader.attempt_output(task_id, attempt, stream, position)
        for chunk in _from(state.chunks, position):
            yield chunk
        return
    with hub.subscribe(instance_id) as channel:
        position = offset
        if position < 0:
            position = max(0, (await reader.output_after(task_id, stream, 0)).end + position)
        while True:
            mark = channel.mark()
            state = await reader.output_after(task_id, stream, position)
            for chunk in _from(state.chunks, position):
                yield chunk
                position = chunk.offset + len(chunk.data)
            if not follow or state.terminal or hub.closed:
                return
            await channel.wait(mark, RECHECK_SECONDS)


def _from(chunks: list[tuple[int, bytes]], position: int) -> list[OutputChunk]:
    """The chunks from ``position`` on, with what was cut before each."""
    found = []
    for chunk_offset, data in chunks:
        cut = chunk_offset - position if chunk_offset > position else 0
        if chunk_offset < position:
            data = data[position - chunk_offset :]
            chunk_offset = position
        found.append(OutputChunk(chunk_offset, data, cut))
        position = chunk_offset + len(data)
    return found
