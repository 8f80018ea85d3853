"""Which task types the workers offer, and the ``--strict-types`` refusal of a type none offers."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from taskstreamd.domain.model import PYTHON_OBJECT_TYPE, NewTask
from taskstreamd.errors import FailedPrecondition

UNKNOWN_TASK_TYPE = "UNKNOWN_TASK_TYPE"
_NAMED = 50  # known types named in the message and metadata; the rest are counted


def require_offered(tasks: Iterable[NewTask], offered: Collection[str]) -> None:
    """FAILED_PRECONDITION (UNKNOWN_TASK_TYPE) naming the first task whose type no worker offers, with
    the types workers do offer; Python-object tasks are not registered types and always pass."""
    for task in tasks:
        if task.type == PYTHON_OBJECT_TYPE or task.type in offered:
            continue
        known = sorted(offered)
        shown = ", ".join(known[:_NAMED]) + (
            f" and {len(known) - _NAMED} more" if len(known) > _NAMED else ""
        )
        raise FailedPrecondition(
            UNKNOWN_TASK_TYPE,
            f"no worker offers task type {task.type!r} (task {task.name!r}); "
            f"known types: {shown or 'none (no worker has connected yet)'}",
            {"task_type": task.type, "task": task.name, "known_types": ",".join(known[:_NAMED])},
        )
