"""CPU time of server process trees (Linux /proc): what one request costs, whatever the machine's load.

Throughput on a shared machine moves with the neighbours; CPU seconds per request barely do, so the
bench reports both. A tree is a process and all its descendants (tritonserver + Python-backend stubs).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:  # exited between listing and reading
        return None
    return text.rsplit(")", 1)[1].split()  # the command name may contain spaces and parentheses


def tree_cpu_seconds(roots: Iterable[int]) -> float:
    """User + system CPU seconds of the processes `roots` and their descendants (live ones only)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            # After the name: state, ppid, ... utime and stime are the 12th and 13th fields.
            parents[int(entry.name)] = int(fields[1])
            ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    members = set(roots)
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in members} - members
        members |= found
        grew = bool(found)
    return sum(ticks.get(pid, 0) for pid in members) / os.sysconf("SC_CLK_TCK")


def cpu_clock(*pids: int) -> Callable[[], float]:
    """A clock reading the CPU seconds of these server trees (for `ClientScenario`)."""
    return lambda: tree_cpu_seconds(pids)
