"""taskstream for asyncio: the same client as ``taskstream.connect()``, with coroutines and async iterators.

    import taskstream.aio

    async with taskstream.aio.connect("127.0.0.1:50051", project="default") as client:
        instance = await client.run_task("echo", {"text": "hi"}, hold=True)
        async for event in instance.watch():
            if isinstance(event, taskstream.InstanceSnapshot) and event.status.name == "SUSPENDED":
                await instance.resume()  # created held: watching started before anything ran
        print(await instance.get_task_result())

Both clients are one implementation (the sync one is generated from this one), so every name and
signature matches ``taskstream``'s with ``Async`` in front of the class names. Every method that may call
the server is a coroutine, and so is every attribute that may: ``await instance.status``,
``await task.result``. What never calls the server stays plain: ``client.get_instance(id)``,
``instance.get_task(name)``, ``client.create_job()``, ``instance.open_reader()`` (then ``async with`` /
``async for``). STK handlers may be coroutine functions. The events are the sync client's classes
holding ``AsyncInstance`` and ``AsyncTask`` handles; errors are the same ``taskstream.errors``.
"""

from taskstream._async.client import AsyncClient, AsyncProjectEvent, connect
from taskstream._async.instance import AsyncInstance, AsyncInstanceEvent
from taskstream._async.job import AsyncJob
from taskstream._async.result_rows import AsyncResultReader
from taskstream._async.schedule import AsyncSchedule
from taskstream._async.scheduler import AsyncClusterJobScheduler
from taskstream._async.task import AsyncTask
from taskstream._async.worker import AsyncWorkerDetail

__all__ = [
    "AsyncClient",
    "AsyncClusterJobScheduler",
    "AsyncInstance",
    "AsyncInstanceEvent",
    "AsyncJob",
    "AsyncProjectEvent",
    "AsyncResultReader",
    "AsyncSchedule",
    "AsyncTask",
    "AsyncWorkerDetail",
    "connect",
]
