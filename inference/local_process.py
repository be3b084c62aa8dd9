"""Local server processes (embedded Triton, benchmark and test servers): free ports, orderly stop, and
children that die with the process that started them."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on ``host:port`` (a bind fails). SO_REUSEADDR, as servers bind: a port
    whose last server just stopped (connections in TIME_WAIT) counts as free."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def stop_process(process: subprocess.Popen[bytes], timeout_s: float, *, whole_group: bool = False) -> int:
    """SIGTERM (the server drains and exits), SIGKILL if it has not exited within `timeout_s`.

    `whole_group` (for a process started with `start_new_session=True`) also kills whatever of its
    process group is left afterwards, e.g. Triton's Python-backend stubs after a crashed server.
    """
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if whole_group:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return process.returncode


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen``: the child gets ``sig`` when its parent dies, even by SIGKILL.

    Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``); it survives the child's ``exec``. The
    kernel sends it when the *thread* that started the child exits, so start servers from a thread
    that lives as long as they should (the main thread). None (no ``preexec_fn``) on other systems.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork: the child only calls it
    parent = os.getpid()

    def set_parent_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, int(sig))
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), sig)

    return set_parent_death_signal
