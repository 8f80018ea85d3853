"""The worker's side of a slot's output files: each task's range read live (head) and at its end (head and
tail around the cut), offsets from the task's first byte, and files rotated and removed when done."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskstreamd.workers import output
from taskstreamd.workers.output import OutputRange, SlotFiles


def append(path: str, data: bytes) -> int:
    """Appends as the child does; the file's size after."""
    with open(path, "ab") as f:
        f.write(data)
    return os.stat(path).st_size


def test_a_range_reads_its_head_live_and_its_tail_at_the_end(tmp_path: Path) -> None:
    files = SlotFiles(str(tmp_path / "slot"))
    path = files.stdout.path
    before = append(path, b"earlier task")  # not this task's
    task = OutputRange(files.stdout, before, max_bytes=10)
    size = append(path, b"0123")
    assert task.poll(size) == [(0, b"0123")]
    size = append(path, b"456789abcdefghij")
    assert task.poll(size) == [(4, b"4")]  # the live head stops at cap / 2
    assert task.poll(size) == []
    end = size
    append(path, b"next task")  # written after this task's end
    assert task.finish(end) == [(15, b"fghij")]
    assert task.total_bytes == 20
    files.close()


def test_a_range_within_the_cap_is_read_whole_and_one_of_a_dead_task_to_the_file_end(tmp_path: Path) -> None:
    files = SlotFiles(str(tmp_path / "slot"))
    path = files.stderr.path
    start = append(path, b"x" * 3)
    append(path, b"crash trace")
    died = OutputRange(files.stderr, start, max_bytes=100)
    assert died.finish(None) == [(0, b"crash trace")]
    assert died.total_bytes == len(b"crash trace")
    files.close()


def test_files_rotate_past_the_limit_and_go_once_no_task_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "ROTATE_BYTES", 8)
    files = SlotFiles(str(tmp_path / "slot"))
    first = files.stdout.path
    reading = OutputRange(files.stdout, 0, max_bytes=0)  # a task whose end is not read yet
    files.written = append(first, b"0123456789")
    empty = SlotFiles(str(tmp_path / "other"))
    assert not empty.rotate_if_large()  # a pair with little in it stays
    empty.close()
    assert files.rotate_if_large()
    assert files.stdout.path != first and files.written == 0
    assert Path(first).exists()  # still read by the task
    assert reading.finish(10) == [(0, b"0123456789")]
    assert not Path(first).exists()
    assert not files.rotate_if_large()
    second = (files.stdout.path, files.stderr.path)
    files.close()
    assert not any(Path(p).exists() for p in second)
