"""The text payloads replicas send each other through PostgreSQL NOTIFY."""

from __future__ import annotations

from taskstreamd.store import notify


def test_signals_round_trip_through_their_payloads() -> None:
    signals: list[notify.Signal] = [
        notify.EventsCommitted("r1", "20261121103000123abcdefgh", 42, progress_only=True, terminal=False),
        notify.EventsCommitted("r1", "20261121103000123abcdefgh", 43, progress_only=False, terminal=True),
        notify.EventsCommitted("r1", "20261121103000123abcdefgh", 44, progress_only=False, terminal=False),
        notify.TasksQueued("r2", (1, 2, 30)),
        notify.WorkerSignal("r3", "c", "r4/w7", "20261121103000123abcdefgh", 9, "9-2"),
    ]
    assert [notify.decode(notify.encode(s)) for s in signals] == signals


def test_unknown_payloads_are_ignored() -> None:
    assert notify.decode("") is None
    assert notify.decode("x r1 1") is None
    assert notify.decode("e r1 i notanumber -") is None


def test_many_queued_tasks_are_split_into_payloads_postgresql_accepts() -> None:
    ids = list(range(10**12, 10**12 + 2000))
    signals = notify.queued_signals("r1", ids)
    assert len(signals) > 1
    assert [i for s in signals for i in s.task_ids] == ids
    assert all(len(notify.encode(s).encode()) < 8000 for s in signals)
