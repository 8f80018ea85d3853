"""Workflows (PyODPS's XFlow): a workflow instance starts sub-instances, and they follow it.

A sub-instance names its parent when created; the parent's log then records it (``SubInstanceCreated``),
which is what ``ListSubInstances`` and watchers read. Stopping a workflow stops its unfinished
sub-instances with reason CONSEQUENTIAL, and a workflow that is terminated or being stopped can start no
more.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

from taskstreamd import bounded_json, ids
from taskstreamd.domain.events import EventKind
from taskstreamd.domain.model import Instance
from taskstreamd.domain.vocabulary import CancellationReason, InstanceStatus, TaskStatus
from taskstreamd.errors import FailedPrecondition, InvalidArgument, NotFound

log = logging.getLogger(__name__)

# Task types of workflows start with this; a sub-instance made of them is a nested workflow.
WORKFLOW_TYPE_PREFIX = "xflow."
_EVENTS_PER_READ = 500


class Instances(Protocol):
    """What workflows ask of the callers' use cases (core.instances.Instances), which call them in turn:
    named here so that the two modules do not import each other."""

    book: Any  # its codec decodes a workflow's events
    reader: Any  # the workflow's events past the book's memory

    async def current(self, project: str, instance_id: str) -> Instance: ...

    async def stop(
        self,
        project: str,
        instance_id: str,
        encode: Callable[[Instance], bytes],
        *,
        reason: CancellationReason,
        message: str,
        requested_by: str,
        grace_period: float | None,
        request_id: str = "",
        request_fingerprint: str = "",
    ) -> bytes: ...


@dataclasses.dataclass(frozen=True)
class SubInstance:
    name: str
    task: str
    instance: Instance

    @property
    def workflow(self) -> bool:
        tasks = self.instance.tasks
        return bool(tasks) and all(t.type.startswith(WORKFLOW_TYPE_PREFIX) for t in tasks)


def is_stopping(parent: Instance) -> bool:
    """Whether a workflow may no longer start sub-instances: terminated, or some task being stopped."""
    return parent.status == InstanceStatus.TERMINATED or any(
        t.status == TaskStatus.CANCELLING for t in parent.tasks
    )


def refuse_stopping(parent_name: str) -> None:
    raise FailedPrecondition(
        "PARENT_INSTANCE_STOPPING", f"the workflow {parent_name} is stopped or stopping; it starts nothing"
    )


async def list_sub_instances(
    instances: Instances, project: str, instance_id: str, page_size: int, page_token: str
) -> tuple[list[SubInstance], str, int]:
    """One page of the workflow's sub-instances, the next page's token ("" on the last) and the seq
    the listing is complete up to."""
    await instances.current(project, instance_id)  # NotFound for an unknown workflow; settled
    cursor = _decode_token(page_token) if page_token else 0
    codec = instances.book.codec
    found: list[SubInstance] = []
    while len(found) < page_size:
        batch = await instances.reader.events_after(
            instance_id, cursor, include_output=False, limit=_EVENTS_PER_READ
        )
        if not batch:
            return found, "", cursor
        for event in batch:
            cursor = event.seq
            if event.kind != EventKind.SUB_INSTANCE:
                continue
            created = codec.sub_instance(event.data)
            sub_project, sub_id = ids.parse_instance_name(created.instance)
            try:
                sub = await instances.current(sub_project, sub_id)
            except NotFound:
                continue  # deleted since
            found.append(SubInstance(created.name, created.task, sub))
            if len(found) == page_size:
                break
    return found, _encode_token(cursor), cursor


async def stop_sub_instances(
    instances: Instances, parent: Instance, *, requested_by: str, grace_period: float | None
) -> None:
    """Stop every unfinished sub-instance of a stopped workflow (theirs in turn, through stop)."""
    name = ids.instance_name(parent.project, parent.id)
    token = ""
    while True:
        subs, token, _ = await list_sub_instances(instances, parent.project, parent.id, 1000, token)
        for sub in subs:
            if sub.instance.status == InstanceStatus.TERMINATED:
                continue
            with contextlib.suppress(FailedPrecondition):  # it terminated meanwhile
                await instances.stop(
                    sub.instance.project,
                    sub.instance.id,
                    lambda _: b"",
                    reason=CancellationReason.CONSEQUENTIAL,
                    message=f"its workflow {name} was stopped",
                    requested_by=requested_by,
                    grace_period=grace_period,
                )
        if not token:
            return


def _encode_token(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after_seq": seq}).encode()).decode()


def _decode_token(token: str) -> int:
    try:
        seq = bounded_json.loads(base64.urlsafe_b64decode(token.encode()))["after_seq"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument.one("page_token", "is not a token this server handed out") from exc
    if not isinstance(seq, int) or seq < 0:
        raise InvalidArgument.one("page_token", "is not a token this server handed out")
    return seq
