"""JSON depth measured on the text, and default task names, as the API's validation uses them."""

from __future__ import annotations

import json

import pytest

from taskstreamd import bounded_json
from taskstreamd.api.task_names import TaskNames
from taskstreamd.domain.model import PYTHON_OBJECT_TYPE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 0),
        ("[[[{{", 0),  # brackets in a string are text
        ([], 1),
        ({"a": [1, {"b": [[]]}]}, 5),
        ([[1], [[2]], [3]], 3),
        ({"s": 'a\\"[[[', "t": [["\\\\"]]}, 3),  # escaped quotes and backslashes
    ],
)
def test_depth_of_valid_json(value: object, expected: int) -> None:
    text = json.dumps(value)
    assert bounded_json.depth(text) == expected
    assert bounded_json.depth(text.encode()) == expected


def test_too_deep_is_a_value_error_at_any_depth() -> None:
    assert bounded_json.loads("[" * 64 + "]" * 64, max_depth=64) == json.loads("[" * 64 + "]" * 64)
    for depth in (65, 5000, 1_000_000):
        with pytest.raises(ValueError, match=f"nested {depth} levels deep; at most 64"):
            bounded_json.loads("[" * depth + "]" * depth, max_depth=64)
    # Unclosed brackets are invalid JSON, refused either way, never a RecursionError.
    with pytest.raises(ValueError):
        bounded_json.loads("[" * 100_000)
    with pytest.raises(ValueError):
        bounded_json.loads('"\\"' * 10_000 + "[" * 100)  # many quotes, none closing


def test_default_names_skip_taken_ones_as_a_scan_from_one_would() -> None:
    names = TaskNames()
    given: list[str] = []
    for explicit in ("", "", "echo_2", "", "", "AnonymousSQLTask"):
        name = explicit or names.default("echo")
        assert name not in names
        names.add(name)
        given.append(name)
    assert given == ["echo", "echo_1", "echo_2", "echo_3", "echo_4", "AnonymousSQLTask"]
    assert names.default("sql") == "AnonymousSQLTask_1"
    assert names.default(PYTHON_OBJECT_TYPE) == "PythonTask"
