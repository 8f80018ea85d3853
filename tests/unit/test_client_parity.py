"""The sync and asyncio clients offer the same public names with the same signatures.

The sync modules are generated from the asyncio ones (``make unasync``; ``make lint`` checks they are
current), so this pins what generation promises: a caller switching clients renames ``Client`` to
``AsyncClient`` and adds ``await``, nothing else.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

import taskstream
import taskstream.aio

PAIRS = [
    (taskstream.Client, taskstream.aio.AsyncClient),
    (taskstream.Instance, taskstream.aio.AsyncInstance),
    (taskstream.Task, taskstream.aio.AsyncTask),
    (taskstream.Job, taskstream.aio.AsyncJob),
    (taskstream.ClusterJobScheduler, taskstream.aio.AsyncClusterJobScheduler),
    (taskstream.ResultReader, taskstream.aio.AsyncResultReader),
    (taskstream.WorkerDetail, taskstream.aio.AsyncWorkerDetail),
    (taskstream.Schedule, taskstream.aio.AsyncSchedule),
]
_DUNDERS = {"__aenter__": "__enter__", "__aexit__": "__exit__", "__aiter__": "__iter__"}
_KEPT_DUNDERS = {
    "__init__",
    "__enter__",
    "__exit__",
    "__iter__",
    "__getitem__",
    "__eq__",
    "__hash__",
    "__str__",
}


def public_names(cls: type) -> set[str]:
    names = {_DUNDERS.get(name, name) for name in dir(cls)}
    return {name for name in names if not name.startswith("_") or name in _KEPT_DUNDERS}


def attribute(cls: type, name: str) -> Any:
    async_name = {v: k for k, v in _DUNDERS.items()}.get(name, name)
    return inspect.getattr_static(cls, name if hasattr(cls, name) else async_name)


def sync_text(text: str) -> str:
    """An annotation of the asyncio client as the sync client spells it."""
    return re.sub(r"\b(_?)Async(?=[A-Z])", r"\1", text)


def shape(value: Any) -> tuple[str, Any]:
    """What a caller sees of a class attribute: its kind, and its signature or value's type."""
    if isinstance(value, property):
        return "property", describe(value.fget)
    if isinstance(value, staticmethod | classmethod):
        return type(value).__name__, describe(value.__func__)
    if inspect.isfunction(value):
        return "method", describe(value)
    if inspect.isclass(value):
        return "class", value.__qualname__
    return "value", type(value).__name__


def describe(function: Any) -> tuple[tuple[str, str, str, str], ...]:
    signature = inspect.signature(function)
    parameters = tuple(
        (p.name, p.kind.name, repr(p.default), sync_text(str(p.annotation)))
        for p in signature.parameters.values()
    )
    return (*parameters, ("return", "", "", sync_text(str(signature.return_annotation))))


@pytest.mark.parametrize(("sync", "asynchronous"), PAIRS, ids=[s.__name__ for s, _ in PAIRS])
def test_the_same_public_names_with_the_same_signatures(sync: type, asynchronous: type) -> None:
    assert public_names(sync) == public_names(asynchronous)
    for name in sorted(public_names(sync)):
        assert shape(attribute(sync, name)) == shape(attribute(asynchronous, name)), name


def test_the_entry_points_take_the_same_arguments() -> None:
    assert describe(taskstream.connect) == describe(taskstream.aio.connect)
    assert sorted(taskstream.aio.__all__) == sorted(
        ["connect", "AsyncInstanceEvent", "AsyncProjectEvent", *(f"Async{cls.__name__}" for cls, _ in PAIRS)]
    )


def test_what_may_call_the_server_is_awaited_in_the_asyncio_client() -> None:
    instance, task = taskstream.aio.AsyncInstance, taskstream.aio.AsyncTask
    for cls, name in [(instance, "status"), (instance, "owner"), (task, "result"), (task, "task_status")]:
        fget = inspect.getattr_static(cls, name).fget
        assert inspect.iscoroutinefunction(fget), name
    for cls, name in [(instance, "id"), (task, "name"), (task, "id")]:
        assert not inspect.iscoroutinefunction(inspect.getattr_static(cls, name).fget), name
    assert inspect.iscoroutinefunction(instance.resume) and inspect.iscoroutinefunction(instance.suspend)
    assert not inspect.iscoroutinefunction(taskstream.aio.AsyncClient.get_instance)
    assert inspect.iscoroutinefunction(taskstream.aio.AsyncJob.wait_until_done)
