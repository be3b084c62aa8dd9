"""A real self-hosted Prefect server (`prefect server start`) and real workers (`medflow worker`) on
loopback, each in its own process group, so a test stops them and all they started at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from process_tree import descendants, wait_until_gone

PREFECT_CLI = str(Path(sys.executable).parent / "prefect")
MEDFLOW_CLI = str(Path(sys.executable).parent / "medflow")
SERVER_START_TIMEOUT_S = 180.0  # a busy 2-core machine: the server migrates its sqlite database first


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process_group(process: subprocess.Popen[bytes], grace_s: float = 30.0) -> None:
    """SIGTERM to the group ``process`` leads, SIGKILL to what is left after ``grace_s`` (and to
    anything it started that left the group)."""
    procs = descendants(process.pid)
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    for proc in wait_until_gone(procs, grace_s):
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """This process's environment with its own PREFECT_HOME (own profile and sqlite database), offline."""
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@contextmanager
def prefect_server(home: Path, log: Path) -> Iterator[str]:
    """`prefect server start` on a free loopback port with a temporary PREFECT_HOME; yields its API URL."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [PREFECT_CLI, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=prefect_env(home), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"prefect server exited with {server.returncode}: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"prefect server not healthy after {SERVER_START_TIMEOUT_S:g} s")
                time.sleep(0.5)
            yield api_url
        finally:
            stop_process_group(server)


def start_worker(pool: str, env: dict[str, str], log: Path, cwd: Path, *extra: str) -> subprocess.Popen[bytes]:
    """`medflow worker --pool pool` in its own process group (stop it with `stop_process_group`)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [MEDFLOW_CLI, "worker", "--pool", pool, *extra],
            env={"PREFECT_WORKER_QUERY_SECONDS": "1", **env},
            stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True,
        )
