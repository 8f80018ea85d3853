"""XFlow workflows from the caller's side (PyODPS's run_xflow and sub-instance listings), sync client.

A workflow's sub-instances come from ``ListSubInstances`` (a snapshot with the cursor it is complete up
to), and later ones from the workflow's watch stream after that cursor, so nothing is polled and nothing
is seen twice. Nested workflows are flattened: their own sub-instances are listed in their place.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from taskstream._events import SubInstanceCreated
from taskstream._specs import TaskSpec, create_request
from taskstream._xflow_names import WORKFLOW_TYPE_PREFIX, xflow_task_type
from taskstream.v1 import instance_pb2, instance_service_pb2

if TYPE_CHECKING:
    from taskstream._client import Client
    from taskstream._instance import Instance

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


def get_sub_instances(client: Client, instance: Instance) -> OrderedDict[str, Instance]:
    found: OrderedDict[str, Instance] = OrderedDict()
    for name, sub in _listed(client, instance)[0]:
        found[name] = sub
    return found


def iter_sub_instances(client: Client, instance: Instance, *, check: bool) -> Iterator[tuple[str, Instance]]:
    listed, seq = _listed(client, instance)
    yield from listed
    for event in instance.watch(after_seq=seq):
        if not isinstance(event, SubInstanceCreated):
            continue
        sub: Instance = event.instance
        if is_workflow(sub._current(with_tasks=True)):
            yield from iter_sub_instances(client, sub, check=False)
        else:
            yield event.name, sub
    if check:
        instance.wait_for_success()


def _listed(client: Client, instance: Instance) -> tuple[list[tuple[str, Instance]], int]:
    """Every sub-instance listed now, nested workflows flattened, and the cursor of the listing."""
    request = instance_service_pb2.ListSubInstancesRequest(parent=instance.name, page_size=LIST_PAGE_SIZE)
    found: list[tuple[str, Instance]] = []
    while True:
        response = client._rpc.list_sub_instances(request)
        for sub in response.sub_instances:
            handle = client._handle(sub.instance.project, sub.instance.id, sub.instance, has_tasks=True)
            if sub.workflow:
                found.extend(_listed(client, handle)[0])
            else:
                found.append((sub.name, handle))
        if not response.next_page_token:
            return found, response.seq
        request.page_token = response.next_page_token
