"""Rerunning an instance: a new instance of the same tasks, options, priority and labels.

The new instance is top-level (a sub-instance's rerun does not rejoin its workflow), owned by whoever
asked, and labelled ``rerun-of`` with the original's id. Python-object tasks cannot be rerun: the
server does not keep their objects once they ended.
"""

from __future__ import annotations

from dataclasses import replace

from taskstreamd.domain.model import PYTHON_OBJECT_TYPE, Instance, NewInstance, NewTask
from taskstreamd.errors import FailedPrecondition

RERUN_LABEL = "rerun-of"
MAX_LABELS = 64


def rerun_of(instance: Instance, owner: str) -> NewInstance:
    """The request that reruns ``instance`` for ``owner``; FAILED_PRECONDITION when it cannot be."""
    if any(t.type == PYTHON_OBJECT_TYPE for t in instance.tasks):
        raise FailedPrecondition(
            "RERUN_NOT_POSSIBLE",
            f"instance {instance.id} has Python-object tasks, whose objects are not kept: submit it again",
        )
    labels = dict(instance.labels)
    if RERUN_LABEL in labels or len(labels) < MAX_LABELS:
        labels[RERUN_LABEL] = instance.id
    return NewInstance(
        project=instance.project,
        owner=owner,
        tasks=[
            NewTask(
                t.name,
                t.type,
                t.parameters_json,
                timeout=t.timeout,
                required_labels=dict(t.required_labels),
            )
            for t in instance.tasks
        ],
        priority=instance.priority,
        labels=labels,
        options=replace(instance.options),
    )
