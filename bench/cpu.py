"""CPU time from Linux /proc: server process trees, single processes and the whole machine.

Throughput on a shared machine moves with the neighbours; CPU seconds per request barely do, so the
bench reports both. A tree is a process and all its descendants (tritonserver + Python-backend stubs).
The machine's counters show how much of the cores the neighbours took during a measurement.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:  # exited between listing and reading
        return None
    return text.rsplit(")", 1)[1].split()  # the command name may contain spaces and parentheses


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, user + system ticks) of every live process."""
    table = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            # After the name: state, ppid, ... utime and stime are the 12th and 13th fields.
            table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def tree_cpu_seconds(roots: Iterable[int]) -> float:
    """User + system CPU seconds of the processes `roots` and their descendants (live ones only)."""
    table = _processes()
    members = set(roots)
    grew = True
    while grew:
        found = {pid for pid, (parent, _) in table.items() if parent in members} - members
        members |= found
        grew = bool(found)
    return sum(table[pid][1] for pid in members if pid in table) / TICKS


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads); 0 once it has exited."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS if fields else 0.0


def children(pid: int) -> list[int]:
    return sorted(child for child, (parent, _) in _processes().items() if parent == pid)


def command_line(pid: int) -> list[str]:
    try:
        return [arg.decode(errors="replace") for arg in (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")]
    except OSError:
        return []


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of all cores since boot, from the first line of /proc/stat."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, (PROC / "stat").read_text().split()[1:9])
    total = user + nice + system + idle + iowait + irq + softirq + steal
    return (total - idle - iowait) / TICKS, total / TICKS
