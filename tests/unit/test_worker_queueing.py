"""The worker with several tasks at once (tests/unit/fake_worker_service.py): assignments that come in one
batch are handed to a slot's child together, reports go back in batches to a server that takes them, and
a task waiting in a child behind another is cancelled, paused, dropped, given back or run elsewhere exactly
as if it had waited in the worker; a crash gives the waiting tasks back instead of failing them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taskstream import values as _values
from taskstream.v1 import task_pb2, worker_service_pb2
from taskstreamd.workers import output, slot
from tests.unit.fake_worker_service import FakeWorkerService, WorkerThread, alive, duration, wait_state

SUCCESS = task_pb2.TASK_STATUS_SUCCESS


@pytest.fixture
def one_slot() -> Iterator[FakeWorkerService]:
    """A batching fake server and a worker with one slot: tasks sent together queue in its child."""
    fake = FakeWorkerService(batches=True)
    worker = WorkerThread(fake.address, slots=1)
    fake.wait_for(lambda: fake.registrations or None)
    yield fake
    assert worker.stop() == 0
    fake.stop()


def test_batches_are_negotiated_and_a_tasks_end_goes_in_one_batch(one_slot: FakeWorkerService) -> None:
    assert one_slot.registrations[0].accepts_batches
    echo, pid, noop = one_slot.assign_together("t.echo", "t.pid", "t.noop")
    assert [one_slot.finished(aid).status for aid in (echo, pid, noop)] == [SUCCESS] * 3
    # Its output and its end are put together, so they leave in one batch.
    together = ["output", "output", "finished"]
    assert any(
        batch[i : i + len(together)] == together
        for batch in one_slot.received_batches
        for i in range(len(batch))
    )
    assert one_slot.text(echo) == "to stdout\nraw fd 1\nhi\nfrom C\n"


def test_a_worker_sends_no_batch_to_a_server_that_did_not_say_it_takes_them() -> None:
    fake = FakeWorkerService(batches=False)
    worker = WorkerThread(fake.address, slots=1)
    try:
        aids = fake.assign_together("t.echo", "t.noop")
        assert [fake.finished(aid).status for aid in aids] == [SUCCESS] * 2
        assert fake.received_batches == []
    finally:
        assert worker.stop() == 0
        fake.stop()


def test_a_task_waiting_behind_another_is_cancelled_without_starting(one_slot: FakeWorkerService) -> None:
    running, waiting = one_slot.assign_together("t.wait_cancel", "t.echo")
    one_slot.property(running, "pid")
    one_slot.cancel(waiting, grace=15)
    finished = one_slot.finished(waiting)
    assert finished.status == task_pb2.TASK_STATUS_CANCELLED and not finished.started
    assert one_slot.kinds(waiting) == ["finished"]
    one_slot.cancel(running, grace=15)
    assert one_slot.finished(running).status == task_pb2.TASK_STATUS_CANCELLED
    assert one_slot.finished(one_slot.assign("t.noop")).status == SUCCESS
    assert one_slot.kinds(waiting) == ["finished"]  # it never ran after all


def test_a_task_waiting_behind_another_is_given_back_or_dropped(one_slot: FakeWorkerService) -> None:
    running, given, dropped = one_slot.assign_together("t.wait_cancel", "t.noop", "t.noop")
    one_slot.property(running, "pid")
    one_slot.send(take_back=worker_service_pb2.TakeBackTask(assignment_id=given))
    one_slot.send(drop=worker_service_pb2.DropTask(assignment_id=dropped, reason="lease lost"))
    answer = one_slot.wait_for(lambda: next(iter(one_slot.of(given, "taken_back")), None))
    assert answer.taken_back
    one_slot.cancel(running, grace=15)
    one_slot.finished(running)
    assert one_slot.finished(one_slot.assign("t.noop")).status == SUCCESS  # the slot ran nothing else first
    assert one_slot.kinds(given) == ["taken_back"] and one_slot.kinds(dropped) == []


def test_a_task_paused_while_waiting_behind_another_waits_until_resumed(one_slot: FakeWorkerService) -> None:
    running, paused = one_slot.assign_together("t.wait_cancel", "t.noop")
    one_slot.property(running, "pid")
    one_slot.send(suspend=worker_service_pb2.SuspendTask(assignment_id=paused))
    one_slot.paused(paused, True)
    one_slot.cancel(running, grace=15)
    one_slot.finished(running)
    later = one_slot.assign("t.noop")
    assert one_slot.finished(later).status == SUCCESS  # it ran in the slot the paused one skipped
    assert one_slot.of(paused, "finished") == []
    one_slot.send(resume=worker_service_pb2.ResumeTask(assignment_id=paused))
    assert one_slot.finished(paused).status == SUCCESS


def test_pausing_a_task_gives_back_what_waits_behind_it_first(one_slot: FakeWorkerService) -> None:
    running, waiting = one_slot.assign_together("t.wait_cancel", "t.noop")
    pid = one_slot.property(running, "pid")
    one_slot.send(suspend=worker_service_pb2.SuspendTask(assignment_id=running))
    one_slot.paused(running, True)
    wait_state(pid, stopped=True)
    # The stopped child holds nothing back: the waiting task is the worker's again, so it is given back.
    one_slot.send(take_back=worker_service_pb2.TakeBackTask(assignment_id=waiting))
    answer = one_slot.wait_for(lambda: next(iter(one_slot.of(waiting, "taken_back")), None))
    assert answer.taken_back
    one_slot.send(resume=worker_service_pb2.ResumeTask(assignment_id=running))
    one_slot.paused(running, False)
    one_slot.cancel(running, grace=15)
    assert one_slot.finished(running).status == task_pb2.TASK_STATUS_CANCELLED
    assert one_slot.kinds(waiting) == ["taken_back"]


def test_dropping_a_running_task_kills_it_and_what_waited_behind_it_runs(one_slot: FakeWorkerService) -> None:
    dropped, waiting = one_slot.assign_together("t.ignore_cancel", "t.pid")
    pid = one_slot.property(dropped, "pid")
    one_slot.send(drop=worker_service_pb2.DropTask(assignment_id=dropped, reason="lease lost"))
    finished = one_slot.finished(waiting)
    assert finished.status == SUCCESS
    assert _values.decode_result(finished.result) != pid  # in the process that replaced the killed one
    assert not alive(pid)
    assert one_slot.of(dropped, "finished") == []


def test_a_crash_fails_only_the_running_task_and_the_waiting_ones_run_in_a_new_process(
    one_slot: FakeWorkerService,
) -> None:
    crashing, first, second = one_slot.assign_together("t.segv", "t.pid", "t.pid")
    crashed = one_slot.finished(crashing)
    assert crashed.status == task_pb2.TASK_STATUS_FAILED
    assert crashed.error.type == "taskstream.ProcessCrashed"
    assert [one_slot.finished(aid).status for aid in (first, second)] == [SUCCESS] * 2
    pids = {_values.decode_result(one_slot.finished(aid).result) for aid in (first, second)}
    assert len(pids) == 1  # the new process, reused


def test_a_quiet_long_task_is_seen_started_and_its_output_streams_while_it_runs(
    one_slot: FakeWorkerService,
) -> None:
    # Its start travels with its end, which is far off: the worker learns of it from the start mark.
    aid = one_slot.assign("t.quiet_wait")
    one_slot.wait_for(lambda: one_slot.of(aid, "started") or None)
    one_slot.wait_for(lambda: one_slot.text(aid) == "working\n" or None)
    assert one_slot.of(aid, "finished") == []
    one_slot.cancel(aid, grace=15)
    finished = one_slot.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_CANCELLED and not finished.started  # reported before
    assert one_slot.kinds(aid)[:2] == ["started", "output"]


def test_a_quiet_task_times_out_from_its_start(one_slot: FakeWorkerService) -> None:
    aid = one_slot.assign("t.quiet_wait", timeout=duration(0.3))
    finished = one_slot.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_TIMED_OUT
    assert finished.error.type == "taskstream.TaskTimeout"


def test_a_task_that_ends_its_process_runs_once_and_fails(
    one_slot: FakeWorkerService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slot, "START_REPORT_DELAY", 3600.0)  # no tick looks at the start mark first
    runs = tmp_path / "runs"
    aid = one_slot.assign("t.exit", {"runs": str(runs)})
    finished = one_slot.finished(aid)
    assert finished.status == task_pb2.TASK_STATUS_FAILED
    assert finished.error.type == "taskstream.ProcessCrashed"
    # Its start was still held when it died: the start mark said it began, so it is not run again.
    assert runs.read_text() == "ran\n"
    assert one_slot.finished(one_slot.assign("t.noop")).status == SUCCESS


def test_tasks_waiting_behind_a_long_one_are_run_by_another_slot() -> None:
    fake = FakeWorkerService(batches=True)
    worker = WorkerThread(fake.address, slots=2)
    try:
        # Four at once: two to each slot's child. The first slot's first task runs long.
        long, behind, quick, quicker = fake.assign_together("t.wait_cancel", "t.pid", "t.noop", "t.noop")
        long_pid = fake.property(long, "pid")
        behind_pid = _values.decode_result(fake.finished(behind).result)  # while the long one still runs
        assert behind_pid != long_pid
        assert fake.of(long, "finished") == []
        fake.cancel(long, grace=15)
        assert fake.finished(long).status == task_pb2.TASK_STATUS_CANCELLED
        assert [fake.finished(aid).status for aid in (quick, quicker)] == [SUCCESS] * 2
    finally:
        assert worker.stop() == 0
        fake.stop()


def test_output_stays_right_across_file_rotations(
    one_slot: FakeWorkerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "ROTATE_BYTES", 300)  # the worker runs in this process
    sizes = [250, 120, 400, 30, 260]
    aids = [one_slot.assign("t.write", {"size": size}) for size in sizes]
    for aid, size in zip(aids, sizes, strict=True):
        assert one_slot.finished(aid).stdout_bytes == size
        data = b"".join(d for _, d in one_slot.output(aid))
        assert data == bytes(i % 251 for i in range(size))


def test_rotated_files_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "ROTATE_BYTES", 100)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # where the worker makes its directory
    fake = FakeWorkerService(batches=True)
    worker = WorkerThread(fake.address, slots=1)
    try:
        for _ in range(4):
            assert fake.finished(fake.assign("t.write", {"size": 150})).status == SUCCESS
        (workdir,) = tmp_path.glob("taskstream-worker-*")
        # The current pair of output files and the started file, besides the worker's lock (scratch.py).
        assert len([p for p in workdir.iterdir() if p.name != ".alive"]) == 3
    finally:
        assert worker.stop() == 0
        fake.stop()
    assert list(tmp_path.glob("taskstream-worker-*")) == []
