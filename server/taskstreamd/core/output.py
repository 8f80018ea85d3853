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

# A follower also re-reads this often when nothing is published (a safety net, not the mechanism).
RECHECK_SECONDS = 30.0


@dataclass(frozen=True)
class OutputChunk:
    offset: int
    data: bytes
    cut_bytes: int  # bytes just before ``offset`` that were not kept


async def find_task(instances: Instances, project: str, instance_id: str, task_name: str) -> int:
    """The id of the task whose output a caller asks for; NotFound or InvalidArgument before any output
    is read."""
    instance = await instances.current(project, instance_id)
    task_name = named_task(instance, task_name)
    task = instance.task(task_name)
    if task is None:
        raise task_not_found(instance, task_name)
    return task.id


async def read_output(
    instances: Instances,
    hub: EventHub,
    project: str,
    instance_id: str,
    task_name: str,
    stream: int,
    offset: int,
    follow: bool,
) -> AsyncIterator[OutputChunk]:
    task_id = await find_task(instances, project, instance_id, task_name)
    reader = instances.reader
    with hub.subscribe(instance_id) as channel:
        position = offset
        if position < 0:
            position = max(0, (await reader.output_after(task_id, stream, 0)).end + position)
        while True:
            mark = channel.mark()
            state = await reader.output_after(task_id, stream, position)
            for chunk_offset, data in state.chunks:
                cut = chunk_offset - position if chunk_offset > position else 0
                if chunk_offset < position:
                    data = data[position - chunk_offset :]
                    chunk_offset = position
                yield OutputChunk(chunk_offset, data, cut)
                position = chunk_offset + len(data)
            if not follow or state.terminal or hub.closed:
                return
            await channel.wait(mark, RECHECK_SECONDS)
