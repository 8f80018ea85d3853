"""How an XFlow workflow is named as a task type: ``xflow.{project}.{name}``.

The server treats task types with this prefix as workflows (their sub-instances follow them).
"""

from __future__ import annotations

WORKFLOW_TYPE_PREFIX = "xflow."


def xflow_task_type(name: str, project: str) -> str:
    """The task type of workflow ``name`` defined in ``project``."""
    for label, value in (("name", name), ("project", project)):
        if not value or "." in value or "/" in value:
            raise ValueError(f"a workflow {label} is non-empty, without '.' or '/': {value!r}")
    return f"{WORKFLOW_TYPE_PREFIX}{project}.{name}"
