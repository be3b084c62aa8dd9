"""CPU accounting from /proc: a busy grandchild counts towards its root; single processes; the machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from medflow.bench.cpu import children, command_line, machine_cpu_seconds, process_cpu_seconds, tree_cpu_seconds

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(30)"


def _wait_for_cpu(pid: int, seconds: float) -> float:
    deadline = time.monotonic() + 20
    while (used := tree_cpu_seconds([pid])) < seconds and time.monotonic() < deadline:
        time.sleep(0.05)
    return used


def test_tree_cpu_counts_descendants_and_not_strangers():
    # root (a sleeping python) -> child (a python that burns 0.4 s of CPU, then sleeps)
    spawn_child = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {BURN!r}]); time.sleep(30)"
    root = subprocess.Popen([sys.executable, "-c", spawn_child], start_new_session=True)
    stranger = subprocess.Popen([sys.executable, "-c", BURN], start_new_session=True)
    try:
        time.sleep(0.2)
        assert _wait_for_cpu(stranger.pid, 0.4) >= 0.4
        tree = _wait_for_cpu(root.pid, 0.4)
        # The child's burn plus interpreter start-ups; the stranger's burn is not in it.
        assert 0.4 <= tree < 0.8
        assert tree_cpu_seconds([root.pid, stranger.pid]) >= tree + 0.35  # 10 ms ticks: some slack
        assert tree_cpu_seconds([]) == 0.0
        (child,) = children(root.pid)
        assert command_line(child)[1:3] == ["-c", BURN]
        assert process_cpu_seconds(child) >= 0.4 > process_cpu_seconds(root.pid)
        assert process_cpu_seconds(stranger.pid) >= 0.4
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
