"""What STK-style jobs share between the two clients: priorities, the job-name label, pickling."""

from __future__ import annotations

import enum

from taskstream.values import _cloudpickle

# The label that records a job's name on its instance.
JOB_NAME_LABEL = "job_name"


class JobPriority(enum.Enum):
    """STK's job priorities (``.value`` is STK's number). taskstream orders instances by a priority
    from 0 to 9, smaller first; a job's ``JobPriority`` is sent as ``instance_priority``: HIGH 1,
    ABOVE_NORMAL 3, NORMAL 5, BELOW_NORMAL 7, LOW 9 (the server's default for anything unset)."""

    LOW = 0
    BELOW_NORMAL = 1
    NORMAL = 2
    ABOVE_NORMAL = 3
    HIGH = 4

    @property
    def instance_priority(self) -> int:
        return 9 - 2 * self.value


def instance_priority(priority: JobPriority | int | None) -> int | None:
    """The 0-9 instance priority of a job's ``priority`` (a JobPriority, already 0-9, or unset)."""
    return priority.instance_priority if isinstance(priority, JobPriority) else priority


def pickled(obj: object, what: str) -> bytes:
    """``obj`` cloudpickled for a worker; TypeError naming ``what`` when it does not pickle."""
    cloudpickle = _cloudpickle()
    try:
        data: bytes = cloudpickle.dumps(obj)
    except Exception as error:  # pickling fails in many ways: PicklingError, TypeError, AttributeError …
        raise TypeError(f"{what} cannot be pickled: {error}") from error
    return data
