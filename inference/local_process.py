"""Local server processes (embedded Triton, benchmark and test servers): free ports, orderly stop, and
children that die with the process that started them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys


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


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> list[str]:
    """A command prefix: the command it starts gets ``sig`` when its parent dies, even by SIGKILL.

    Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``), armed by util-linux's ``setpriv`` before
    it execs the command (same pid); the signal survives ``exec``. The kernel sends it when the
    *thread* that started the child exits, so start servers from a thread that lives as long as they
    should (the main thread). A prefix rather than a ``preexec_fn``: that one forces ``fork()``, whose
    atfork handlers deadlock once gRPC's threads run in the parent (a Triton restarted mid-run hung
    there), while a plain command is started with ``vfork``. Empty where there is no ``setpriv``.
    """
    setpriv = shutil.which("setpriv")
    if not sys.platform.startswith("linux") or setpriv is None:
        return []
    return [setpriv, f"--pdeathsig={sig.name.removeprefix('SIG')}", "--"]
