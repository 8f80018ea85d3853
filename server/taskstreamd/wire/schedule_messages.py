"""Schedules (domain.schedule_model) as taskstream.v1.Schedule messages."""

from __future__ import annotations

from datetime import timedelta

from taskstream.v1 import schedule_pb2
from taskstreamd import ids
from taskstreamd.domain.schedule_model import OverlapPolicy, Schedule
from taskstreamd.wire.convert import set_timestamp

OVERLAP_PROTO = {
    OverlapPolicy.SKIP: schedule_pb2.OVERLAP_POLICY_SKIP,
    OverlapPolicy.ALLOW: schedule_pb2.OVERLAP_POLICY_ALLOW,
    OverlapPolicy.CANCEL_PREVIOUS: schedule_pb2.OVERLAP_POLICY_CANCEL_PREVIOUS,
}
OVERLAP_OF = {v: k for k, v in OVERLAP_PROTO.items()} | {
    schedule_pb2.OVERLAP_POLICY_UNSPECIFIED: OverlapPolicy.SKIP
}


def fill_schedule(message: schedule_pb2.Schedule, schedule: Schedule) -> None:
    """Fills an empty Schedule message in place; the template is what the caller gave, but for the
    pickled objects of Python-object tasks."""
    message.name = schedule.name
    message.id = schedule.id
    message.project = schedule.project
    message.owner = schedule.owner
    timing = schedule.timing
    if timing.interval is not None:
        message.interval.FromTimedelta(timedelta(seconds=timing.interval))
    else:
        message.cron.expression = timing.cron
        message.cron.time_zone = timing.time_zone
    message.instance_template.ParseFromString(schedule.template)
    for task in message.instance_template.tasks:  # code stays with the server, as with instances' tasks
        task.ClearField("python_object")
        task.ClearField("python_environment")
    message.overlap_policy = OVERLAP_PROTO[schedule.overlap]
    message.catch_up_window.FromTimedelta(timedelta(seconds=schedule.catch_up_window))
    message.paused = schedule.paused
    set_timestamp(message.create_time, schedule.create_time)
    if schedule.update_time is not None:
        set_timestamp(message.update_time, schedule.update_time)
    upcoming = schedule.next_fire_time()
    if upcoming is not None:
        set_timestamp(message.next_fire_time, upcoming)
    if schedule.last_fire_time is not None:
        set_timestamp(message.last_fire_time, schedule.last_fire_time)
    if schedule.last_instance:
        message.last_instance = ids.instance_name(schedule.project, schedule.last_instance)
    message.fire_count = schedule.fire_count
    message.skip_count = schedule.skip_count
    message.miss_count = schedule.miss_count
    message.last_error = schedule.last_error
    if schedule.last_error_time is not None:
        set_timestamp(message.last_error_time, schedule.last_error_time)
    message.request_id = schedule.request_id


def schedule_proto(schedule: Schedule) -> schedule_pb2.Schedule:
    message = schedule_pb2.Schedule()
    fill_schedule(message, schedule)
    return message
