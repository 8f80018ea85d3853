"""Schedules against a real server with real workers, on SQLite and PostgreSQL (issue 22): a trigger
starts an instance that names its schedule, an interval schedule fires on its own, a restart catches up
the fire times it was away for and fires none twice, and each firing checks its creator's permissions
as they are then.

Firing is a matter of the clock: the tests wait (bounded) for conditions the firings make true, never
for a fixed time.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import grpc
import pytest

import taskstream
from taskstream import AlreadyExistsError, NotFoundError, OverlapPolicy, TaskSpec
from taskstream.v1 import schedule_pb2, task_pb2
from taskstream.v1 import schedule_service_pb2 as spb
from taskstream.v1 import schedule_service_pb2_grpc as spb_grpc
from tests.integration.conftest import eventually
from tests.support.server import ServerProcess

SCHEDULE_LABEL = "taskstream.schedule"
FIRE_TIME_LABEL = "taskstream.fire_time"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, store: str, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    db: list[str] = []
    if store == "postgresql":
        db = ["--db", request.getfixturevalue("postgres").create_database()]
    process = ServerProcess(tmp_path_factory.mktemp("schedules"), "--grace-period", "1", *db).start()
    yield process
    process.stop()


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def fire_times(client: taskstream.Client, schedule_id: str) -> list[str]:
    """The fire times of the instances the schedule started on its own, in order."""
    found = client.list_instances(labels={SCHEDULE_LABEL: schedule_id})
    return sorted(t for i in found if (t := i.labels.get(FIRE_TIME_LABEL)) is not None)


def test_a_triggered_schedule_starts_an_instance_that_names_it(client: taskstream.Client) -> None:
    schedule_id = new_id("hourly")
    schedule = client.create_schedule(
        schedule_id, interval=3600, tasks=[TaskSpec("echo", {"n": 1})], labels={"team": "data"}
    )
    assert schedule.name == f"projects/{client.project}/schedules/{schedule_id}"
    assert schedule.interval == 3600 and schedule.overlap is OverlapPolicy.SKIP and not schedule.paused
    assert schedule.create_time is not None and schedule.next_fire_time is not None
    assert schedule.next_fire_time - schedule.create_time == dt.timedelta(hours=1)
    with pytest.raises(AlreadyExistsError):
        client.create_schedule(schedule_id, interval=60, tasks=[TaskSpec("echo")])

    instance = schedule.trigger()
    instance.wait_for_success(timeout=60)
    assert instance.schedule == schedule.name and instance.owner == client.owner
    assert instance.labels == {"team": "data", SCHEDULE_LABEL: schedule_id}
    assert instance.get_task_result() == {"n": 1}
    assert schedule.fire_count == 1 and schedule.last_instance == instance
    assert schedule_id in [s.id for s in client.list_schedules()]

    schedule.pause()
    assert schedule.paused and schedule.next_fire_time is None
    again = client.get_schedule(schedule_id)
    assert again.paused and again.fire_count == 1
    schedule.resume()
    assert not schedule.paused and schedule.next_fire_time is not None

    schedule.delete()
    with pytest.raises(NotFoundError):
        client.get_schedule(schedule_id)
    assert instance.is_successful()  # what it started stays


def test_an_interval_schedule_fires_on_its_own_once_per_fire_time(client: taskstream.Client) -> None:
    schedule_id = new_id("every-second")
    schedule = client.create_schedule(
        schedule_id, interval=1, tasks=[TaskSpec("echo")], overlap="allow", request_id=schedule_id
    )
    retried = client.create_schedule(
        schedule_id, interval=1, tasks=[TaskSpec("echo")], overlap="allow", request_id=schedule_id
    )
    assert retried.create_time == schedule.create_time  # a retry of the create, not another schedule
    eventually(lambda: len(fire_times(client, schedule_id)) >= 3, timeout=60, what="three firings")
    schedule.pause()
    times = fire_times(client, schedule_id)
    assert len(times) == len(set(times)) == schedule.fire_count
    assert schedule.create_time is not None
    expected = [schedule.create_time + dt.timedelta(seconds=k) for k in range(1, len(times) + 1)]
    assert [dt.datetime.fromisoformat(t) for t in times] == expected  # none twice, none left out
    schedule.delete()


def test_a_template_is_held_to_the_limits_of_create_instance(client: taskstream.Client) -> None:
    with pytest.raises(taskstream.InvalidArgumentError) as refused:
        client.create_schedule(
            new_id("bad"),
            cron="0 2 30 2 *",
            time_zone="Nowhere/Atlantis",
            tasks=[TaskSpec("echo", name="x"), TaskSpec("echo", name="x")],
            labels={SCHEDULE_LABEL: "mine"},
        )
    fields = {v.field for v in refused.value.field_violations}
    assert fields == {
        "schedule.cron.expression",
        "schedule.cron.time_zone",
        "schedule.instance_template.tasks[1].name",
        f"schedule.instance_template.labels['{SCHEDULE_LABEL}']",
    }


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_restart_catches_up_what_it_was_away_for_and_fires_nothing_twice(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    db: list[str] = []
    if store == "postgresql":
        db = ["--db", request.getfixturevalue("postgres").create_database()]
    data = tmp_path / "data"
    server = ServerProcess(data, *db, workers=1).start()
    with taskstream.connect(server.address, project="restarts") as client:
        schedule = client.create_schedule(
            "ticks", interval=1, tasks=[TaskSpec("noop")], overlap="allow", catch_up_window=600
        )
        eventually(lambda: len(fire_times(client, "ticks")) >= 2, timeout=60, what="two firings")
    server.stop()
    stopped = dt.datetime.now(dt.UTC)
    server = ServerProcess(data, *db, workers=1).start()  # a start takes longer than a fire time
    started = dt.datetime.now(dt.UTC)
    try:
        with taskstream.connect(server.address, project="restarts") as client:
            eventually(lambda: client.get_schedule("ticks").last_fire_time >= started, timeout=60)  # type: ignore[operator]
            client.get_schedule("ticks").pause()
            times = [dt.datetime.fromisoformat(t) for t in fire_times(client, "ticks")]
            assert schedule.create_time is not None
            expected = [schedule.create_time + dt.timedelta(seconds=k) for k in range(1, len(times) + 1)]
            assert times == expected  # each fire time once, those of the downtime too
            assert any(stopped < t < started for t in times)
            assert client.get_schedule("ticks").miss_count == 0
    finally:
        server.stop()


class Adds:
    def execute(self) -> None:
        self.result = 1 + 1


TOKENS = """
[[token]]
principal = "alice"
token = "alice-token-0123456789"
write = ["alpha"]
submit_code = {alice_code}

