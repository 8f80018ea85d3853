"""The names STK's Python API (``agiparallel``) users look for, in one place.

    from taskstream.stk import ClusterJobScheduler, TaskStatus

    with ClusterJobScheduler("127.0.0.1", 50051) as scheduler:
        scheduler.connect()
        job = scheduler.create_job()
        job.add_task(MyTask())  # an object with execute(); it runs in a worker
        job.submit()
        job.wait_until_done()
        if job.tasks[0].task_status == TaskStatus.COMPLETED:
            print(job.tasks[0].result)

``TaskStatus`` has STK's names (NOT_SUBMITTED, SUBMITTED, COMPLETED, CANCELED …) and numbers;
``TaskCancellationReason`` is ``taskstream.CancellationReason``. See ``Job`` for the events and for why a
job's own results are unpickled.
"""

from taskstream._jobs import JobPriority
from taskstream._sync.job import Job
from taskstream._sync.scheduler import ClusterJobScheduler
from taskstream._sync.task import Task
from taskstream.authoring import TaskEnvironment
from taskstream.status import CancellationReason, TaskStatus

TaskCancellationReason = CancellationReason

__all__ = [
    "ClusterJobScheduler",
    "Job",
    "JobPriority",
    "Task",
    "TaskCancellationReason",
    "TaskEnvironment",
    "TaskStatus",
]
