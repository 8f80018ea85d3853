"""Task execution: the worker process and the child processes it runs tasks in.

Worker (supervisor) side, in the worker's asyncio loop:
    worker.py       the WorkerService.Connect session, reconnection, signals: run_worker(), Worker
    slot.py         one slot: a task's lifecycle on a child (cancel, timeout, pause, crash)
    process.py      one spawned child process, its pipe and its process group
    output.py       reading captured output and cutting it to head + tail
    deadline.py     the pausable timeout clock
Child side, in each spawned task process:
    executor.py     the child's main loop and running one task
    capture.py      fd-level capture of stdout / stderr
    environments.py task environments set up once per child
Shared: messages.py (the pipe protocol), errors.py (taskstream.* error types), tasktypes.py, runtime.py
(the server address and SQL data sources every child gets, and the built-in task module).
"""

from .worker import Worker, run_worker

__all__ = ["Worker", "run_worker"]
