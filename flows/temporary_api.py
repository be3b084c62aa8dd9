"""The temporary Prefect API server of `medflow run` and `medflow demo`, which dies with the command.

Without ``PREFECT_API_URL`` Prefect starts a temporary ("ephemeral") API server as a subprocess on
first use; a command killed with SIGKILL leaves it running. Here the same server is started the same
way, up front, from the main thread, with Linux's parent-death signal armed, so it gets SIGTERM when
the command dies however it dies. Prefect shares one such server per process through the
``SubprocessASGIServer`` singleton, which this one takes the place of: every Prefect component of the
process that would start its own finds this one running. Prefect's INFO lines about it ("Starting
temporary server … running a dedicated Prefect server", "Stopping temporary server") are dropped: no
Prefect setting silences them alone (they come from the top `prefect` logger, whose level is also the
flow runs' level), and `medflow run` users did not start a server.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import Any

import prefect
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_SERVER_EPHEMERAL_ENABLED,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    get_current_settings,
)

from inference.local_process import die_with_parent

# Prefect waits 20 s by default for its temporary server; on a busy node its first start (importing the
# server, creating its database) can take longer, and a nightly run should not fail for it. A larger
# PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS still wins.
STARTUP_TIMEOUT_S = 120


class _ServerDyingWithUs(SubprocessASGIServer):
    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        # Prefect 3.8's own command and environment, plus the parent-death signal.
        return subprocess.Popen(
            args=[
                *die_with_parent(),
                sys.executable, "-m", "uvicorn",
                "--app-dir", str(prefect.__module_path__.parent),
                "--factory", "prefect.server.api.server:create_app",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--log-level", "error", "--lifespan", "on",
            ],
            env={  # the API server needs none of medflow's settings, its secrets least of all
                **{name: value for name, value in os.environ.items() if not name.startswith("MEDFLOW_")},
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
        )


class _NoTemporaryServerLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Starting temporary server on", "Stopping temporary server on"))


def start_temporary_api() -> None:
    """Unless ``PREFECT_API_URL`` is set, start the process's temporary API server now, dying with us.

    Call it from the main thread (the parent-death signal follows the thread that started the
    server). Prefect stops it at exit, after its log and event workers have sent what they hold.
    """
    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    prefect_logger = logging.getLogger("prefect")
    if not any(isinstance(f, _NoTemporaryServerLines) for f in prefect_logger.filters):
        prefect_logger.addFilter(_NoTemporaryServerLines())
    server = _ServerDyingWithUs()
    if isinstance(server, _ServerDyingWithUs):  # else Prefect started its own before us: nothing to replace
        server.start(timeout=max(STARTUP_TIMEOUT_S, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()))
