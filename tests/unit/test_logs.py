"""The JSON log formatter: one object per record, ids from ``extra``, tracebacks kept in one line."""

from __future__ import annotations

import json
import logging

from taskstreamd.logs import JsonFormatter


def test_a_record_with_ids_and_a_traceback_is_one_json_line() -> None:
    logger = logging.getLogger("taskstreamd.test")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("bad\nvalue")
        except ValueError:
            logger.error("task %s failed", "t1", exc_info=True, extra={"instance_id": "i1", "task_id": 7})
    finally:
        logger.removeHandler(handler)
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "taskstreamd.test"
    assert entry["message"] == "task t1 failed"
    assert entry["instance_id"] == "i1" and entry["task_id"] == 7
    assert "ValueError: bad" in entry["exception"] and "Traceback" in entry["exception"]
    assert set(entry) == {"time", "level", "logger", "message", "instance_id", "task_id", "exception"}
