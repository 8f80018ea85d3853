"""TaskProgress / StageProgress, formatted exactly as PyODPS's get_stage_progress_formatted_string."""

from __future__ import annotations

import datetime as dt
import re

from taskstream._progress import StageProgress, TaskProgress
from taskstream.v1 import task_pb2
from tests.unit.test_client_fake import serve, task

CLOCK = dt.datetime(2015, 11, 19, 16, 39, 7)


def test_formatted_string_matches_pyodps_docstring_example() -> None:
    progress = TaskProgress(
        [
            StageProgress("M1_Stg1_job0", total_workers=1),
            StageProgress("R2_1_Stg1_job0", total_workers=1),
        ]
    )
    assert (
        progress.get_stage_progress_formatted_string(now=CLOCK)
        == "2015-11-19 16:39:07 M1_Stg1_job0:0/0/1[0%]\tR2_1_Stg1_job0:0/0/1[0%]\t"
    )


def test_formatted_string_orders_running_terminated_total_and_shows_backups_only_when_positive() -> None:
    progress = TaskProgress(
        [
            StageProgress(
                "M1_Stg1_job0", backup_workers=2, terminated_workers=3, running_workers=5, total_workers=10,
                finished_percentage=30,
            ),
            StageProgress("R2_1", terminated_workers=1, total_workers=1, finished_percentage=100),
        ]
    )  # fmt: skip
    assert (
        progress.get_stage_progress_formatted_string(now=CLOCK)
        == "2015-11-19 16:39:07 M1_Stg1_job0:5/3/10(+2 backups)[30%]\tR2_1:0/1/1[100%]\t"
    )


def test_formatted_string_without_stages_is_the_clock_and_a_space() -> None:
    assert TaskProgress().get_stage_progress_formatted_string(now=CLOCK) == "2015-11-19 16:39:07 "


def test_formatted_string_uses_the_local_clock_by_default() -> None:
    before = dt.datetime.now().replace(microsecond=0)
    text = TaskProgress([StageProgress("S", total_workers=1)]).get_stage_progress_formatted_string()
    after = dt.datetime.now()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d S:0/0/1\[0%\]\t", text)
    assert before <= dt.datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S") <= after


def test_instance_get_task_progress_reads_the_stages_and_stk_percent() -> None:
    progress = task_pb2.Progress(
        percent=40,
        message="reading",
        stages=[
            task_pb2.StageProgress(
                name="M1_Stg1_job0", backup_workers=1, terminated_workers=1, running_workers=1,
                total_workers=3, input_records=100, output_records=7, finished_percentage=33,
            )
        ],
    )  # fmt: skip
    progress.update_time.FromSeconds(1_700_000_050)
    with serve() as (fake, client):
        data = fake.add([task("only", task_pb2.TASK_STATUS_RUNNING, progress=progress)])
        result = client.get_instance(data.id).get_task_progress()
    assert result.stages == [
        StageProgress(
            name="M1_Stg1_job0", backup_workers=1, terminated_workers=1, running_workers=1, total_workers=3,
            input_records=100, output_records=7, finished_percentage=33,
        )
    ]  # fmt: skip
    assert (result.percent, result.message) == (40, "reading")
    assert result.update_time == dt.datetime(2023, 11, 14, 22, 14, 10, tzinfo=dt.UTC)
    assert result.get_stage_progress_formatted_string(now=CLOCK).endswith(
        "M1_Stg1_job0:1/1/3(+1 backups)[33%]\t"
    )
