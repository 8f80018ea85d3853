"""Loading task modules and listing the task types they register.

Both sides import the modules: the worker to tell the server what it can run, each child to run it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from taskstream.authoring import registered_tasks
from taskstream.v1 import worker_service_pb2


def import_task_modules(modules: Sequence[str]) -> None:
    """Import each module, which registers its tasks; an ImportError propagates."""
    for name in modules:
        importlib.import_module(name)


def task_types() -> list[worker_service_pb2.WorkerTaskType]:
    """Every registered task type, sorted by name."""
    return [
        worker_service_pb2.WorkerTaskType(name=entry.name, description=entry.description)
        for entry in sorted(registered_tasks().values(), key=lambda entry: entry.name)
    ]
