"""PutTaskInfo and GetTaskInfo requests, checked against the limits of core.task_info.

A key is a plain word (it names the value in every client and in logs); a value is any text, counted in
UTF-8 bytes, and stored as bytes, so no character can make a database refuse the commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from taskstream.v1 import instance_service_pb2 as pb
from taskstreamd import ids
from taskstreamd.core.task_info import MAX_KEY_CHARS, MAX_KEYS_PER_READ, MAX_VALUE_BYTES
from taskstreamd.errors import FieldViolation, InvalidArgument

_KEY = re.compile(rf"[A-Za-z0-9_.\-/:]{{1,{MAX_KEY_CHARS}}}")
_KEY_RULE = f"keys are 1 to {MAX_KEY_CHARS} of A-Z a-z 0-9 _ . - / :"
_SHOWN = 40  # characters of a bad key quoted in a message


@dataclass(frozen=True)
class TaskRef:
    project: str
    instance_id: str
    task: str


def task_ref(name: str) -> TaskRef:
    return TaskRef(*ids.parse_task_name(name))


def put_entry(request: pb.PutTaskInfoRequest) -> tuple[str, str]:
    """The key and value to set; INVALID_ARGUMENT naming each bad one."""
    problems: list[FieldViolation] = []
    if not _KEY.fullmatch(request.key):
        problems.append(FieldViolation("key", f"{_KEY_RULE}, got {_shown(request.key)}"))
    value = request.value
    # A character is at least one byte: only a value that may fit is encoded to be measured.
    if len(value) > MAX_VALUE_BYTES or len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        problems.append(FieldViolation("value", f"at most {MAX_VALUE_BYTES} bytes in UTF-8"))
    if problems:
        raise InvalidArgument(problems)
    return request.key, value


def read_keys(request: pb.GetTaskInfoRequest) -> list[str]:
    """The keys asked for (empty: all); INVALID_ARGUMENT for too many or a bad one."""
    keys = list(request.keys)
    if len(keys) > MAX_KEYS_PER_READ:
        raise InvalidArgument.one("keys", f"at most {MAX_KEYS_PER_READ} keys, got {len(keys)}")
    problems = [
        FieldViolation(f"keys[{i}]", f"{_KEY_RULE}, got {_shown(key)}")
        for i, key in enumerate(keys)
        if not _KEY.fullmatch(key)
    ]
    if problems:
        raise InvalidArgument(problems)
    return keys


def _shown(key: str) -> str:
    return repr(key) if len(key) <= _SHOWN else repr(key[:_SHOWN]) + "..."
