"""A task's progress: PyODPS's TaskProgress / StageProgress and STK's percent plus message."""

from __future__ import annotations

import dataclasses
import datetime as dt

from taskstream._convert import optional_datetime
from taskstream.v1 import task_pb2


@dataclasses.dataclass(frozen=True)
class StageProgress:
    """One stage of a task, with PyODPS's field names."""

    name: str
    backup_workers: int = 0
    terminated_workers: int = 0
    running_workers: int = 0
    total_workers: int = 0
    input_records: int = 0
    output_records: int = 0
    finished_percentage: int = 0

    @classmethod
    def from_proto(cls, stage: task_pb2.StageProgress) -> StageProgress:
        return cls(
            name=stage.name,
            backup_workers=stage.backup_workers,
            terminated_workers=stage.terminated_workers,
            running_workers=stage.running_workers,
            total_workers=stage.total_workers,
            input_records=stage.input_records,
            output_records=stage.output_records,
            finished_percentage=stage.finished_percentage,
        )

    def formatted(self) -> str:
        """``NAME:RUNNING/TERMINATED/TOTAL[(+N backups)][PCT%]`` followed by a tab, as PyODPS writes it."""
        backups = f"(+{self.backup_workers} backups)" if self.backup_workers > 0 else ""
        return (
            f"{self.name}:{self.running_workers}/{self.terminated_workers}/{self.total_workers}"
            f"{backups}[{self.finished_percentage}%]\t"
        )


@dataclasses.dataclass(frozen=True)
class TaskProgress:
    """The latest progress a task reported: its ``stages`` (PyODPS) and ``percent`` / ``message`` (STK)."""

    stages: list[StageProgress] = dataclasses.field(default_factory=list)
    percent: int = 0
    message: str = ""
    update_time: dt.datetime | None = None

    @classmethod
    def from_proto(cls, progress: task_pb2.Progress) -> TaskProgress:
        return cls(
            stages=[StageProgress.from_proto(stage) for stage in progress.stages],
            percent=progress.percent,
            message=progress.message,
            update_time=optional_datetime(progress, "update_time"),
        )

    @property
    def progress(self) -> int:
        """STK's name for ``percent``, as its task_progress_updated info carries it."""
        return self.percent

    @property
    def additional_information(self) -> str:
        """STK's name for ``message``."""
        return self.message

    def get_stage_progress_formatted_string(self, now: dt.datetime | None = None) -> str:
        """The stages on one line as PyODPS prints them, after the local clock (or ``now``).

        >>> progress = TaskProgress([StageProgress("M1_Stg1_job0", total_workers=1)])
        >>> progress.get_stage_progress_formatted_string(now=dt.datetime(2015, 11, 19, 16, 39, 7))
        '2015-11-19 16:39:07 M1_Stg1_job0:0/0/1[0%]\\t'
        """
        clock = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
        return clock + " " + "".join(stage.formatted() for stage in self.stages)
