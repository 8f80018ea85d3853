"""STK's events: handlers on Job and Task called from the watch of the job's instance."""

from __future__ import annotations

import logging
import threading

import grpc
import pytest

from taskstream import Task, TaskProgress, _retry
from taskstream.v1 import task_pb2
from tests.unit.client_fake_streams import Fault
from tests.unit.test_client_fake import serve, task

RUNNING = task_pb2.TASK_STATUS_RUNNING
SUCCESS = task_pb2.TASK_STATUS_SUCCESS
FAILED = task_pb2.TASK_STATUS_FAILED


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry, "STREAM_RETRY", _retry.RetryPolicy(first_delay=0, max_delay=0))


class Work:
    def __init__(self, name: str) -> None:
        self.name = name

    def execute(self) -> None:
        pass


def test_job_and_task_handlers_are_called_as_events_arrive() -> None:
    calls: list[tuple[str, ...]] = []
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Work("a"))
        job.add_task(Work("b"))
        job.task_progress_updated = lambda name, info: calls.append(
            ("job progress", name, str(info.progress), info.additional_information)
        )
        job.task_completed = lambda t: calls.append(("job completed", t.name))
        instance = job.submit()
        assert fake.watching.wait(5)  # the handlers' watch has its snapshot
        a = job.tasks[0]
        a.progress_updated = lambda progress: calls.append(("a progress", str(progress.percent)))
        a.on_completed = lambda t: calls.append(("a completed", t.name, str(t is a)))
        data = fake.instances[instance.name]
        fake.emit_task_status(data, "a", RUNNING)
        fake.emit_progress(data, "a", 50, "half way")
        fake.emit_progress(data, "b", 10)
        fake.finish_with_events(data, SUCCESS, FAILED)
        assert job.wait_until_done(timeout=10) is True
        # Everything was called before wait_until_done returned, in the order the changes happened.
        assert calls == [
            ("a progress", "50"),
            ("job progress", "a", "50", "half way"),
            ("job progress", "b", "10", ""),
            ("a completed", "a", "True"),
            ("job completed", "a"),
            ("job completed", "b"),
        ]
        assert len(fake.requests("WatchInstance")) == 1


def test_without_handlers_nothing_watches() -> None:
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Work("a"))
        instance = job.submit()
        fake.finish(fake.instances[instance.name])
        assert job.wait_until_done() is True
        assert instance._dispatcher is None
        assert fake.requests("WatchInstance") == []


def test_a_handler_set_after_submit_starts_the_watch_and_sees_tasks_that_already_ended() -> None:
    completed: list[str] = []
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Work("a"))
        instance = job.submit()
        fake.finish_with_events(fake.instances[instance.name])
        job.task_completed = lambda t: completed.append(t.name)
        assert job.wait_until_done() is True
        assert completed == ["a"]  # once, from the terminal snapshot


def test_task_handlers_work_on_any_instance_and_see_the_progress_of_the_snapshot() -> None:
    seen: list[object] = []
    done = threading.Event()
    with serve() as (fake, client):
        data = fake.add([task("t", RUNNING)])
        fake.emit_progress(data, "t", 30, "before the watch")
        handle = client.get_instance(data.id).get_task("t")
        handle.progress_updated = lambda progress: seen.append(progress.message)
        handle.on_completed = lambda t: (seen.append(t.name), done.set())
        assert fake.watching.wait(5)
        fake.finish_with_events(data)
        assert done.wait(5)
    assert seen == ["before the watch", "t"]


def test_a_failing_handler_is_logged_and_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    completed: list[str] = []

    def fussy(t: Task) -> None:
        completed.append(t.name)
        if t.name == "a":
            raise RuntimeError("handler bug")

    with serve() as (fake, client), caplog.at_level(logging.ERROR, logger="taskstream"):
        job = client.create_job()
        job.add_task(Work("a"))
        job.add_task(Work("b"))
        job.task_completed = fussy
        instance = job.submit()
        fake.finish_with_events(fake.instances[instance.name])
        assert job.wait_until_done() is True
    assert completed == ["a", "b"]
    assert "handler bug" in caplog.text


