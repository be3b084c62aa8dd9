"""CPU accounting from /proc: a busy grandchild counts towards its root; single processes; the machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.cpu import children, command_line, machine_cpu_seconds, process_cpu_seconds, tree_cpu_seconds

# Burns 0.4 s of CPU, says so by creating the file named by its argument, then sleeps (its CPU stays put).
BURN = (
    "import sys, time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"
    "open(sys.argv[1], 'w').close()\ntime.sleep(120)"
)
PATIENCE_S = 120.0  # a busy machine may take long to give a process 0.4 s of CPU


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.05)


def test_tree_cpu_counts_descendants_and_not_strangers(tmp_path: Path):
    # root (a sleeping python) -> child (a python that burns 0.4 s of CPU, then sleeps)
    child_done, stranger_done = tmp_path / "child-burnt", tmp_path / "stranger-burnt"
    spawn_child = (
        f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {BURN!r}, {str(child_done)!r}]); "
        "time.sleep(120)"
    )
    root = subprocess.Popen([sys.executable, "-c", spawn_child], start_new_session=True)
    stranger = subprocess.Popen([sys.executable, "-c", BURN, str(stranger_done)], start_new_session=True)
    try:
        _wait_for(child_done)
        _wait_for(stranger_done)
        (child,) = children(root.pid)
        assert command_line(child)[1:3] == ["-c", BURN]
        # All three sleep now: their CPU times no longer move, so the sums are exact.
        root_cpu, child_cpu, stranger_cpu = map(process_cpu_seconds, (root.pid, child, stranger.pid))
        assert child_cpu >= 0.4 > root_cpu and stranger_cpu >= 0.4
        tree = tree_cpu_seconds([root.pid])
        # Exact in clock ticks (the seconds are tick counts / 100; their float sums differ in the last bit).
        assert tree == pytest.approx(root_cpu + child_cpu, abs=1e-9)  # the descendant counts, not the stranger
        assert tree_cpu_seconds([root.pid, stranger.pid]) == pytest.approx(tree + stranger_cpu, abs=1e-9)
        assert tree_cpu_seconds([]) == 0.0
    finally:
        for process in (root, stranger):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_machine_cpu_counts_busy_and_total_seconds():
    busy, total = machine_cpu_seconds()
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    busy_after, total_after = machine_cpu_seconds()
    assert 0 < busy <= total
    assert busy_after - busy >= 0.25  # at least this process's burn (10 ms ticks)
    # Compared in clock ticks: the seconds are tick counts divided by 100, and float subtraction of
    # equal tick deltas can differ in the last bit.
    assert round((total_after - total) * 100) >= round((busy_after - busy) * 100)
