"""Task execution: the worker process and the child processes it runs tasks in.

Worker (supervisor) side, in the worker's asyncio loop:
    worker.py       the WorkerService.Connect session, reconnection, signals: run_worker(), Worker
    outbox.py       the reports not yet sent, taken all at once (and packed into batches)
    slot.py         one slot: tasks handed to its child several at a time, recalls, cancel, timeout,
                    pause, crash
    runs.py         an assignment waiting for a slot, and one handed to a slot
    reports.py      the ConnectRequests a slot sends
    process.py      one spawned child process, its two pipes and its process group
    channel.py      the worker's end of a pipe, on the event loop
    output.py       the slot's output files, each task's range of them cut to head + tail
    deadline.py     the pausable timeout clock
Child side, in each spawned task process:
    child.py        the child's main loop, its control thread and its outgoing frames
    executor.py     running one task
    capture.py      fd-level capture of stdout / stderr into the slot's files
    environments.py task environments set up once per child
    leftovers.py    ending the processes a task left behind
Shared: messages.py (the pipe protocol), errors.py (taskstream.* error types), tasktypes.py, runtime.py
(the server address and SQL data sources every child gets, and the built-in task module).
"""

from .worker import Worker, run_worker

__all__ = ["Worker", "run_worker"]