def test_when_the_watch_fails_wait_until_done_calls_the_completion_handlers_left(
    caplog: pytest.LogCaptureFixture,
) -> None:
    completed: list[str] = []
    with serve() as (fake, client), caplog.at_level(logging.WARNING, logger="taskstream"):
        fake.watch_faults.append(Fault(code=grpc.StatusCode.PERMISSION_DENIED))
        job = client.create_job()
        job.add_task(Work("a"))
        job.task_completed = lambda t: completed.append(t.name)
        instance = job.submit()
        fake.finish(fake.instances[instance.name])
        assert job.wait_until_done() is True
    assert completed == ["a"]
    assert "failed" in caplog.text


def test_wait_until_done_is_false_while_the_job_runs() -> None:
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Work("a"))
        job.task_completed = lambda t: None
        job.submit()
        assert job.wait_until_done(timeout=0.01) is False
        fake.finish_with_events(fake.instances[job.instance.name])
        assert job.wait_until_done() is True


def test_progress_has_stk_names() -> None:
    progress = TaskProgress(percent=42, message="loading")
    assert (progress.progress, progress.additional_information) == (42, "loading")


def test_closing_the_client_ends_the_watch_quietly(caplog: pytest.LogCaptureFixture) -> None:
    with serve() as (fake, client), caplog.at_level(logging.DEBUG, logger="taskstream"):
        job = client.create_job()
        job.add_task(Work("a"))
        job.task_completed = lambda t: None
        instance = job.submit()
        assert fake.watching.wait(5)
        client.close()
        dispatcher = instance._dispatcher
        assert dispatcher is not None
        thread = dispatcher._background._thread
        thread.join(5)
        assert not thread.is_alive()
    assert "client was closed" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_state_changes_submission_and_completion_of_the_job_in_order() -> None:
    calls: list[tuple[str, ...]] = []
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Work("a"))
        job.job_submitted = lambda j: calls.append(("submitted", str(j is job)))
        job.task_state_changed = lambda before, after, t: calls.append(
            ("state", t.name, before.name, after.name)
        )
        job.task_completed = lambda t: calls.append(("completed", t.name))
        job.job_completed = lambda j: calls.append(("job completed", str(j is job)))
        instance = job.submit()
        assert fake.watching.wait(5)  # the handlers' watch has its snapshot
        data = fake.instances[instance.name]
        fake.emit_task_status(data, "a", RUNNING)
        fake.finish_with_events(data)
        assert job.wait_until_done(timeout=10) is True
    assert calls == [
        ("submitted", "True"),
        ("state", "a", "NOT_SUBMITTED", "WAITING"),  # from the first snapshot
        ("state", "a", "WAITING", "RUNNING"),
        ("state", "a", "RUNNING", "SUCCESS"),
        ("completed", "a"),
        ("job completed", "True"),
    ]


def test_wait_until_done_calls_the_heartbeat_while_it_waits() -> None:
    with serve() as (fake, client):
        job = client.create_job()
        job.add_task(Work("a"))
        instance = job.submit()
        beats: list[int] = []

        def heartbeat() -> None:
            beats.append(1)
            if len(beats) == 3:
                fake.finish(fake.instances[instance.name])

        assert job.wait_until_done(heartbeat_callback=heartbeat, heartbeat_interval=0.01) is True
        assert len(beats) == 3
        waits = fake.wait_timeouts
        assert len(waits) == 4 and all(w <= 0.01 for w in waits)
        assert job.wait_until_done(timeout=0, heartbeat_callback=heartbeat) is True  # known done: no beat
        assert len(beats) == 3
        with pytest.raises(ValueError):
            job.wait_until_done(heartbeat_interval=0)
