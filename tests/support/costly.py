"""A task body with a known least cost: CPU seconds in its own process and in a child process it waits
for, and a block of memory it holds. CPU is burnt until the process's own CPU clock (not the wall clock)
has moved that far, so the figures hold however loaded the machine is."""

from __future__ import annotations

import subprocess
import sys
import time

_BURN_IN_CHILD = "import time\nstart = time.process_time()\nwhile time.process_time() - start < {}: pass\n"


def burn(cpu_seconds: float) -> None:
    start = time.process_time()
    while time.process_time() - start < cpu_seconds:
        pass


def costly(cpu_seconds: float, child_cpu_seconds: float, megabytes: int) -> int:
    """Burns ``cpu_seconds`` here and ``child_cpu_seconds`` in a waited-for child, and holds
    ``megabytes`` MiB (written, so resident) while it burns; the bytes it held."""
    block = b"\x01" * (megabytes << 20)  # written by the copy: every page is resident
    burn(cpu_seconds)
    if child_cpu_seconds > 0:
        subprocess.run([sys.executable, "-c", _BURN_IN_CHILD.format(child_cpu_seconds)], check=True)
    return len(block)
