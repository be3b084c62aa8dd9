"""Crash recovery and infrastructure faults, against the real components.

- The second night's `medflow run` killed with SIGKILL mid-run, then rerun: the table stays at the
  first night's version until the rerun commits, then equals an uninterrupted pair of nights row for
  row, with no duplicates (the killed run's staged objects are never visible; the rerun breaks its
  stale lock and sweeps them).
- Triton stopping mid-run: the run waits for it (the outage budget), it comes back, the run completes
  with every row.
- The run's lock taken over by another run mid-run: the run stops before its next write and fails,
  saying so; nothing of it is published or committed, and the other run's lease stays.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable
from prefect_support import task_run_counts
from sample_inputs import notes_without_gold

from medflow.tables.manifest import load_manifests
from medflow.tables.query import run_query

RUN_DATE = date(2026, 11, 21)
NEXT_NIGHT = date(2026, 11, 22)
VOLATILE_COLUMNS = ("run_id", "processed_at")  # differ between any two runs by definition


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return notes_without_gold(tmp_path_factory.mktemp("notes"), n_notes=160, seed=5, n_files=8)


def _table_rows(output: Path) -> list[dict]:
    """The predictions table as the deltalake reader returns it (not medflow code), sorted by note."""
    table = DeltaTable(str(output / "predictions")).to_pyarrow_table()
    return sorted((r for r in table.drop_columns(list(VOLATILE_COLUMNS)).to_pylist()), key=lambda r: r["note_id"])


def test_sigkill_during_the_second_night_then_rerun_matches_uninterrupted_nights(
    prefect_harness, flow_env, many_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prefect.settings

    from flows.nightly import nightly_deid_inference

    monkeypatch.setenv("MEDFLOW_LOCK_TTL_S", "3")
    reference_out, crashed_out = tmp_path / "reference", tmp_path / "crashed"
    for night in (RUN_DATE, NEXT_NIGHT):
        nightly_deid_inference(input_uri=str(many_files), output_uri=str(reference_out), run_date=night)
    first = nightly_deid_inference(
        input_uri=str(many_files), output_uri=str(crashed_out), run_date=RUN_DATE, return_state=True
    ).result()
    after_first_night = _table_rows(crashed_out)

    env = {**os.environ, "PREFECT_API_URL": prefect.settings.PREFECT_API_URL.value()}
    command = [
        os.path.join(os.path.dirname(sys.executable), "medflow"), "run",
        "--input", str(many_files), "--output", str(crashed_out), "--run-date", NEXT_NIGHT.isoformat(),
    ]
    victim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = crashed_out / "_staging" / f"run_date={NEXT_NIGHT}"
    deadline = time.monotonic() + 240
    while not list(staging.glob("*/predictions/*.parquet")):  # kill as soon as the first object is staged
        assert victim.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run produced no output in time"
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)

    staged_before_kill = len(list(staging.glob("*/predictions/*.parquet")))
    assert 0 < staged_before_kill < 8
    # Nothing of the killed run is visible: the table is at the first night's version, row for row.
    assert DeltaTable(str(crashed_out / "predictions")).version() == first.tables.predictions.version
    assert _table_rows(crashed_out) == after_first_night
    assert [m.run_id for m in load_manifests(str(crashed_out))] == [first.run_id]
    assert list((crashed_out / "_locks").glob("*.lock"))  # the killed run left its lease behind

    state = nightly_deid_inference(
        input_uri=str(many_files), output_uri=str(crashed_out), run_date=NEXT_NIGHT, return_state=True
    )
    assert state.is_completed()
    assert not [p for p in (crashed_out / "_staging").rglob("*") if p.is_file()]  # swept and cleaned up
    rows = _table_rows(crashed_out)
    assert len(rows) == len({r["note_id"] for r in rows}) == 160  # 0 duplicates
    assert {r["run_date"] for r in rows} == {NEXT_NIGHT}
    assert rows == _table_rows(reference_out)
    merges = [c for c in DeltaTable(str(crashed_out / "predictions")).history() if c["operation"] == "MERGE"]
    assert len(merges) == 2  # the first night and the rerun of the second; the killed run committed nothing


def test_triton_restart_mid_run_is_waited_for_and_loses_nothing(
    prefect_harness, flow_env, tiny_model_repo: Path, many_files: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Triton stops when the run has classified its first rows and starts again once the run says it
    waits for it (`medflow.processing.outage`): whatever the machine's speed, the outage is mid-run and hits the run."""
    from flows.nightly import nightly_deid_inference
    from inference.local_process import free_port
    from inference.triton_server import EmbeddedTriton
    from medflow.processing.progress import watch_progress
    from medflow.settings import get_settings

    ports = {"grpc_port": free_port(), "http_port": free_port(), "metrics_port": free_port()}
    monkeypatch.setenv("MEDFLOW_TRITON_URL", f"127.0.0.1:{ports['grpc_port']}")
    monkeypatch.setenv("MEDFLOW_TRITON_TIMEOUT_S", "5")
    get_settings.cache_clear()
    out = tmp_path / "out"
    server = EmbeddedTriton(tiny_model_repo / "distilbert", precision="fp32", **ports).start()
    stopped, restarted, finished = threading.Event(), threading.Event(), threading.Event()

    def stop_triton_at_the_first_rows(done: int, total: int) -> None:
        if done and not stopped.is_set():
            stopped.set()
            server.stop()

    waiting = _Seen("Triton at")
    logging.getLogger("medflow.processing.outage").addHandler(waiting)
    try:

        def restart_once_the_run_waits() -> None:
            if waiting.event.wait(240) and stopped.is_set():
                server.start()
                restarted.set()
                # The server dies with the thread that started it (parent-death signal): keep this one alive.
                finished.wait(600)

        bouncer = threading.Thread(target=restart_once_the_run_waits, daemon=True)
        bouncer.start()
        try:
            with watch_progress(stop_triton_at_the_first_rows):
                state = nightly_deid_inference(
                    input_uri=str(many_files), output_uri=str(out), run_date=RUN_DATE, return_state=True
                )
        finally:
            waiting.event.set()
            server.stop()
            finished.set()
            bouncer.join(timeout=240)
    finally:
        logging.getLogger("medflow.processing.outage").removeHandler(waiting)
    assert restarted.is_set()
    assert state.is_completed()
    manifest = state.result()
    assert manifest.totals.rows_in == manifest.totals.rows_out == 160
    assert run_query("SELECT count(DISTINCT note_id) AS n FROM predictions", str(out)).item() == 160
    assert DeltaTable(str(out / "predictions")).to_pyarrow_table().num_rows == 160


