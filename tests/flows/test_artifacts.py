"""Run artifacts: rendering (unit) and the artifacts the real nightly flow publishes to the Prefect API
(table + markdown summary), which must reconcile with the manifest and carry no PHI."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from prefect_support import run_artifacts

from flows.artifacts import bar, bar_chart, files_table, summary_markdown
from medflow.run_types import FileReport, RunContext
from medflow.tables.manifest import build_manifest

RUN_DATE = date(2026, 11, 21)
MIN_CANARY_CHARS = 4  # shorter PHI (state codes, initials) also occurs as ordinary words


def _manifest():
    start = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    ctx = RunContext("run-1", RUN_DATE, "s3://out", "demo", "3", start)
    reports = [
        FileReport("s3://in/a.parquet", "f1", output="o1", rows_in=10, rows_out=10,
                   entities={"NAME": 8, "DATE": 2}, labels={"Radiology": 10},
                   labels_above={"Radiology": 10, "Orthopedic": 3}, seconds={"deid": 1.5, "classify": 0.5}),
        FileReport("s3://in/b.parquet", "f2", output="o2", status="partial", rows_in=5, rows_out=4,
                   rows_quarantined=1, entities={"NAME": 4, "MRN": 1}, labels={"Surgery": 4},
                   labels_above={"Surgery": 4, "Orthopedic": 1}, seconds={"deid": 1.0}),
        FileReport("s3://in/c.parquet", "f3", status="failed", error="unreadable Parquet (ArrowInvalid)",
                   rows_in=7, rows_quarantined=7),
    ]
    return build_manifest(ctx, "s3://in", reports, start, start + timedelta(seconds=4))


def test_bars_are_proportional_in_eighths() -> None:
    assert bar(10, 10, width=4) == "████"
    assert bar(5, 10, width=4) == "██"
    assert bar(1, 16, width=4) == "▎" and bar(3, 16, width=4) == "▊"  # 2 and 6 eighths
    assert bar(0.01, 10) == "▏"  # anything above zero stays visible
    assert bar(0, 10) == "" and bar(3, 0) == ""


def test_files_table_and_summary_reconcile_with_the_manifest() -> None:
    manifest = _manifest()
    rows = files_table(manifest)
    assert [r["file"] for r in rows[:-1]] == ["a.parquet", "b.parquet", "c.parquet"]
    assert rows[0]["notes_per_s"] == 5.0  # 10 notes in 2 s of stages
    assert (rows[1]["NAME"], rows[1]["MRN"], rows[1]["DATE"]) == (4, 1, 0)
    total = rows[-1]
    assert (total["rows_in"], total["rows_out"], total["rows_quarantined"]) == (22, 14, 8)
    assert (total["NAME"], total["DATE"], total["MRN"], total["entities_removed"]) == (12, 2, 1, 15)
    assert total["notes_per_s"] == manifest.totals.notes_per_s == 3.5
    assert {r["model_version"] for r in rows} == {"3"}

    md = summary_markdown(manifest)
    assert md.startswith("# Nightly run 2026-11-21: completed_with_quarantine")
    assert "| 3 | 1 | 0 | 22 | 14 | 8 | 15 | 3.5 |" in md
    chart = bar_chart({"NAME": 12, "DATE": 2, "MRN": 1})
    assert chart in md
    lines = chart.splitlines()[1:-1]
    assert [line.split()[0] for line in lines] == ["NAME", "DATE", "MRN"]  # largest first
    assert lines[0].count("█") == 30
    assert "`c.parquet`: failed, 7 row(s) (unreadable Parquet (ArrowInvalid))" in md
    # Top labels, then every label above its threshold (a note under each of its labels).
    assert manifest.totals.labels_above_counts == {"Orthopedic": 4, "Radiology": 10, "Surgery": 4}
    top, above = bar_chart({"Radiology": 10, "Surgery": 4}), bar_chart(manifest.totals.labels_above_counts)
    assert md.index("## Predicted labels") < md.index(top) < md.index("## Every label above its threshold")
    assert md.index("## Every label above its threshold") < md.index(above)
    assert [line.split()[0] for line in above.splitlines()[1:-1]] == ["Radiology", "Orthopedic", "Surgery"]


def test_nightly_flow_publishes_table_and_summary_without_phi(
    prefect_harness: None, flow_env: str, tmp_path: Path
) -> None:
    from flows.nightly import nightly_deid_inference
    from samplegen.generate import generate_samples

    folder = tmp_path / "in"
    generate_samples(folder, n_notes=30, seed=3, n_files=2)
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines()]
    (folder / "gold.jsonl").unlink()
    state = nightly_deid_inference(
        input_uri=str(folder), output_uri=str(tmp_path / "out"), run_date=RUN_DATE, return_state=True
    )
    manifest = state.result()
    artifacts = run_artifacts(state.state_details.flow_run_id)
    assert set(artifacts) == {"nightly-files", "nightly-summary", "nightly-progress"}
    # Progress of the run as a Prefect progress artifact, finished: every input row done.
    assert artifacts["nightly-progress"].type == "progress"
    assert float(artifacts["nightly-progress"].data) == 100.0

    table = json.loads(artifacts["nightly-files"].data)
    assert artifacts["nightly-files"].type == "table"
    assert [r["file"] for r in table[:-1]] == ["notes-0001.parquet", "notes-0002.parquet"]
    for row, report in zip(table, manifest.files, strict=False):
        assert (row["rows_in"], row["rows_out"], row["rows_quarantined"]) == (
            report.rows_in, report.rows_out, report.rows_quarantined
        )
    total = table[-1]
    totals = manifest.totals
    assert total["rows_out"] == totals.rows_out == 30
    assert total["entities_removed"] == sum(totals.entities_by_type.values()) > 0
    assert {k: total[k] for k in totals.entities_by_type} == totals.entities_by_type
    assert total["model_version"] == manifest.model.version

    summary = artifacts["nightly-summary"].data
    assert artifacts["nightly-summary"].type == "markdown"
    assert manifest.run_id in summary and manifest.model.name in summary
    assert bar_chart(totals.entities_by_type) in summary

    canaries = {
        r["text"][s["start"] : s["end"]]
        for r in gold
        for s in r["spans"]
        if len(r["text"][s["start"] : s["end"]].strip()) >= MIN_CANARY_CHARS
    }
    assert len(canaries) > 30
    published = artifacts["nightly-files"].data + summary
    assert [c for c in canaries if re.search(rf"(?<!\w){re.escape(c)}(?!\w)", published)] == []
