"""Instance ids: time-ordered, then 8 random characters from [a-z0-9]."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskstreamd import ids


def test_new_ids_are_well_formed_distinct_and_ordered_by_time() -> None:
    start = datetime(2026, 11, 21, 10, 30, 0, 123456, tzinfo=UTC)
    made = [ids.new_instance_id(start + timedelta(milliseconds=i)) for i in range(2000)]
    assert all(ids._ID.fullmatch(i) for i in made)
    assert made[0].startswith("20261121103000123")
    assert len(set(made)) == len(made)
    assert [i[:17] for i in made] == sorted(i[:17] for i in made)
    # Every character of the alphabet turns up in the random part (16,000 draws of 36).
    assert set("".join(i[17:] for i in made)) == set(ids._ALPHABET)
