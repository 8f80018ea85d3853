"""XFlow workflows from the caller's side: the requests of run_xflow, and what a listing means.

The listing itself is in ``taskstream/_async/xflow.py`` (and its sync twin).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskstream._specs import TaskSpec, create_request
from taskstream._xflow_names import WORKFLOW_TYPE_PREFIX, xflow_task_type
from taskstream.v1 import instance_pb2, instance_service_pb2

LIST_PAGE_SIZE = 1000


def xflow_spec(name: str, project: str, parameters: Mapping[str, Any] | None) -> TaskSpec:
    """The one task of a workflow instance, named after the workflow."""
    return TaskSpec(xflow_task_type(name, project), dict(parameters or {}), name)


def hint_labels(hints: Mapping[str, str] | None) -> dict[str, str]:
    """A workflow's hints are recorded as its instance's labels."""
    return {str(key): str(value) for key, value in (hints or {}).items()}


def xflow_request(
    project: str,
    xflow_name: str,
    xflow_project: str | None,
    parameters: Mapping[str, Any] | None,
    hints: Mapping[str, str] | None,
    priority: int | None,
) -> instance_service_pb2.CreateInstanceRequest:
    """The CreateInstanceRequest of run_xflow and execute_xflow, in ``project`` (and, by default, of a
    workflow of that project)."""
    spec = xflow_spec(xflow_name, xflow_project or project, parameters)
    return create_request(project, [spec], {"priority": priority, "labels": hint_labels(hints)})


def is_workflow(data: instance_pb2.Instance) -> bool:
    """Whether an instance is itself a workflow (as the server's SubInstance.workflow says)."""
    return bool(data.tasks) and all(task.type.startswith(WORKFLOW_TYPE_PREFIX) for task in data.tasks)
