"""PutTaskInfo and GetTaskInfo requests are checked before anything is looked up: bad names, keys and
values are INVALID_ARGUMENT naming the field."""

from __future__ import annotations

import pytest

from taskstream.v1 import instance_service_pb2 as pb
from taskstreamd.api import task_info_requests
from taskstreamd.errors import InvalidArgument

TASK = "projects/p/instances/20260101000000000abcdefgh/tasks/t"


def fields(error: pytest.ExceptionInfo[InvalidArgument]) -> list[str]:
    return [v.field for v in error.value.violations]


@pytest.mark.parametrize(
    "key", ["a", "progress", "odps.sql.x", "a/b:c-d_e", "K" * 256, "0"], ids=lambda k: k[:20]
)
def test_good_keys(key: str) -> None:
    assert task_info_requests.put_entry(pb.PutTaskInfoRequest(name=TASK, key=key, value="v")) == (key, "v")


@pytest.mark.parametrize(
    "key",
    ["", " ", "a b", "K" * 257, "tab\t", "nul\x00", "ünï", "semi;colon", "a=b", "k\n"],
    ids=repr,
)
def test_bad_keys(key: str) -> None:
    with pytest.raises(InvalidArgument) as bad:
        task_info_requests.put_entry(pb.PutTaskInfoRequest(name=TASK, key=key, value="v"))
    assert fields(bad) == ["key"]
    assert len(bad.value.message) < 200  # a long key is cut in the message


def test_values_are_any_text_up_to_the_byte_limit() -> None:
    limit = 65536
    for value in ("", "\x00", "line\nline", "a" * limit, "é" * (limit // 2), "€" * (limit // 3)):
        assert task_info_requests.put_entry(pb.PutTaskInfoRequest(name=TASK, key="k", value=value))
    for value in ("a" * (limit + 1), "é" * (limit // 2 + 1), "😀" * (limit // 4 + 1)):
        with pytest.raises(InvalidArgument) as big:
            task_info_requests.put_entry(pb.PutTaskInfoRequest(name=TASK, key="k", value=value))
        assert fields(big) == ["value"]


def test_a_bad_key_and_a_big_value_are_both_named() -> None:
    with pytest.raises(InvalidArgument) as bad:
        task_info_requests.put_entry(pb.PutTaskInfoRequest(name=TASK, key="", value="x" * 70000))
    assert fields(bad) == ["key", "value"]


@pytest.mark.parametrize(
    "name",
    [
        "",
        "projects/p/instances/20260101000000000abcdefgh",
        "projects/p/instances/20260101000000000abcdefgh/tasks/",
        "projects/p/instances/20260101000000000abcdefgh/tasks/a/b",
        "projects/p/instances/bad id/tasks/t",
        "projects//instances/20260101000000000abcdefgh/tasks/t",
    ],
)
def test_bad_task_names(name: str) -> None:
    with pytest.raises(InvalidArgument) as bad:
        task_info_requests.task_ref(name)
    assert fields(bad) == ["name"]


def test_a_task_name_parts() -> None:
    ref = task_info_requests.task_ref(TASK)
    assert (ref.project, ref.instance_id, ref.task) == ("p", "20260101000000000abcdefgh", "t")


def test_read_keys() -> None:
    assert task_info_requests.read_keys(pb.GetTaskInfoRequest(name=TASK)) == []
    assert task_info_requests.read_keys(pb.GetTaskInfoRequest(name=TASK, keys=["a", "a"])) == ["a", "a"]
    with pytest.raises(InvalidArgument) as many:
        task_info_requests.read_keys(pb.GetTaskInfoRequest(name=TASK, keys=[f"k{i}" for i in range(101)]))
    assert fields(many) == ["keys"]
    with pytest.raises(InvalidArgument) as bad:
        task_info_requests.read_keys(pb.GetTaskInfoRequest(name=TASK, keys=["ok", "not ok", "", "fine"]))
    assert fields(bad) == ["keys[1]", "keys[2]"]
