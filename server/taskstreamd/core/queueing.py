"""Where an instance's tasks that have not started stand (GetQueueingInfo, PyODPS's get_queueing_info):
each one's status, why it waits and its place in the run queue.

Nothing of it is kept up to date while tasks queue and run: it is computed when asked, from the run
queue of the replica that owns the instance (a call elsewhere is forwarded there), in one pass over that
queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskstreamd.core.instances import Instances
from taskstreamd.domain.model import Instance, Task
from taskstreamd.domain.vocabulary import InstanceStatus
from taskstreamd.errors import Elsewhere, InvalidArgument
from taskstreamd.store.reads import decode_page_token, encode_page_token


@dataclass(frozen=True)
class TaskQueueing:
    task: Task
    position: int  # in the run queue, from 1; 0 when the task is not in it


@dataclass(frozen=True)
class QueueingInfo:
    instance: Instance
    tasks: list[TaskQueueing]  # one page of the tasks that have not started, in task order
    queue_length: int  # tasks in the owner's run queue, of every instance
    next_page_token: str


async def queueing_info(
    instances: Instances, project: str, instance_id: str, page_size: int, page_token: str
) -> QueueingInfo:
    """One page of the instance's tasks that have not started, with their queue positions."""
    first = _first_index(page_token) if page_token else 0
    dispatcher = instances.dispatcher
    instance = instances.book.get(instance_id)
    if instance is None or instance.project != project:
        stored = await instances.current(project, instance_id)  # NotFound, Expired
        if stored.status != InstanceStatus.TERMINATED:
            raise Elsewhere(instance_id, instances.owner_address(instance_id))
        return QueueingInfo(stored, [], dispatcher.queue_positions(set())[1], "")
    waiting = [t for t in instance.tasks[first:] if not t.is_terminal and not t.started]
    page = waiting[:page_size]
    dispatcher.explain(instance)  # why each queued one waits
    positions, length = dispatcher.queue_positions({t.id for t in page})
    token = encode_page_token(str(waiting[page_size].index)) if len(waiting) > page_size else ""
    tasks = [TaskQueueing(t, positions.get(t.id, 0)) for t in page]
    await instances.book.settle(instance)  # statuses shown once committed
    return QueueingInfo(instance, tasks, length, token)


def _first_index(page_token: str) -> int:
    text = decode_page_token(page_token)
    if not text.isdigit() or len(text) > 9:
        raise InvalidArgument.one("page_token", "is not a token this server handed out")
    return int(text)
