"""What the benchmarks read from /proc: a process's RSS and CPU, its descendants, the CPU of a whole process
tree (reaped children included), and the machine's load (a shared 2-core box, so every report says how
busy it was).

No imports from the rest of bench/, so every script (harness, watchers) can use it.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def settle_rss(pid: int, seconds: float = 1.0) -> int:
    """RSS once it stopped moving (the median of a few reads over ``seconds``)."""
    reads = []
    for _ in range(5):
        reads.append(rss_kb(pid))
        time.sleep(seconds / 5)
    return int(statistics.median(reads))


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process itself."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _TICK


def _reaped_seconds(pid: int) -> float:
    """cutime + cstime: the CPU of the children the process has waited for (and of theirs)."""
    fields = _stat(pid)
    return (int(fields[13]) + int(fields[14])) / _TICK


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                parents.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_of(pids: list[int]) -> float:
    """utime + stime of the processes still there (a process that is gone counts nothing)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += cpu_seconds(pid)
    return total


@dataclass(frozen=True)
class TreeCpu:
    """CPU seconds a process tree used since it started: ``own`` is the root's utime + stime, ``others``
    everything below it: each live descendant's utime + stime, plus cutime + cstime of the root and of each
    live descendant, which hold the children they reaped. So a task process or a PostgreSQL backend that
    came and went between two readings is counted, as long as its parent is still there to have reaped it
    (a descendant whose parent died too, or that left the tree, is lost)."""

    own: float
    others: float

    @property
    def total(self) -> float:
        return self.own + self.others

    def __sub__(self, other: TreeCpu) -> TreeCpu:
        return TreeCpu(self.own - other.own, self.others - other.others)


def tree_cpu(pid: int) -> TreeCpu:
    own = cpu_seconds(pid)
    others = _reaped_seconds(pid)
    for child in descendants(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            others += cpu_seconds(child) + _reaped_seconds(child)
    return TreeCpu(own, others)


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of the process's live threads by kind: ``loop`` (the main thread, where asyncio runs),
    ``python`` (the other Python threads: a taskstreamd server's writer and store readers) and ``native``
    (threads the Python code did not start, grpc's event engine among them). Threads that exited are
    not counted."""
    kinds = {"loop": 0.0, "python": 0.0, "native": 0.0}
    interpreter = Path(f"/proc/{pid}/comm").read_text().strip()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = (task / "stat").read_text()  # the thread's own; /proc/TID/stat is the process's
            fields = text[text.rindex(")") + 2 :].split()
            seconds = (int(fields[11]) + int(fields[12])) / _TICK
            if int(task.name) == pid:
                kinds["loop"] += seconds
            elif (task / "comm").read_text().strip() == interpreter:
                kinds["python"] += seconds
            else:
                kinds["native"] += seconds
    return kinds


# ---------------------------------------------------------------------------------------------------------
# The machine


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def background_busy(seconds: float = 1.0) -> float:
    """CPU percent (of one core) the machine spends while this benchmark idles: other work on a shared box."""
    busy0, total0 = machine_busy()
    time.sleep(seconds)
    busy1, total1 = machine_busy()
    return 100 * (os.cpu_count() or 1) * (busy1 - busy0) / max(1, total1 - total0)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(note: str = "") -> dict[str, Any]:
    """CPU, load averages and the busy CPU of other processes, taken when called (start or end of a run)."""
    import grpc  # only for its version

    load1, load5, load15 = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "load_average_1_5_15": [round(load1, 2), round(load5, 2), round(load15, 2)],
        "background_busy_percent": round(background_busy(0.5), 1),
        "python": platform.python_version(),
        "grpcio": grpc.__version__,
        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "note": note or "client, server, workers and baselines share these cpus with other work",
    }


def print_machine(info: dict[str, Any], label: str = "machine") -> None:
    print(
        f"{label}: {info['cpus']} cpus ({info['cpu_model']}), load average {info['load_average_1_5_15']}, "
        f"other processes {info['background_busy_percent']}% cpu"
    )
