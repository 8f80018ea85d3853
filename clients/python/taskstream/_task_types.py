"""What ``list_task_types()`` returns: a task type the connected workers offer."""

from __future__ import annotations

import dataclasses

from taskstream.v1 import instance_pb2


@dataclasses.dataclass(frozen=True)
class TaskType:
    """A registered task type: its ``name`` (a TaskSpec's ``type``), the handler's ``description``,
    and how many connected workers can run it (``worker_count``)."""

    name: str
    description: str
    worker_count: int

    @classmethod
    def from_proto(cls, data: instance_pb2.TaskType) -> TaskType:
        return cls(data.name, data.description, data.worker_count)
