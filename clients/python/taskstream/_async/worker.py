"""PyODPS's worker details (``get_task_workers``): the worker that runs or ran a task, and its log."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskstream._async.instance import AsyncInstance


@dataclasses.dataclass(frozen=True)
class AsyncWorkerDetail:
    """One worker of a task, with PyODPS's WorkerDetail2 fields: ``id`` (the worker session), ``log_id``
    (for ``get_worker_log``), ``type`` (the task's type), ``start_time`` / ``end_time`` (POSIX seconds,
    None when not reached), ``status`` and the records its stages read and wrote."""

    parent: AsyncInstance = dataclasses.field(repr=False, compare=False)
    id: str
    log_id: str
    type: str
    start_time: int | None
    end_time: int | None
    status: str
    input_records: int
    output_records: int

    @classmethod
    def from_entry(cls, parent: AsyncInstance, entry: dict[str, Any]) -> AsyncWorkerDetail:
        return cls(
            parent=parent,
            id=entry["id"],
            log_id=entry["logId"],
            type=entry["type"],
            start_time=entry["startTime"],
            end_time=entry["endTime"],
            status=entry["status"],
            input_records=entry["input_records"],
            output_records=entry["output_records"],
        )

    async def get_log(self, log_type: str, size: int = 0) -> str:
        """The worker's "stdout" or "stderr" (see ``Instance.get_worker_log``)."""
        return await self.parent.get_worker_log(self.log_id, log_type, size=size)
