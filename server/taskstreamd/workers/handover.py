"""What the server hands a local worker through a pipe: its token and the data sources.

Neither goes through the environment (``/proc/PID/environ`` keeps a process's first environment for
its whole life, whatever ``os.environ.pop`` does) nor the command line (``/proc/PID/cmdline`` is
readable by every user of the machine, and data source URLs may carry passwords). The worker reads the
pipe to its end and closes it at start, before it runs any task.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from taskstreamd.datasources import DataSource, parse_datasource

# The most a worker reads from the pipe: a token and data source URLs, far less than this.
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Handover:
    token: str = ""
    datasources: dict[str, DataSource] = field(default_factory=dict)

    def encode(self) -> bytes:
        specs = [source.spec() for source in self.datasources.values()]
        return json.dumps({"token": self.token, "datasources": specs}).encode()

    @classmethod
    def decode(cls, data: bytes) -> Handover:
        document = json.loads(data)
        sources = [parse_datasource(spec) for spec in document.get("datasources", [])]
        return cls(str(document.get("token", "")), {source.name: source for source in sources})


def write_all(fd: int, data: bytes) -> None:
    """Write ``data`` to the pipe ``fd`` and close it (blocks until the reader took what the pipe cannot
    hold; BrokenPipeError when the reader died first)."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def read_from(fd: int) -> Handover:
    """Read the handover from ``fd`` to its end, and close it."""
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := os.read(fd, 65536):
            size += len(chunk)
            if size > MAX_BYTES:
                raise ValueError(f"the settings pipe holds more than {MAX_BYTES} bytes")
            chunks.append(chunk)
    finally:
        os.close(fd)
    return Handover.decode(b"".join(chunks))
