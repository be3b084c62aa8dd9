"""Crash recovery and infrastructure faults, against the real components.

- A `medflow run` process killed with SIGKILL mid-run, then rerun, yields output identical row for
  row to an uninterrupted run (the killed run's partial objects are never visible; the rerun breaks
  its stale lock).
- Triton stopping mid-run: the file task fails, Prefect retries it, the run completes with every row.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from prefect_support import task_run_counts

from medflow.manifest import load_manifests
from medflow.query import run_query

RUN_DATE = date(2026, 11, 21)
VOLATILE_COLUMNS = ("run_id", "processed_at")  # differ between any two runs by definition


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from medflow.samplegen import generate_samples

    folder = tmp_path_factory.mktemp("notes")
    generate_samples(folder, n_notes=160, seed=5, n_files=8)
    (folder / "gold.jsonl").unlink()
    return folder


def _committed_rows(output_uri: str) -> list[dict]:
    frame = run_query("SELECT * FROM predictions ORDER BY note_id", output_uri)
    return frame.drop(VOLATILE_COLUMNS).to_dicts()


def test_sigkill_mid_run_then_rerun_matches_uninterrupted_run(
    prefect_harness, flow_env, many_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prefect.settings

    from flows.nightly import nightly_deid_inference

    monkeypatch.setenv("MEDFLOW_LOCK_TTL_S", "3")
    reference_out, crashed_out = tmp_path / "reference", tmp_path / "crashed"
    nightly_deid_inference(input_uri=str(many_files), output_uri=str(reference_out), run_date=RUN_DATE)

    env = {**os.environ, "PREFECT_API_URL": prefect.settings.PREFECT_API_URL.value()}
    command = [
        os.path.join(os.path.dirname(sys.executable), "medflow"), "run",
        "--input", str(many_files), "--output", str(crashed_out), "--run-date", RUN_DATE.isoformat(),
    ]
    victim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    predictions = crashed_out / "predictions" / f"run_date={RUN_DATE}"
    deadline = time.monotonic() + 240
    while not list(predictions.glob("*.parquet")):  # kill as soon as the first object is committed
        assert victim.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run produced no output in time"
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)

    written_before_kill = len(list(predictions.glob("*.parquet")))
    assert 0 < written_before_kill < 8
    assert load_manifests(str(crashed_out)) == []  # nothing committed: analysts see nothing
    assert list((crashed_out / "_locks").glob("*.lock"))  # the killed run left its lease behind

    state = nightly_deid_inference(
        input_uri=str(many_files), output_uri=str(crashed_out), run_date=RUN_DATE, return_state=True
    )
    assert state.is_completed()
    assert len(list(predictions.glob("*.parquet"))) == 8  # rerun overwrote, did not duplicate
    assert not list(crashed_out.rglob("*.tmp"))
    assert _committed_rows(str(crashed_out)) == _committed_rows(str(reference_out))


def test_triton_restart_mid_run_is_retried_and_loses_nothing(
    prefect_harness, flow_env, tiny_model_repo: Path, many_files: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.nightly import nightly_deid_inference
    from inference.local_process import free_port
    from inference.triton_server import EmbeddedTriton
    from medflow.settings import get_settings

    ports = {"grpc_port": free_port(), "http_port": free_port(), "metrics_port": free_port()}
    monkeypatch.setenv("MEDFLOW_TRITON_URL", f"127.0.0.1:{ports['grpc_port']}")
    monkeypatch.setenv("MEDFLOW_TRITON_TIMEOUT_S", "5")
    get_settings.cache_clear()
    out = tmp_path / "out"
    predictions = out / "predictions" / f"run_date={RUN_DATE}"
    server = EmbeddedTriton(tiny_model_repo / "distilbert", precision="fp32", **ports).start()
    restarted = threading.Event()

    def bounce_triton() -> None:
        deadline = time.monotonic() + 240
        while not list(predictions.glob("*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.05)
        server.stop()
        time.sleep(1.0)
        server.start()
        restarted.set()

    bouncer = threading.Thread(target=bounce_triton, daemon=True)
    bouncer.start()
    try:
        state = nightly_deid_inference(
            input_uri=str(many_files), output_uri=str(out), run_date=RUN_DATE, return_state=True
        )
    finally:
        bouncer.join(timeout=120)
        server.stop()
    assert restarted.is_set()
    assert state.is_completed()
    manifest = state.result()
    assert max(task_run_counts(manifest.run_id, "process-")) > 1  # a file was retried
    assert manifest.totals.rows_in == manifest.totals.rows_out == 160
    assert run_query("SELECT count(DISTINCT note_id) AS n FROM predictions", str(out)).item() == 160
    assert len(list(predictions.glob("*.parquet"))) == 8
    assert pq.read_table(sorted(predictions.glob("*.parquet")), partitioning=None).num_rows == 160
