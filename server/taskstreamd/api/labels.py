"""Limits of label maps: an instance's labels, the worker labels a task requires, a list's label filter.

Each bad entry is a field violation naming the map and (a prefix of) its key; a map with too many entries
is one violation, found before any entry is looked at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from taskstreamd.api.limits import MAX_LABEL_KEY, MAX_LABEL_VALUE, MAX_LABELS
from taskstreamd.errors import FieldViolation

# Instance labels are filtered by in queries and shown everywhere, so their keys are plain words.
_INSTANCE_KEY = re.compile(rf"[A-Za-z0-9_.\-/]{{1,{MAX_LABEL_KEY}}}")
_SHOWN_KEY = 40  # characters of a bad key quoted in a field path


def violations(field: str, labels: Mapping[str, str], *, plain_keys: bool = True) -> list[FieldViolation]:
    """What is wrong with ``labels``; ``plain_keys`` asks for instance-label keys (letters, digits and
    ``_ . - /``), otherwise any key of 1 to MAX_LABEL_KEY characters that is not blank is taken, as
    worker labels are (``taskstreamd worker --labels``)."""
    if len(labels) > MAX_LABELS:
        return [FieldViolation(field, f"at most {MAX_LABELS} labels, got {len(labels)}")]
    problems: list[FieldViolation] = []
    for key, value in labels.items():
        where = f"{field}[{_shown(key)}]"
        if plain_keys and not _INSTANCE_KEY.fullmatch(key):
            problems.append(FieldViolation(where, f"keys are 1-{MAX_LABEL_KEY} of A-Z a-z 0-9 _ . - /"))
        elif not plain_keys and (not key.strip() or len(key) > MAX_LABEL_KEY):
            problems.append(FieldViolation(where, f"keys are 1-{MAX_LABEL_KEY} characters, not blank"))
        if len(value) > MAX_LABEL_VALUE:
            problems.append(FieldViolation(where, f"values are at most {MAX_LABEL_VALUE} characters"))
    return problems


def _shown(key: str) -> str:
    return repr(key) if len(key) <= _SHOWN_KEY else repr(key[:_SHOWN_KEY]) + "..."
