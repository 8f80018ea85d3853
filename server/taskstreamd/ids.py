"""Instance ids and resource names: ``projects/{project}/instances/{id}``."""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, datetime

from taskstreamd.errors import InvalidArgument

_ALPHABET = string.ascii_lowercase + string.digits
_RANDOM_CHARS = 8
_PROJECT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,127}")
# Any well-formed id is looked up (and, unknown, NOT_FOUND): ids made here are 17 digits and 8 of
# [a-z0-9], other systems' differ (PyODPS's are 24 to 26 characters, e.g. 20151119084107183gxyp1ek).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
# Schedule ids are chosen by callers (AIP-122): lower case, a letter first, at most 63 characters.
SCHEDULE_ID = re.compile(r"[a-z][a-z0-9-]{0,62}")


def new_instance_id(now: datetime) -> str:
    """A time-ordered id: UTC time to the millisecond, then 8 random characters."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"
    # One draw from the system's randomness for all 8 characters, not one per character.
    number = secrets.randbelow(len(_ALPHABET) ** _RANDOM_CHARS)
    chars = []
    for _ in range(_RANDOM_CHARS):
        number, digit = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return stamp + "".join(chars)


def instance_name(project: str, instance_id: str) -> str:
    return f"projects/{project}/instances/{instance_id}"


def parse_project(parent: str, field: str = "parent") -> str:
    prefix, _, project = parent.partition("/")
    if prefix != "projects" or not _PROJECT.fullmatch(project):
        raise InvalidArgument.one(field, f"must look like 'projects/{{project}}', got {parent!r}")
    return project


def parse_instance_name(name: str, field: str = "name") -> tuple[str, str]:
    """(project, id) of an instance name; INVALID_ARGUMENT when it is not one."""
    parts = name.split("/")
    if (
        len(parts) != 4
        or parts[0] != "projects"
        or parts[2] != "instances"
        or not _PROJECT.fullmatch(parts[1])
        or not _ID.fullmatch(parts[3])
    ):
        raise InvalidArgument.one(
            field,
            "must look like 'projects/{project}/instances/{id}', an id being 1 to 32 letters, digits,"
            f" '_' or '-', got {name!r}",
        )
    return parts[1], parts[3]


def parse_schedule_name(name: str, field: str = "name") -> tuple[str, str]:
    """(project, id) of ``projects/{project}/schedules/{id}``; INVALID_ARGUMENT when it is not one."""
    parts = name.split("/")
    if (
        len(parts) != 4
        or parts[0] != "projects"
        or parts[2] != "schedules"
        or not _PROJECT.fullmatch(parts[1])
        or not SCHEDULE_ID.fullmatch(parts[3])
    ):
        raise InvalidArgument.one(
            field,
            "must look like 'projects/{project}/schedules/{id}', an id being 1 to 63 of a-z 0-9 and '-'"
            f" starting with a letter, got {name!r}",
        )
    return parts[1], parts[3]


def parse_task_name(name: str, field: str = "name") -> tuple[str, str, str]:
    """``projects/{project}/instances/{id}/tasks/{task}`` as (project, instance id, task name)."""
    head, sep, task = name.rpartition("/tasks/")
    if not sep or not task or "/" in task:
        raise InvalidArgument.one(field, "expected projects/{project}/instances/{id}/tasks/{task}")
    project, instance_id = parse_instance_name(head, field)
    return project, instance_id, task
