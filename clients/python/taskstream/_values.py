"""Deprecated private name of ``taskstream.values``, kept importable until ``taskstreamd`` imports the
public module (see the packaging notes in clients/python/README.md)."""

from taskstream.values import (
    PickledValue,
    PropertyType,
    RemoteTaskError,
    decode_error,
    decode_property,
    decode_result,
    encode_error,
    encode_property,
    encode_result,
    qualified_name,
)

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