class _Seen(logging.Handler):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix, self.event = prefix, threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(self.prefix):
            self.event.set()


def test_run_whose_lock_was_taken_over_stops_before_its_next_write_and_fails(
    prefect_harness, flow_env, many_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.nightly import nightly_deid_inference
    from medflow.processing.progress import watch_progress
    from medflow.settings import get_settings

    monkeypatch.setenv("MEDFLOW_LOCK_TTL_S", "1")  # a heartbeat every 0.25 s
    get_settings.cache_clear()
    out = tmp_path / "out"
    lock_file = out / "_locks" / f"run_date={RUN_DATE}.lock"
    staging = out / "_staging" / f"run_date={RUN_DATE}"
    other = {"owner": "other-run@elsewhere#1", "heartbeat": time.time() + 3600}
    lost = _Seen("lost the lock")
    logging.getLogger("medflow.tables.locking").addHandler(lost)
    published_at_takeover: list[int] = []

    def take_over_after_the_first_rows(done: int, total: int) -> None:
        # Runs inside the pipeline, between two writes: the run is held here until its heartbeat has
        # seen the takeover, so its next write is the one that must not happen.
        if done == 0 or published_at_takeover:
            return
        published_at_takeover.append(len(list(staging.glob("*/*/*.parquet"))))
        lock_file.write_text(json.dumps(other))
        assert lost.event.wait(120), "the heartbeat did not notice the takeover"

    try:
        with watch_progress(take_over_after_the_first_rows):
            state = nightly_deid_inference(
                input_uri=str(many_files), output_uri=str(out), run_date=RUN_DATE, return_state=True
            )
    finally:
        logging.getLogger("medflow.tables.locking").removeHandler(lost)
    assert state.is_failed()
    assert "LeaseLost" in state.message and "taken over by other-run@elsewhere#1" in state.message
    assert "stopped before its next write" in state.message
    assert published_at_takeover and len(list(staging.glob("*/*/*.parquet"))) == published_at_takeover[0]
    assert max(task_run_counts(str(state.state_details.flow_run_id), "process-")) == 1  # not retried
    assert not (out / "predictions").exists() and load_manifests(str(out)) == []  # nothing committed
    assert json.loads(lock_file.read_text()) == other  # the other run's lease is left alone