[[token]]
principal = "bob"
token = "bob-token-0123456789abc"
write = ["alpha"]
submit_code = true

[[token]]
principal = "carol"
token = "carol-token-0123456789"
write = ["alpha"]
"""


def code_schedule(schedule_id: str) -> spb.CreateScheduleRequest:
    spec = task_pb2.TaskSpec(python_object=cloudpickle.dumps(Adds()))
    schedule = schedule_pb2.Schedule(
        interval=dict(seconds=1),  # type: ignore[arg-type]
        instance_template=schedule_pb2.InstanceTemplate(tasks=[spec]),
        paused=True,
    )
    return spb.CreateScheduleRequest(parent="projects/alpha", schedule_id=schedule_id, schedule=schedule)


def as_(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def test_code_needs_submit_code_to_create_trigger_and_fire_and_a_revoked_right_stops_the_firings(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(TOKENS.format(alice_code="true"))
    server = ServerProcess(data, "--auth-file", str(tokens), "--allow-code", workers=1).start()
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = spb_grpc.ScheduleServiceStub(channel)
            with pytest.raises(grpc.RpcError) as denied:
                stub.CreateSchedule(code_schedule("carols"), metadata=as_("carol-token-0123456789"))
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
            created = stub.CreateSchedule(code_schedule("alices"), metadata=as_("alice-token-0123456789"))
            # Readers of the project see the template, not the pickled code in it.
            assert created.schedule.instance_template.tasks[0].python_object == b""
            name = "projects/alpha/schedules/alices"
            with pytest.raises(grpc.RpcError) as denied:  # a trigger runs the code now: carol may not
                stub.TriggerSchedule(
                    spb.TriggerScheduleRequest(name=name), metadata=as_("carol-token-0123456789")
                )
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
            triggered = stub.TriggerSchedule(
                spb.TriggerScheduleRequest(name=name), metadata=as_("bob-token-0123456789abc")
            )
            assert triggered.instance.owner == "alice"  # it runs as its creator, whoever triggers it
    finally:
        server.stop()

    tokens.write_text(TOKENS.format(alice_code="false"))  # alice may no longer submit code
    server = ServerProcess(data, "--auth-file", str(tokens), "--allow-code", workers=1).start()
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = spb_grpc.ScheduleServiceStub(channel)
            bob = as_("bob-token-0123456789abc")
            with pytest.raises(grpc.RpcError) as denied:
                stub.TriggerSchedule(spb.TriggerScheduleRequest(name=name), metadata=bob)
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
            assert "alice" in (denied.value.details() or "")  # type: ignore[attr-defined]
            stub.ResumeSchedule(spb.ResumeScheduleRequest(name=name), metadata=bob)

            def failed() -> bool:
                got = stub.GetSchedule(spb.GetScheduleRequest(name=name), metadata=bob).schedule
                return got.skip_count > 0

            eventually(failed, timeout=60, what="a firing refused for alice's revoked right")
            got = stub.GetSchedule(spb.GetScheduleRequest(name=name), metadata=bob).schedule
            assert "alice" in got.last_error and got.fire_count == 1  # only the first trigger started one
    finally:
        server.stop()
