"""Local server processes (embedded Triton, benchmark and test servers): free ports, orderly stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
