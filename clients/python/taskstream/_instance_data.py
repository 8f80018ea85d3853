"""Questions answered from fetched instance data, without calling the server."""

from __future__ import annotations

from taskstream._convert import instance_status, task_status
from taskstream.status import InstanceStatus, TaskStatus
from taskstream.v1 import instance_pb2, task_pb2


def is_successful(data: instance_pb2.Instance) -> bool:
    """True once terminated with every task SUCCESS; False while it runs or is suspended."""
    if instance_status(data.status) is not InstanceStatus.TERMINATED:
        return False
    return all(task_status(task.status) is TaskStatus.SUCCESS for task in data.tasks)


def task_names(data: instance_pb2.Instance) -> list[str]:
    return [task.name for task in data.tasks]


def first_unsuccessful(data: instance_pb2.Instance) -> tuple[str, TaskStatus] | None:
    """The name and status of the first task, in task order, that did not succeed."""
    for task in data.tasks:
        status = task_status(task.status)
        if status is not TaskStatus.SUCCESS:
            return task.name, status
    return None


def task_data(data: instance_pb2.Instance, name: str) -> task_pb2.Task | None:
    """Task ``name`` as the instance data carries it; None for an unknown name."""
    for task in data.tasks:
        if task.name == name:
            return task
    return None


def only_task_name(instance_id: str, names: list[str]) -> str:
    """The name of the only task; ValueError when there are none or several."""
    if len(names) != 1:
        raise ValueError(
            f"instance {instance_id} has {len(names)} tasks ({', '.join(names) or 'none'}); name one"
        )
    return names[0]
