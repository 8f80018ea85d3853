"""A task's info (PyODPS's put_task_info / get_task_info): string key/values callers set on a task from
outside while it has not ended.

The owner of an instance keeps its tasks' info in memory with them and hands each put to the book, which
writes it (a row per key, upserted) in the next commit; a put is answered after that commit. A read takes
the info from memory where the instance is held, else from the store, which holds every put answered so
far: reads are never forwarded. Keys and values are checked by the API layer against the limits here;
what a task and an instance may hold in all is checked here, against what the owner holds: a task's whole
info fits one answer of any client's default size (4 MiB), and an instance's bounds what its owner keeps
in memory for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from taskstreamd.core.instances import Instances, task_not_found
from taskstreamd.errors import FailedPrecondition, ResourceExhausted

MAX_KEY_CHARS = 256
MAX_VALUE_BYTES = 65536  # UTF-8
MAX_KEYS_PER_TASK = 100
MAX_TASK_BYTES = 1 << 20  # a task's keys and values in all (UTF-8)
MAX_INSTANCE_BYTES = 16 << 20  # every task's of one instance
MAX_KEYS_PER_READ = 100


async def put(
    instances: Instances, project: str, instance_id: str, task_name: str, key: str, value: str
) -> None:
    """Sets ``key`` of the task's info to ``value``; returns once that is committed. Elsewhere when
    another replica owns the instance (the API layer forwards the call)."""
    instance = await instances.owned(project, instance_id)
    task = instance.task(task_name)
    if task is None:
        raise task_not_found(instance, task_name)
    if task.is_terminal:
        raise FailedPrecondition(
            "TASK_TERMINATED",
            f"task {task_name} already ended {task.status.name}; its info can no longer be set",
            {"status": task.status.name},
        )
    book = instances.book
    old = task.info.get(key)
    if old != value:  # the same value again writes nothing
        grows = _size(key, value) - (0 if old is None else _size(key, old))
        if old is None and len(task.info) >= MAX_KEYS_PER_TASK:
            message = f"task {task_name} has {MAX_KEYS_PER_TASK} info keys, the most a task may have"
            raise _full("TASK_INFO_KEYS", message, MAX_KEYS_PER_TASK)
        if sum(_size(k, v) for k, v in task.info.items()) + grows > MAX_TASK_BYTES:
            message = f"the info of task {task_name} would pass {MAX_TASK_BYTES} bytes, the most a task holds"
            raise _full("TASK_INFO_BYTES", message, MAX_TASK_BYTES)
        held = instance.info_bytes
        if held is None:  # counted once after the instance was loaded, then kept up to date
            held = sum(_size(k, v) for t in instance.tasks for k, v in t.info.items())
        if held + grows > MAX_INSTANCE_BYTES:
            message = (
                f"the info of the instance's tasks would pass {MAX_INSTANCE_BYTES} bytes, the most it holds"
            )
            raise _full("INSTANCE_INFO_BYTES", message, MAX_INSTANCE_BYTES)
        instance.info_bytes = held + grows
        book.put_info(instance, task, key, value)
    await book.settle(instance)  # answered once durable, an unchanged value's earlier put included


def _size(key: str, value: str) -> int:
    return len(key) + len(value.encode("utf-8"))  # keys are ASCII


def _full(reason: str, message: str, limit: int) -> ResourceExhausted:
    return ResourceExhausted(reason, message, {"limit": str(limit)})


async def get(
    instances: Instances, project: str, instance_id: str, task_name: str, keys: Sequence[str]
) -> dict[str, str]:
    """The task's info, only ``keys`` when some are given (those that are set)."""
    held = instances.book.get(instance_id)
    if held is not None and held.project == project:
        task = held.task(task_name)
        if task is None:
            raise task_not_found(held, task_name)
        info = dict(task.info)  # as it is now, shown once committed
        await instances.book.settle(held)
    else:
        stored = await instances.current(project, instance_id)  # NotFound, Expired
        found = await instances.reader.task_info(instance_id, task_name)
        if found is None:
            raise task_not_found(stored, task_name)
        info = found
    if not keys:
        return info
    return {key: info[key] for key in keys if key in info}
