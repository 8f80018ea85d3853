"""How task values travel: results, errors and properties, encoded by workers and decoded by clients.

This is part of taskstream's public vocabulary (with ``taskstream.status``); the workers of
``taskstreamd`` encode with these functions and every Python client decodes with them, so the two stay
in step:

- Result: JSON for None / bool / int / float / list / dict that ``json.dumps`` accepts, text for ``str``,
  binary for ``bytes``, and for any other object a cloudpickle plus its ``repr`` and type name.
- TaskError: type, message, traceback and the cloudpickled exception when it pickles.
- PropertyValue: str, int, float and bytes only (STK's rule); anything else is a TypeError.

Unpickling runs code chosen by whoever made the pickle, so decoding never unpickles unless asked:
a pickled result decodes to a ``PickledValue`` (its ``repr`` for reading, ``load()`` to unpickle) and
a pickled exception to a ``RemoteTaskError`` with its type and message. ``unpickle=True`` (which a
client passes only when its caller opted in) loads them instead.

Encoding needs ``cloudpickle`` (a dependency of ``taskstreamd``, an extra of ``taskstream``); decoding
needs nothing beyond the standard library.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import pickle
import traceback
from typing import Any

from taskstream.v1 import task_pb2

__all__ = [
    "PickledValue",
    "PropertyType",
    "RemoteTaskError",
    "decode_error",
    "decode_property",
    "decode_result",
    "encode_error",
    "encode_property",
    "encode_result",
    "qualified_name",
]

PropertyType = str | int | float | bytes
_JSON_TYPES = (type(None), bool, int, float, list, dict)


@dataclasses.dataclass(frozen=True, repr=False)
class PickledValue:
    """A Python object a task returned, still pickled: reading it runs no code.

    ``repr`` is the object's repr as the worker wrote it and ``type_name`` its class; ``load()``
    unpickles ``data``, which runs whatever code the pickle names: call it only for results you trust
    (those of tasks you submitted to workers you trust). ``str()`` gives the repr.
    """

    data: bytes
    repr: str = ""
    type_name: str = ""

    def load(self) -> Any:
        """The object itself, unpickled here (its class must be importable)."""
        return pickle.loads(self.data)

    def __str__(self) -> str:
        return self.repr

    def __repr__(self) -> str:
        return f"<PickledValue {self.type_name or 'object'}: {self.repr}>"


class RemoteTaskError(Exception):
    """Stands for a task's exception that is not unpickled here: it carries the original type, message
    and traceback; ``pickled`` holds the pickled exception when the worker sent one (``pickled.load()``
    gives the exception itself, running the pickle's code). ``str()`` is the message, as the original's
    would be."""

    def __init__(
        self,
        message: str,
        *,
        type_name: str = "",
        traceback_text: str = "",
        pickled: PickledValue | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.type_name = type_name
        self.traceback = traceback_text
        self.pickled = pickled

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"RemoteTaskError({self.type_name or 'Exception'}: {self.message!r})"


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
            pickle=_cloudpickle().dumps(value), repr=_safe_repr(value), type_name=qualified_name(type(value))
        )
    )


def decode_result(result: task_pb2.Result, *, unpickle: bool = False) -> Any:
    """The value of a Result; a pickled object is a ``PickledValue`` unless ``unpickle``."""
    kind = result.WhichOneof("kind")
    if kind == "json":
        return json.loads(result.json)
    if kind == "text":
        return result.text
    if kind == "binary":
        return result.binary.data
    if kind == "python":
        value = PickledValue(result.python.pickle, result.python.repr, result.python.type_name)
        return value.load() if unpickle else value
    return None


def encode_error(exc: BaseException) -> task_pb2.TaskError:
    error = task_pb2.TaskError(
        type=qualified_name(type(exc)),
        message=str(exc),
        traceback="".join(traceback.format_exception(exc)),
    )
    with contextlib.suppress(Exception):  # unpicklable exceptions travel as type + message
        error.pickled_exception = _cloudpickle().dumps(exc)
    return error


def decode_error(error: task_pb2.TaskError, *, unpickle: bool = False) -> BaseException:
    """The task's exception: unpickled with ``unpickle`` when that works, else a RemoteTaskError with
    its type, message and traceback (and the pickle, unread)."""
    pickled = (
        PickledValue(error.pickled_exception, f"{error.type}: {error.message}", error.type)
        if error.pickled_exception
        else None
    )
    if unpickle and pickled is not None:
        try:
            exc = pickled.load()
            if isinstance(exc, BaseException):
                return exc
        except Exception:  # a class missing on this side must not break reading results
            pass
    return RemoteTaskError(
        error.message, type_name=error.type, traceback_text=error.traceback, pickled=pickled
    )


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


def _cloudpickle() -> Any:
    """cloudpickle, imported when something is pickled (workers and job submission), so that reading
    results works without it."""
    try:
        import cloudpickle
    except ImportError as error:  # a client installed without the extra
        raise ImportError(
            "pickling Python objects needs cloudpickle: pip install 'taskstream[objects]'"
        ) from error
    return cloudpickle


def _safe_repr(value: object, limit: int = 4096) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not lose the result
        text = f"<{qualified_name(type(value))} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
