"""A command killed with SIGKILL leaves nothing it started running: `medflow run` (its temporary Prefect
API server), `medflow demo` (that server, the embedded Triton and Triton's Python-backend stubs) and
`medflow triton serve` (the server and its stubs). Each is killed in the middle of its work; what it
had started is read from /proc just before the kill and must be gone afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prefect_support import TEST_DEID_KEY
from process_tree import Proc, descendants, wait_until_gone
from sample_inputs import notes_without_gold

from inference.local_process import free_port

MEDFLOW = str(Path(sys.executable).parent / "medflow")
PREFECT_SERVER = "prefect.server.api.server:create_app"
TRITON_SERVER = "tritonserver --model-repository"
TRITON_STUB = "triton_python_backend_stub"
START_DEADLINE_S = 300  # the loaded machine: imports, a fresh Prefect database, Triton loading the model
GONE_DEADLINE_S = 120


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return notes_without_gold(tmp_path_factory.mktemp("notes"), n_notes=160, seed=5, n_files=8)


def _environment(tmp_path: Path, tiny_model_repo: Path, **extra: str) -> dict[str, str]:
    """The test's environment without a Prefect API (so the command starts its own, in a fresh home)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "MEDFLOW_"))}
    return env | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "MEDFLOW_MODEL_REPOSITORY": str(tiny_model_repo),
        "MEDFLOW_PRECISION": "fp32",
        **extra,
    }


def _started(command: subprocess.Popen[bytes], wanted: list[str], ready: Callable[[], bool]) -> list[Proc]:
    """What ``command`` started, once it is ``ready`` (in the middle of its work) and every ``wanted`` runs."""
    deadline = time.monotonic() + START_DEADLINE_S
    while True:
        assert command.poll() is None, "the command ended before it could be killed"
        if ready():
            tree = descendants(command.pid)
            if all(any(w in p.command for p in tree) for w in wanted):
                return tree
        assert time.monotonic() < deadline, f"{wanted} not all running in time: {descendants(command.pid)}"
        time.sleep(0.2)


def _staged(out: Path) -> Callable[[], bool]:
    """Ready once the run staged its first object: the flow is running."""
    return lambda: (out / "_staging").exists() and any(p.suffix == ".parquet" for p in out.rglob("_staging/**/*"))


def _kill_and_check(command: subprocess.Popen[bytes], started: list[Proc]) -> None:
    command.send_signal(signal.SIGKILL)
    command.wait(timeout=30)
    survivors = wait_until_gone(started, GONE_DEADLINE_S)
    for proc in survivors:  # leave nothing behind for the rest of the suite either
        os.kill(proc.pid, signal.SIGKILL)
    assert survivors == [], f"still running after the command was killed: {[p.command for p in survivors]}"


def test_killed_run_leaves_no_prefect_server(
    embedded_triton, tiny_model_repo: Path, notes: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    env = _environment(
        tmp_path, tiny_model_repo, MEDFLOW_TRITON_URL=embedded_triton.grpc_url, MEDFLOW_DEID_HMAC_KEY=TEST_DEID_KEY
    )
    log = (tmp_path / "run.log").open("wb")
    command = subprocess.Popen([MEDFLOW, "run", "--input", str(notes), "--output", str(out)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        started = _started(command, [PREFECT_SERVER], ready=_staged(out))
        _kill_and_check(command, started)
    finally:
        if command.poll() is None:
            command.kill()


def test_killed_demo_leaves_no_server_and_no_stub(tiny_model_repo: Path, notes: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    log = (tmp_path / "demo.log").open("wb")
    command = subprocess.Popen([MEDFLOW, "demo", "--samples", str(notes), "--output", str(out)],
                               env=_environment(tmp_path, tiny_model_repo), stdout=log, stderr=subprocess.STDOUT)
    try:
        started = _started(command, [PREFECT_SERVER, TRITON_SERVER, TRITON_STUB], ready=_staged(out))
        _kill_and_check(command, started)
    finally:
        if command.poll() is None:
            command.kill()


def test_killed_triton_serve_leaves_no_stub(tiny_model_repo: Path, tmp_path: Path) -> None:
    ports = [str(free_port()) for _ in range(3)]
    log = tmp_path / "serve.log"
    command = subprocess.Popen(
        [MEDFLOW, "triton", "serve", "--model-dir", str(tiny_model_repo / "distilbert"), "--precision", "fp32",
         "--grpc-port", ports[0], "--http-port", ports[1], "--metrics-port", ports[2]],
        env=_environment(tmp_path, tiny_model_repo), stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    try:  # ready: every model instance (one stub each) is up
        started = _started(command, [TRITON_SERVER, TRITON_STUB], ready=lambda: "Triton ready" in log.read_text())
        _kill_and_check(command, started)
    finally:
        if command.poll() is None:
            command.kill()
