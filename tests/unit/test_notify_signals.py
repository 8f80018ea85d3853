"""The text payloads replicas send each other through PostgreSQL NOTIFY."""

from __future__ import annotations

from taskstreamd.store import notify


def test_notices_round_trip_through_their_payloads() -> None:
    notices: list[notify.Notice] = [
        notify.EventsCommitted("r1", "20261121103000123abcdefgh", 42, progress_only=True, terminal=False),
        notify.EventsCommitted("r1", "20261121103000123abcdefgh", 43, progress_only=False, terminal=True),
        notify.EventsCommitted("r1", "20261121103000123abcdefgh", 44, progress_only=False, terminal=False),
        notify.WorkQueued("r2"),
    ]
    assert [notify.decode(notify.encode(n)) for n in notices] == notices


def test_unknown_payloads_are_ignored() -> None:
    assert notify.decode("") is None
    assert notify.decode("x r1 1") is None
    assert notify.decode("e r1 i notanumber -") is None
