"""JSON from callers, refused when nested deeper than MAX_JSON_DEPTH before it is parsed.

``json.loads`` recurses once per level, so a few thousand ``[`` raise RecursionError (and the limit depends
on how deep the caller's own stack is). The depth is measured here on the text itself, without recursion
and without a Python loop per character: escapes, then strings, then everything but brackets are cut with
regular expressions, and the running depth of what is left is summed in C.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

# Nesting of any JSON the API accepts (parameters, page tokens); api.limits re-exports it.
MAX_JSON_DEPTH = 64

_ESCAPE = re.compile(r"\\.", re.DOTALL)  # left to right, so "\\" then '"' is an escape and a quote
_STRING = re.compile(r'"[^"]*"')  # after escapes are gone, a string ends at the next quote
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class TooDeep(ValueError):
    """A ValueError, so that code which already refuses malformed JSON refuses this too."""


def depth(text: str | bytes) -> int:
    """How deeply the JSON text nests arrays and objects (0 for a scalar). Meaningful for valid JSON;
    for invalid text it is some number that never hides a deep valid part."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    openers = text.count("[") + text.count("{")
    if openers <= 1:
        return openers
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raises TooDeep when the text nests deeper than ``max_depth``."""
    # Fewer opening brackets than the limit cannot nest deeper: most texts stop here, at C speed.
    if isinstance(text, str) and text.count("[") + text.count("{") <= max_depth:
        return
    found = depth(text)
    if found > max_depth:
        raise TooDeep(f"nested {found} levels deep; at most {max_depth} are allowed")


def loads(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for text from a caller: TooDeep (a ValueError) past ``max_depth``, and ValueError,
    never RecursionError, for anything else it cannot parse."""
    check(text, max_depth)
    try:
        return json.loads(text)
    except RecursionError as exc:  # not expected after the check; never an INTERNAL error either way
        raise TooDeep("nested too deeply") from exc
