"""The client, written once: these asyncio modules are the source of both clients.

``clients/python/tools/unasync.py`` writes ``taskstream/_sync/`` from them (``make unasync``), dropping
``async`` / ``await`` and the ``Async`` prefixes; ``make lint`` fails when a generated file differs from
what the script writes. Only ``_backend.py`` (sleeping, channels, running STK handlers in the
background) is written by hand on both sides.

Why generate the sync code instead of a sans-IO core with two thin shells (as httpx does)? The parts
that decide anything without I/O were already shared here (``WatchCursor``, ``InstancesWait``,
``OutputCursor``, ``TaskData``, the request builders) and the two clients drifted anyway: what drifted
were the shells themselves, the ~600 lines of "call, absorb the answer, decide what to fetch", copied
and edited in one copy only (the asyncio client lost resume, suspend and jobs; one ``start_time``
re-read the server while the other read its cache). With generation there are no shells to keep in
step: one text, two renderings, a check that they agree, and a test that their public names and
signatures match.

What follows for the asyncio client: every method that may call the server is a coroutine, and so is
every attribute that may (``await instance.status``, ``await task.result``, ``await
instance.get_task()``); what never needs the server (``id``, ``name``, ``get_instance(id)``,
``create_job()``, ``watch()``) is plain.
"""
