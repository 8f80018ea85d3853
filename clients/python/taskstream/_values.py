"""Encoding of task values to and from their protos.

Workers encode what a task returned, raised and set; clients decode it. Both sides use these functions so
the two stay in step:

- Result: JSON for None / bool / int / float / list / dict that ``json.dumps`` accepts, text for ``str``,
  binary for ``bytes``, and a cloudpickle plus ``repr`` for any other object.
- TaskError: type, message, traceback and the cloudpickled exception when it pickles.
- PropertyValue: str, int, float and bytes only (STK's rule); anything else is a TypeError.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import traceback
from typing import Any

import cloudpickle

from taskstream.v1 import task_pb2

PropertyType = str | int | float | bytes
_JSON_TYPES = (type(None), bool, int, float, list, dict)


class RemoteTaskError(Exception):
    """A task's exception that could not be unpickled here; it carries the original type and message."""

    def __init__(self, message: str, *, type_name: str = "", traceback_text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.type_name = type_name
        self.traceback = traceback_text

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.type_name else self.message


def qualified_name(cls: type) -> str:
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", "__main__") else f"{module}.{cls.__qualname__}"


def encode_result(value: Any) -> task_pb2.Result:
    if isinstance(value, str):
        return task_pb2.Result(text=value)
    if isinstance(value, bytes | bytearray | memoryview):
        return task_pb2.Result(
            binary=task_pb2.BinaryValue(data=bytes(value), content_type="application/octet-stream")
        )
    if isinstance(value, _JSON_TYPES):
        try:
            return task_pb2.Result(json=json.dumps(value, allow_nan=False))
        except (TypeError, ValueError):
            pass  # a container holding something JSON can't carry: pickle it below
    return task_pb2.Result(
        python=task_pb2.PythonValue(
            pickle=cloudpickle.dumps(value), repr=_safe_repr(value), type_name=qualified_name(type(value))
        )
    )


def decode_result(result: task_pb2.Result) -> Any:
    kind = result.WhichOneof("kind")
    if kind == "json":
        return json.loads(result.json)
    if kind == "text":
        return result.text
    if kind == "binary":
        return result.binary.data
    if kind == "python":
        return pickle.loads(result.python.pickle)
    return None


def encode_error(exc: BaseException) -> task_pb2.TaskError:
    error = task_pb2.TaskError(
        type=qualified_name(type(exc)),
        message=str(exc),
        traceback="".join(traceback.format_exception(exc)),
    )
    with contextlib.suppress(Exception):  # unpicklable exceptions travel as type + message
        error.pickled_exception = cloudpickle.dumps(exc)
    return error


def decode_error(error: task_pb2.TaskError) -> BaseException:
    """The task's exception when it unpickles here, else a RemoteTaskError with its type and message."""
    if error.pickled_exception:
        try:
            exc = pickle.loads(error.pickled_exception)
            if isinstance(exc, BaseException):
                return exc
        except Exception:  # a class missing on this side must not break reading results
            pass
    return RemoteTaskError(error.message, type_name=error.type, traceback_text=error.traceback)


def encode_property(key: str, value: object) -> task_pb2.PropertyValue:
    if not isinstance(key, str) or not key:
        raise TypeError(f"property names must be non-empty strings, not {key!r}")
    if isinstance(value, bool):
        raise TypeError(f"property {key!r}: bool is not a property type; use str, int, float or bytes")
    if isinstance(value, str):
        return task_pb2.PropertyValue(string_value=value)
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise TypeError(f"property {key!r}: int {value} does not fit in 64 bits")
        return task_pb2.PropertyValue(int_value=value)
    if isinstance(value, float):
        return task_pb2.PropertyValue(double_value=value)
    if isinstance(value, bytes | bytearray):
        return task_pb2.PropertyValue(bytes_value=bytes(value))
    raise TypeError(
        f"property {key!r}: {type(value).__name__} is not a property type; use str, int, float or bytes"
    )


def decode_property(value: task_pb2.PropertyValue) -> PropertyType | None:
    kind = value.WhichOneof("kind")
    if kind is None:
        return None
    decoded: PropertyType = getattr(value, kind)
    return decoded


def _safe_repr(value: object, limit: int = 4096) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not lose the result
        text = f"<{qualified_name(type(value))} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
