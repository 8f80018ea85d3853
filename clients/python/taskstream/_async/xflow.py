"""XFlow workflows from the caller's side: listing a workflow's sub-instances (PyODPS's
get_xflow_sub_instances and iter_xflow_sub_instances).

A workflow's sub-instances come from ``ListSubInstances`` (a snapshot with the cursor it is complete up
to), and later ones from the workflow's watch stream after that cursor, so nothing is polled and nothing
is seen twice. Nested workflows are flattened: their own sub-instances are listed in their place.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from taskstream._events import SubInstanceCreated
from taskstream._xflow import LIST_PAGE_SIZE, is_workflow
from taskstream.v1 import instance_service_pb2

if TYPE_CHECKING:
    from taskstream._async.client import AsyncClient
    from taskstream._async.instance import AsyncInstance


async def get_sub_instances(client: AsyncClient, instance: AsyncInstance) -> OrderedDict[str, AsyncInstance]:
    listed, _ = await _listed(client, instance)
    return OrderedDict(listed)


async def iter_sub_instances(
    client: AsyncClient, instance: AsyncInstance, *, check: bool
) -> AsyncIterator[tuple[str, AsyncInstance]]:
    listed, seq = await _listed(client, instance)
    for item in listed:
        yield item
    async for event in instance.watch(after_seq=seq):
        if not isinstance(event, SubInstanceCreated):
            continue
        sub: AsyncInstance = event.instance
        if is_workflow(await sub._current(with_tasks=True)):
            async for nested in iter_sub_instances(client, sub, check=False):
                yield nested
        else:
            yield event.name, sub
    if check:
        await instance.wait_for_success()


async def _listed(
    client: AsyncClient, instance: AsyncInstance
) -> tuple[list[tuple[str, AsyncInstance]], int]:
    """Every sub-instance listed now, nested workflows flattened, and the cursor of the listing."""
    request = instance_service_pb2.ListSubInstancesRequest(parent=instance.name, page_size=LIST_PAGE_SIZE)
    found: list[tuple[str, AsyncInstance]] = []
    while True:
        response = await client._rpc.list_sub_instances(request)
        for sub in response.sub_instances:
            handle = client._handle(sub.instance.project, sub.instance.id, sub.instance, has_tasks=True)
            if sub.workflow:
                found.extend((await _listed(client, handle))[0])
            else:
                found.append((sub.name, handle))
        if not response.next_page_token:
            return found, response.seq
        request.page_token = response.next_page_token
