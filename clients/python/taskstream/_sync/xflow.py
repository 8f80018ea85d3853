# Generated from taskstream/_async/xflow.py by clients/python/tools/unasync.py: edit that file, then
# run `make unasync`. `make lint` fails while this copy is stale.
"""XFlow workflows from the caller's side: listing a workflow's sub-instances (PyODPS's
get_xflow_sub_instances and iter_xflow_sub_instances).

A workflow's sub-instances come from ``ListSubInstances`` (a snapshot with the cursor it is complete up
to), and later ones from the workflow's watch stream after that cursor, so nothing is polled and nothing
is seen twice. Nested workflows are flattened: their own sub-instances are listed in their place.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from taskstream._events import SubInstanceCreated
from taskstream._xflow import LIST_PAGE_SIZE, is_workflow
from taskstream.v1 import instance_service_pb2

if TYPE_CHECKING:
    from taskstream._sync.client import Client
    from taskstream._sync.instance import Instance


def get_sub_instances(client: Client, instance: Instance) -> OrderedDict[str, Instance]:
    listed, _ = _listed(client, instance)
    return OrderedDict(listed)


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
                found.extend((_listed(client, handle))[0])
            else:
                found.append((sub.name, handle))
        if not response.next_page_token:
            return found, response.seq
        request.page_token = response.next_page_token
