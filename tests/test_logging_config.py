"""Structured logs: `medflow run` with MEDFLOW_LOG_FORMAT=json logs one JSON object per line, with the
Prefect flow and task run ids, and no PHI (real flow, real harness, real Triton)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medflow.cli import app
from medflow.manifest import load_manifests

RUN_DATE = date(2026, 11, 21)
MIN_CANARY_CHARS = 4


@pytest.fixture()
def restore_logging() -> Iterator[None]:
    root, medflow_logger = logging.getLogger(), logging.getLogger("medflow")
    handlers, level = list(root.handlers), medflow_logger.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    medflow_logger.setLevel(level)


def test_medflow_run_logs_json_lines_with_run_ids(
    prefect_harness: None, flow_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_logging: None
) -> None:
    from medflow.samplegen import generate_samples
    from medflow.settings import get_settings

    folder = tmp_path / "in"
    generate_samples(folder, n_notes=20, seed=4, n_files=2)
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines()]
    (folder / "gold.jsonl").unlink()
    monkeypatch.setenv("MEDFLOW_LOG_FORMAT", "json")
    get_settings.cache_clear()
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", "--input", str(folder), "--output", str(out), "--run-date", RUN_DATE.isoformat()]
    )
    assert result.exit_code == 0, result.output
    (manifest,) = load_manifests(str(out))

    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert len(lines) >= 5
    assert all({"time", "level", "logger", "message", "flow_run_id", "task_run_id"} <= set(x) for x in lines)
    file_lines = [x for x in lines if x["message"].startswith("notes-0001: ok")]
    assert len(file_lines) == 1
    assert file_lines[0]["flow_run_id"] == manifest.run_id
    assert file_lines[0]["task_run_id"] not in (None, "None")
    assert file_lines[0]["level"] == "INFO" and file_lines[0]["logger"] == "prefect.task_runs"
    assert {x["flow_run_id"] for x in lines if x["logger"] == "prefect.flow_runs"} == {manifest.run_id}

    canaries = {
        r["text"][s["start"] : s["end"]]
        for r in gold
        for s in r["spans"]
        if len(r["text"][s["start"] : s["end"]].strip()) >= MIN_CANARY_CHARS
    }
    assert canaries and [c for c in canaries if c in result.stderr] == []
