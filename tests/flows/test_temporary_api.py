"""The temporary Prefect API of `medflow run` / `medflow demo` starts without Prefect's banner about
running a dedicated server (a real start, in a subprocess with its own PREFECT_HOME)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from medflow.settings import REPO_ROOT

# Importing the flow sets up Prefect's console logging, as in `medflow run` (without it nothing prints).
SCRIPT = """
import flows.nightly
from prefect.settings import PREFECT_API_URL
from flows.temporary_api import start_temporary_api
from prefect.server.api.server import SubprocessASGIServer
start_temporary_api()
server = SubprocessASGIServer()
assert server.running and PREFECT_API_URL.value() is None
print("api", server.api_url)
"""


def test_the_temporary_api_starts_and_stops_without_prefects_banner(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO_ROOT), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("api http://127.0.0.1:")  # it did start
    output = done.stdout + done.stderr
    assert "dedicated Prefect server" not in output and "temporary server" not in output, output


def test_the_temporary_api_waits_longer_than_prefects_default_for_a_busy_node(monkeypatch) -> None:
    """A loaded node can take more than Prefect's 20 s to start the server (seen in CI); the wait is
    STARTUP_TIMEOUT_S unless Prefect's setting asks for longer (logic only: no server started)."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    from flows import temporary_api

    waits: list[int] = []
    monkeypatch.setattr(SubprocessASGIServer, "_instances", {})  # the session's harness server stays apart
    monkeypatch.setattr(SubprocessASGIServer, "start", lambda self, timeout=None: waits.append(timeout))
    with temporary_settings({PREFECT_SERVER_EPHEMERAL_ENABLED: True}, restore_defaults={PREFECT_API_URL}):
        temporary_api.start_temporary_api()
        with temporary_settings({temporary_api.PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 600}):
            temporary_api.start_temporary_api()
    assert waits == [temporary_api.STARTUP_TIMEOUT_S, 600]
    assert temporary_api.STARTUP_TIMEOUT_S > 20
