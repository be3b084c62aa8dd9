"""Logs of flow runs, by configuration: a JSON object per line on stderr with the Prefect flow and task run
ids, and the project's warnings in the run's logs in the Prefect API, never PHI. Each run is its own
process against the session's Prefect test harness, configured the way it is in production: `medflow
run` with MEDFLOW_LOG_FORMAT=json, and a flow-run pod (the ConfigMap's PREFECT_LOGGING_* variables and
its logging.yml, nothing called in code)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect_support import run_logs

from medflow.tables.manifest import load_manifests

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_DATE = date(2026, 11, 21)
MIN_CANARY_CHARS = 4
FIELDS = {"time", "level", "logger", "message", "flow_run_id", "task_run_id"}


@pytest.fixture()
def notes_with_a_corrupt_file(tmp_path: Path) -> tuple[Path, set[str]]:
    """Two files of synthetic notes and one that is not Parquet (quarantined with a medflow warning);
    the gold PHI strings of the notes are the canaries."""
    from samplegen.generate import generate_samples

    folder = tmp_path / "in"
    generate_samples(folder, n_notes=20, seed=4, n_files=2)
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines()]
    (folder / "gold.jsonl").unlink()
    (folder / "notes-0003.parquet").write_bytes(b"PAR1 this is not a Parquet file")
    canaries = {
        r["text"][s["start"] : s["end"]]
        for r in gold
        for s in r["spans"]
        if len(r["text"][s["start"] : s["end"]].strip()) >= MIN_CANARY_CHARS
    }
    return folder, canaries


def _run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    import prefect.settings

    env = {**os.environ, **env, "PREFECT_API_URL": prefect.settings.PREFECT_API_URL.value()}
    run = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    return run.stderr


def _json_lines(stderr: str) -> list[dict[str, Any]]:
    lines = []
    for line in stderr.splitlines():
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line[:300]!r}")
    return lines


def _check_run_logs(stderr: str, out: Path, canaries: set[str]) -> None:
    (manifest,) = load_manifests(str(out))
    lines = _json_lines(stderr)
    assert len(lines) >= 5 and all(FIELDS <= set(x) for x in lines)
    file_lines = [x for x in lines if x["message"].startswith("notes-0001: ok")]
    assert len(file_lines) == 1
    assert (file_lines[0]["level"], file_lines[0]["logger"]) == ("INFO", "prefect.task_runs")
    assert file_lines[0]["flow_run_id"] == manifest.run_id and file_lines[0]["task_run_id"] not in (None, "None")
    assert {x["flow_run_id"] for x in lines if x["logger"] == "prefect.flow_runs"} == {manifest.run_id}
    # medflow's own warning, on stderr with the run's ids...
    (quarantined,) = [x for x in lines if x["logger"] == "medflow.processing.pipeline"]
    assert quarantined["level"] == "WARNING" and "notes-0003.parquet" in quarantined["message"]
    assert quarantined["flow_run_id"] == manifest.run_id and quarantined["task_run_id"] not in (None, "None")
    # ...and in the flow run's logs in the Prefect API (the UI's run page).
    stored = [(log.name, log.level, log.message) for log in run_logs(manifest.run_id)]
    assert ("medflow.processing.pipeline", 30, quarantined["message"]) in stored, stored
    assert [c for c in canaries if c in stderr] == []


def test_medflow_run_logs_json_lines_with_run_ids(
    prefect_harness: None, flow_env: str, tmp_path: Path, notes_with_a_corrupt_file: tuple[Path, set[str]]
) -> None:
    folder, canaries = notes_with_a_corrupt_file
    out = tmp_path / "out"
    medflow = str(Path(sys.executable).parent / "medflow")
    # The unreadable file is quarantined on purpose (its warning must reach the logs): exit 0 with --quarantine-ok.
    command = [medflow, "run", "--input", str(folder), "--output", str(out), "--run-date", RUN_DATE.isoformat(),
               "--quarantine-ok"]
    stderr = _run(command, {"MEDFLOW_LOG_FORMAT": "json"}, tmp_path)
    _check_run_logs(stderr, out, canaries)


def test_flow_run_pod_logging_comes_from_the_configmap(
    prefect_harness: None, flow_env: str, tmp_path: Path, notes_with_a_corrupt_file: tuple[Path, set[str]]
) -> None:
    folder, canaries = notes_with_a_corrupt_file
    settings = yaml.safe_load((REPO_ROOT / "k8s" / "base" / "configmap.yaml").read_text())["data"]
    env = {k: v for k, v in settings.items() if k.startswith("PREFECT_LOGGING_")}
    env["PREFECT_LOGGING_SETTINGS_PATH"] = str(REPO_ROOT / "k8s" / "base" / "logging.yml")  # the mounted file
    out = tmp_path / "out"
    # What `prefect flow-run execute` does in the pod, as far as logging goes: import Prefect, run the flow.
    code = (
        "import sys, datetime; from flows.nightly import nightly_deid_inference as flow; "
        "flow(input_uri=sys.argv[1], output_uri=sys.argv[2], run_date=datetime.date.fromisoformat(sys.argv[3]))"
    )
    stderr = _run([sys.executable, "-c", code, str(folder), str(out), RUN_DATE.isoformat()], env, tmp_path)
    _check_run_logs(stderr, out, canaries)
