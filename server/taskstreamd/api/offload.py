"""Work that grows with a request's size, run off the event loop when the request is big.

Validating a CreateInstance parses every task's JSON parameters, and fingerprinting it serializes it
again; for a request of many tasks or megabytes that stalls every other call on the loop, health checks
included. Such work runs on a thread of its own, where the interpreter hands the loop the GIL every few
milliseconds; a small request's work stays on the loop, where the hop to a thread would cost more than it.
One thread: the GIL lets no two validations run at once anyway, and big requests then wait in line
instead of each holding its own thread and copy.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from google.protobuf.message import Message

INLINE_TASKS = 64
INLINE_BYTES = 256 * 1024

P = ParamSpec("P")
T = TypeVar("T")


def is_small(request: Message) -> bool:
    """Whether work on ``request`` is quick enough for the loop (a CreateInstanceRequest's tasks are
    counted first, so the size of a huge one is never computed)."""
    tasks = getattr(request, "tasks", ())
    return len(tasks) <= INLINE_TASKS and request.ByteSize() <= INLINE_BYTES


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="taskstreamd-big-request")


async def run(request: Message, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)``: here for a small ``request``, on the big-request thread otherwise."""
    if is_small(request):
        return work(*args, **kwargs)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(work, *args, **kwargs))
