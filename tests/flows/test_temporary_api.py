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
