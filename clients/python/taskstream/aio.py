"""taskstream for asyncio: the same client as ``taskstream.connect()``, with coroutines and async iterators.

    import taskstream.aio

    async with taskstream.aio.connect("127.0.0.1:50051", project="default") as client:
        instance = await client.run_task("echo", {"text": "hi"})
        async for event in instance.watch():
            print(event)
        print(await instance.get_task_result())

The events are the sync client's classes (``taskstream.InstanceSnapshot`` …) holding ``AsyncInstance``
and ``AsyncTask`` handles; errors are the same ``taskstream.errors``.
"""

from taskstream._aio_client import AsyncClient, connect
from taskstream._aio_instance import AsyncInstance, AsyncInstanceEvent
from taskstream._aio_task import AsyncTask

__all__ = ["AsyncClient", "AsyncInstance", "AsyncInstanceEvent", "AsyncTask", "connect"]
