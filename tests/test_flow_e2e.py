"""End to end: the Prefect flow (real test harness) against the real embedded Triton, the real
de-identification engine and local files, on notes from the real sample generator."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from medflow.cli import app
from medflow.manifest import load_manifests
from medflow.schema import OUTPUT_SCHEMA

RUN_DATE = date(2026, 11, 21)
MIN_CANARY_CHARS = 4  # shorter PHI (state codes, initials) also occurs as ordinary words


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture()
def all_logs() -> Iterator[list[str]]:
    """Every log record emitted anywhere (root, prefect, medflow) at DEBUG and above."""
    handler = _Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(message)s %(exc_info)s"))
    loggers = [logging.getLogger(), logging.getLogger("prefect"), logging.getLogger("medflow")]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler.lines
    for lg, level in saved:
        lg.removeHandler(handler)
        lg.setLevel(level)


@pytest.fixture(scope="module")
def sample_input(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """Three Parquet files of generated notes plus one corrupt object; returns (folder, gold records)."""
    from medflow.samplegen import generate_samples

    folder = tmp_path_factory.mktemp("notes")
    generate_samples(folder, n_notes=90, seed=7, n_files=3)
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines()]
    (folder / "gold.jsonl").unlink()
    (folder / "zz-corrupt.parquet").write_bytes(b"PAR1 this is not a parquet file")
    return folder, gold


def _phi_canaries(gold: list[dict]) -> set[str]:
    return {
        r["text"][s["start"] : s["end"]]
        for r in gold
        for s in r["spans"]
        if len(r["text"][s["start"] : s["end"]].strip()) >= MIN_CANARY_CHARS
    }


def test_nightly_flow_end_to_end(
    prefect_harness: None, flow_env: str, sample_input: tuple[Path, list[dict]], tmp_path: Path, all_logs
) -> None:
    from flows.nightly import nightly_deid_inference

    folder, gold = sample_input
    out = tmp_path / "out"
    state = nightly_deid_inference(
        input_uri=str(folder), output_uri=str(out), run_date=RUN_DATE, return_state=True
    )
    assert state.is_completed()
    assert "QUARANTINED" in state.message  # the corrupt object is announced in the final state
    manifest = state.result()

    # One output per readable input file, one row per input note, schema as documented.
    prediction_files = sorted((out / "predictions" / f"run_date={RUN_DATE}").glob("*.parquet"))
    assert len(prediction_files) == 3
    table = pq.read_table(prediction_files, partitioning=None)
    assert table.schema.equals(OUTPUT_SCHEMA)
    assert table.num_rows == len(gold) == 90
    assert sorted(table.column("note_id").to_pylist()) == sorted(r["id"] for r in gold)
    assert set(table.column("model_name").to_pylist()) == {"demo-random-distilbert"}
    assert set(table.column("label").to_pylist()) <= {"LABEL_0", "LABEL_1"}
    assert set(table.column("run_id").to_pylist()) == {manifest.run_id}

    # Manifest: committed, counts reconcile, the corrupt object is quarantined with a reason.
    (committed,) = load_manifests(str(out))
    assert committed.run_id == manifest.run_id
    totals = committed.totals
    assert totals.files == 4 and totals.files_failed == 1
    assert totals.rows_in == totals.rows_out + totals.rows_quarantined
    assert totals.rows_out == 90
    assert sum(totals.entities_by_type.values()) > 0
    assert set(totals.seconds_by_stage) >= {"read", "deid", "classify", "write"}
    failed = [f for f in committed.files if f.status == "failed"]
    assert failed[0].source.endswith("zz-corrupt.parquet") and failed[0].error.startswith("unreadable Parquet")

    # PHI: no gold PHI string survives in the outputs or in any log line of the run.
    canaries = _phi_canaries(gold)
    assert len(canaries) > 100
    outputs_text = "\n".join(table.column("deid_text").to_pylist())
    for path in out.rglob("*"):
        if path.is_file() and path.suffix == ".json":
            outputs_text += path.read_text()
    leaked = sorted(c for c in canaries if re.search(rf"(?<!\w){re.escape(c)}(?!\w)", outputs_text))
    assert leaked == [], f"{len(leaked)} PHI strings survived de-identification"
    log_text = "\n".join(all_logs)
    assert "nightly-deid-inference" in log_text or "process-" in log_text  # logs were captured at all
    assert [c for c in canaries if c in log_text] == []

    # Analysts' view: SQL over committed tables.
    result = CliRunner().invoke(
        app, ["query", "SELECT count(*) AS n FROM predictions", "--output", str(out), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"n": 90}]
