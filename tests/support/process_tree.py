"""Process trees read from /proc (Linux): what a process started, and whether those processes still live.

A process is identified by its pid and its start time, so a recycled pid is not mistaken for it.
A zombie counts as gone: it has exited and only waits for its (new) parent to reap it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Proc:
    pid: int
    start_ticks: int
    command: str


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces and parentheses


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(root: int) -> list[Proc]:
    """Every live process below ``root`` (children, their children, ...)."""
    children: dict[int, list[Proc]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        fields = _stat_fields(int(name))
        if fields is None or fields[0] == "Z":
            continue
        # fields[0] is the state, [1] the parent pid, [19] the start time (stat fields 3, 4 and 22).
        children.setdefault(int(fields[1]), []).append(Proc(int(name), int(fields[19]), _command(int(name))))
    found: list[Proc] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child.pid)
    return found


def is_alive(proc: Proc) -> bool:
    fields = _stat_fields(proc.pid)
    return fields is not None and fields[0] != "Z" and int(fields[19]) == proc.start_ticks


def wait_until_gone(procs: list[Proc], deadline_s: float) -> list[Proc]:
    """Poll until none of ``procs`` lives or ``deadline_s`` passed; return those still alive."""
    deadline = time.monotonic() + deadline_s
    while (alive := [p for p in procs if is_alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive
