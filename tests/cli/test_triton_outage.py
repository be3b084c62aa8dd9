"""A Triton that dies mid-run (issue 23): the run waits for it within the outage budget, resumes when it
comes back (a pod restart) and writes every row; past the budget it stops in one line, exit 5, without
retrying file after file. The real embedded Triton, killed and restarted on the events of the run's log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_inputs import notes_without_gold

from inference.triton_server import EmbeddedTriton
from medflow.outcome import ExitCode

MEDFLOW = str(Path(sys.executable).parent / "medflow")
N_FILES = 3
NOTES_PER_FILE = 4


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return notes_without_gold(tmp_path_factory.mktemp("notes"), n_notes=N_FILES * NOTES_PER_FILE, seed=5,
                              n_files=N_FILES)


def _triton(model_dir: Path, ports: EmbeddedTriton | None = None) -> EmbeddedTriton:
    """A server of its own (the test kills it), on the ports of ``ports`` when given (a restart)."""
    port = {"grpc_port": ports.grpc_port, "http_port": ports.http_port, "metrics_port": ports.metrics_port} \
        if ports else {"grpc_port": 0, "http_port": 0, "metrics_port": 0}
    return EmbeddedTriton(model_dir, precision="fp32", **port).start()


def _kill(server: EmbeddedTriton) -> None:
    """SIGKILL the server's whole process group: a crash, not a clean stop."""
    os.killpg(server.pid, signal.SIGKILL)
    server.stop()


def _run(notes: Path, out: Path, triton_url: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [MEDFLOW, "run", "--input", str(notes), "--output", str(out), "--triton-url", triton_url,
         "--run-date", "2026-11-21"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _read_until(process: subprocess.Popen[str], seen: list[str], event: Callable[[str], bool]) -> None:
    """Collect the run's stderr lines into ``seen`` until one satisfies ``event`` (fails if the run ends first)."""
    assert process.stderr is not None
    for line in process.stderr:
        seen.append(line.rstrip("\n"))
        if event(line):
            return
    pytest.fail("the run ended before the event:\n" + "\n".join(seen[-40:]))


def _finish(process: subprocess.Popen[str], seen: list[str]) -> str:
    assert process.stderr is not None and process.stdout is not None
    seen.extend(process.stderr.read().splitlines())
    stdout = process.stdout.read()
    process.wait(timeout=600)
    return stdout


def _first_file_done(line: str) -> bool:
    return ": ok, rows in" in line


@pytest.fixture()
def run_env(prefect_harness: None, flow_env: str) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}


def test_triton_dead_past_the_budget_fails_the_run_in_one_line(
    tiny_model_repo: Path, notes: Path, run_env: dict[str, str], tmp_path: Path
) -> None:
    server = _triton(tiny_model_repo / "distilbert")
    out = tmp_path / "out"
    process = _run(notes, out, server.grpc_url, {**run_env, "MEDFLOW_TRITON_OUTAGE_BUDGET_S": "3"})
    seen: list[str] = []
    try:
        _read_until(process, seen, _first_file_done)
        _kill(server)
        stdout = _finish(process, seen)
    finally:
        if process.poll() is None:
            process.kill()
        server.stop()
    assert process.returncode == ExitCode.TRITON_UNREACHABLE, "\n".join(seen[-40:])
    assert "Traceback" not in "\n".join(seen) + stdout
    assert seen[-1] == (
        f"error: Triton at {server.grpc_url} unreachable for 3 s (the outage budget, MEDFLOW_TRITON_OUTAGE_BUDGET_S); "
        "nothing of this run was committed: rerun it once Triton is up"
    )
    assert [line for line in seen if line.startswith("error:")] == [seen[-1]]
    # One wait, by the file that met the outage; no retries of it, and no later file tried.
    assert sum("waiting up to 3 s for it to come back" in line for line in seen) == 1
    assert not any("Retry" in line for line in seen)
    assert not (out / "manifests").exists()


def test_triton_restarted_within_the_budget_lets_the_run_write_every_row(
    tiny_model_repo: Path, notes: Path, run_env: dict[str, str], tmp_path: Path
) -> None:
    first = _triton(tiny_model_repo / "distilbert")
    out = tmp_path / "out"
    process = _run(notes, out, first.grpc_url, run_env)  # the default budget
    seen: list[str] = []
    restarted: EmbeddedTriton | None = None
    try:
        _read_until(process, seen, _first_file_done)
        _kill(first)
        _read_until(process, seen, lambda line: "is unreachable: waiting up to 120 s" in line)
        restarted = _triton(tiny_model_repo / "distilbert", ports=first)  # the pod comes back
        _finish(process, seen)
    finally:
        if process.poll() is None:
            process.kill()
        first.stop()
        if restarted is not None:
            restarted.stop()
    assert process.returncode == ExitCode.OK, "\n".join(seen[-40:])
    assert "Traceback" not in "\n".join(seen)
    assert any("is back after" in line and "resuming" in line for line in seen)
    (manifest,) = (out / "manifests").rglob("*.json")
    totals = json.loads(manifest.read_text())["totals"]
    assert totals["rows_in"] == totals["rows_out"] == N_FILES * NOTES_PER_FILE
