"""End to end: the Prefect flow (real test harness) against the real embedded Triton, the real
de-identification engine and local files, on notes from the real sample generator."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deid_support import ERROR_TRIGGER, TIMEOUT_TRIGGER, trapped
from deltalake import DeltaTable
from label_checks import assert_labels_above_thresholds
from prefect_support import TEST_DEID_KEY, note_pseudonym, run_artifacts
from typer.testing import CliRunner

from cli.main import app
from deid.surrogates import Surrogates
from inference.model_files import latest_version_dir, load_model_info
from medflow.tables.delta import TABLE_SCHEMAS
from medflow.tables.manifest import load_manifests

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
    from samplegen.generate import generate_samples

    folder = tmp_path_factory.mktemp("notes")
    generate_samples(folder, n_notes=90, seed=7, n_files=3)
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines()]
    (folder / "gold.jsonl").unlink()
    (folder / "zz-corrupt.parquet").write_bytes(b"PAR1 this is not a parquet file")
    return folder, gold


def _occurs(canary: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(canary)}(?!\w)", text) is not None


def _string_values(node: object) -> list[str]:
    """Every string in a JSON document (keys and values); numbers are counts and timings, not text."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (k, *_string_values(v))]
    if isinstance(node, list):
        return [s for item in node for s in _string_values(item)]
    return [node] if isinstance(node, str) else []


def _json_documents(path: Path) -> list[object]:
    """A JSON file (manifests) or JSON lines (the Delta log, whose file statistics hold column values)."""
    text = path.read_text()
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _phi_canaries(gold: list[dict]) -> set[str]:
    return {
        r["text"][s["start"] : s["end"]]
        for r in gold
        for s in r["spans"]
        if len(r["text"][s["start"] : s["end"]].strip()) >= MIN_CANARY_CHARS
    }


def test_nightly_flow_end_to_end(
    prefect_harness: None,
    flow_env: str,
    tiny_model_repo: Path,
    sample_input: tuple[Path, list[dict]],
    tmp_path: Path,
    all_logs: list[str],
    capfd: pytest.CaptureFixture[str],
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

    # The Delta table, read with deltalake itself: one row per input note, schema as documented.
    delta = DeltaTable(str(out / "predictions"))
    assert pa.schema(delta.schema()) == TABLE_SCHEMAS["predictions"]
    assert delta.metadata().partition_columns == ["run_date"]
    table = delta.to_pyarrow_table()
    assert table.num_rows == len(gold) == 90
    assert set(table.column("run_date").to_pylist()) == {RUN_DATE}
    assert sorted(table.column("note_id").to_pylist()) == sorted(note_pseudonym(r["id"]) for r in gold)
    assert set(table.column("model_name").to_pylist()) == {"demo-random-distilbert"}
    assert set(table.column("label").to_pylist()) <= {"LABEL_0", "LABEL_1"}
    info = load_model_info(latest_version_dir(tiny_model_repo / "distilbert"))
    for row in table.select(["label", "score", "labels"]).to_pylist():
        assert_labels_above_thresholds(row["labels"], row["label"], row["score"], info)
    assert set(table.column("run_id").to_pylist()) == {manifest.run_id}

    # Manifest: the run's report, naming the versions it committed; counts reconcile; the corrupt
    # object is quarantined with a reason.
    (committed,) = load_manifests(str(out))
    assert committed.run_id == manifest.run_id
    assert committed.tables is not None and committed.tables.predictions.version == delta.version()
    assert not [p for p in (out / "_staging").rglob("*") if p.is_file()]  # staged objects deleted
    summary = run_artifacts(manifest.run_id)["nightly-summary"].data
    assert f"committed `predictions` version {delta.version()}" in summary
    totals = committed.totals
    assert totals.files == 4 and totals.files_failed == 1
    assert totals.rows_in == totals.rows_out + totals.rows_quarantined
    assert totals.rows_out == 90
    assert sum(totals.entities_by_type.values()) > 0
    assert set(totals.seconds_by_stage) >= {"read", "deid", "classify", "write"}
    failed = [f for f in committed.files if f.status == "failed"]
    assert failed[0].source.endswith("zz-corrupt.parquet") and failed[0].error.startswith("unreadable Parquet")

    # PHI: no note's own PHI survives in its de-identified text (matched per note: a patient's surname
    # may be an ordinary eponym in another note, e.g. "Bell" / "Bell's palsy"); and no gold PHI string
    # at all appears in the run's JSON outputs or in any log line.
    deid_by_id = dict(zip(table.column("note_id").to_pylist(), table.column("deid_text").to_pylist(), strict=True))
    leaked = sorted(
        (record["id"], canary)
        for record in gold
        for canary in _phi_canaries([record])
        if _occurs(canary, deid_by_id[note_pseudonym(record["id"])])
    )
    assert leaked == [], f"{len(leaked)} PHI strings survived de-identification in their own note"
    canaries = _phi_canaries(gold)
    assert len(canaries) > 100
    json_strings = "\n".join(s for p in out.rglob("*.json") for doc in _json_documents(p) for s in _string_values(doc))
    assert [c for c in canaries if _occurs(c, json_strings)] == []
    captured = capfd.readouterr()  # Prefect's run loggers write to the console and do not propagate
    log_text = "\n".join([*all_logs, captured.out, captured.err])
    assert "Finished in state Completed" in log_text  # Prefect's run logs were captured too
    # Short all-digit PHI (years, 4-5 digit numbers) also occurs as counts, ports and timings in logs.
    log_canaries = [c for c in canaries if not (c.isdigit() and len(c) < 6)]
    assert len(log_canaries) > 100
    assert [c for c in log_canaries if _occurs(c, log_text)] == []

    # Analysts' view: SQL over committed tables; run_date is a column.
    result = CliRunner().invoke(
        app,
        ["query", "SELECT run_date, count(*) AS n FROM predictions GROUP BY run_date", "--output", str(out),
         "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"run_date": RUN_DATE.isoformat(), "n": 90}]
    quarantined = CliRunner().invoke(
        app, ["query", "SELECT reason FROM quarantine", "--output", str(out), "--format", "csv"]
    )
    assert quarantined.output.splitlines() == ["reason", "unreadable Parquet (ArrowInvalid)"]


def _string_cells(tables: list[pa.Table]) -> set[str]:
    columns = [c for t in tables for c in t.columns if pa.types.is_string(c.type)]
    return {v for column in columns for v in column.to_pylist() if v}


def test_tables_hold_no_input_identifier_and_created_at_moves_with_the_text(
    prefect_harness: None, flow_env: str, sample_input: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    from flows.nightly import nightly_deid_inference

    folder, _ = sample_input
    out = tmp_path / "out"
    state = nightly_deid_inference(input_uri=str(folder), output_uri=str(out), run_date=RUN_DATE, return_state=True)
    assert state.is_completed()
    inputs = pq.read_table(sorted(folder.glob("*.parquet"))[:3], partitioning=None)
    raw_ids = {v for name in ("note_id", "patient_id") for v in inputs.column(name).to_pylist() if v}
    assert len(raw_ids) > 90
    outputs = [DeltaTable(str(out / name)).to_pyarrow_table() for name in ("predictions", "quarantine")]
    assert [t.num_rows for t in outputs] == [90, 1]  # every readable note, the corrupt object's record
    cells = _string_cells(outputs)
    assert raw_ids.isdisjoint(cells)
    assert not [c for c in cells for raw in raw_ids if raw in c]  # not even inside another value
    # Nor in the Delta logs (column statistics), the run manifests or anything else left as text.
    text = " ".join(p.read_text() for p in out.rglob("*.json"))
    assert not [raw for raw in raw_ids if re.search(rf"\b{re.escape(raw)}\b", text)]

    predictions = outputs[0].to_pylist()
    by_pseudonym = {r["note_id"]: r for r in predictions}
    surrogates = Surrogates(TEST_DEID_KEY.encode())
    for row in inputs.to_pylist():
        written = by_pseudonym[note_pseudonym(row["note_id"])]
        shift = surrogates.shift_days(row["patient_id"])
        assert written["created_at"] == row["created_at"] + timedelta(days=shift)
        assert written["patient_id"] != row["patient_id"] and len(written["patient_id"]) == 32


def test_notes_whose_deid_does_not_complete_are_quarantined_by_the_flow(
    prefect_harness: None, flow_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, all_logs: list[str]
) -> None:
    from deid.engine import get_engine
    from deid.recognizers import base
    from flows.nightly import nightly_deid_inference
    from medflow.settings import get_settings

    canary = "Zebulon Quigglesworth"
    notes = [
        ("ok-1", "Seen by Dr. Quennell on 3/4/2021 for chest pain."),
        ("slow", f"Seen by Dr. {canary}.\n{TIMEOUT_TRIGGER}"),
        ("broken", f"{ERROR_TRIGGER}: Dr. {canary}, MRN 99817263."),
        ("ok-2", "Follow up in two weeks."),
    ]
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(
        pa.table({"note_id": [n for n, _ in notes], "patient_id": ["p1"] * 4, "note_text": [t for _, t in notes]}),
        folder / "notes.parquet",
    )
    monkeypatch.setattr(base, "REGEX_TIMEOUT_S", 0.2)
    with trapped(get_engine(get_settings().deid_config())):  # the engine the flow's task uses (same settings)
        manifest = nightly_deid_inference(input_uri=str(folder), output_uri=str(tmp_path / "out"), run_date=RUN_DATE)

    (report,) = manifest.files
    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (4, 2, 2)
    assert manifest.totals.rows_in == manifest.totals.rows_out + manifest.totals.rows_quarantined
    quarantine = DeltaTable(str(tmp_path / "out" / "quarantine")).to_pyarrow_table().to_pylist()
    assert sorted((q["row_index"], q["reason"], q["note_id"]) for q in quarantine) == [
        (1, "deid_incomplete", note_pseudonym("slow")),
        (2, "deid_incomplete", note_pseudonym("broken")),
    ]
    written = DeltaTable(str(tmp_path / "out" / "predictions")).to_pyarrow_table()
    assert sorted(written.column("note_id").to_pylist()) == sorted([note_pseudonym("ok-1"), note_pseudonym("ok-2")])
    assert not [line for line in all_logs if canary in line or "99817263" in line]


def test_flow_refuses_to_run_without_the_deid_key(
    prefect_harness: None, flow_env: str, sample_input: tuple[Path, list[dict]], tmp_path: Path, monkeypatch
) -> None:
    from flows.nightly import nightly_deid_inference
    from medflow.settings import get_settings

    monkeypatch.delenv("MEDFLOW_DEID_HMAC_KEY")
    get_settings.cache_clear()
    folder, _ = sample_input
    state = nightly_deid_inference(
        input_uri=str(folder), output_uri=str(tmp_path / "out"), run_date=RUN_DATE, return_state=True
    )
    assert state.is_failed()
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(app, ["run", "--input", str(folder), "--output", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: MEDFLOW_DEID_HMAC_KEY is not set")
    assert len(result.output.splitlines()) == 1


def test_demo_works_out_of_the_box_without_a_deid_key(
    prefect_harness: None, tiny_model_repo: Path, sample_input: tuple[Path, list[dict]], tmp_path: Path, monkeypatch
) -> None:
    """`medflow demo`'s code path with no key configured: a random key for the run, announced; tables
    still hold pseudonyms only."""
    from io import StringIO

    from rich.console import Console

    from cli.demo import run_demo
    from medflow.settings import get_settings

    monkeypatch.setenv("MEDFLOW_DEID_HMAC_KEY", "set-here-so-teardown-restores-the-original")
    monkeypatch.delenv("MEDFLOW_DEID_HMAC_KEY")  # the demo sets its own random key in os.environ
    monkeypatch.setenv("MEDFLOW_MODEL_REPOSITORY", str(tiny_model_repo))
    monkeypatch.setenv("MEDFLOW_PRECISION", "fp32")
    monkeypatch.chdir(tmp_path)  # no .env file
    get_settings.cache_clear()
    folder, gold = sample_input
    samples = tmp_path / "samples"
    samples.mkdir()
    for path in sorted(folder.glob("*.parquet"))[:3]:
        (samples / path.name).write_bytes(path.read_bytes())
    printed = StringIO()
    try:
        state = run_demo(get_settings(), samples, str(tmp_path / "demo"), Console(file=printed, width=200))
    finally:
        get_settings.cache_clear()
    assert state.is_completed() and state.name == "Completed"
    manifest = state.result()
    assert manifest.totals.rows_out == len(gold) and manifest.totals.rows_quarantined == 0
    assert "random key for this run only" in printed.getvalue()
    table = DeltaTable(str(tmp_path / "demo" / "predictions")).to_pyarrow_table()
    assert not {r["id"] for r in gold} & set(table.column("note_id").to_pylist())
    # The README's example queries work right after the demo, the quarantine table empty but there.
    readme_query = "SELECT reason, count(*) AS records FROM quarantine GROUP BY reason"
    demo_out = str(tmp_path / "demo")
    quarantined = CliRunner().invoke(app, ["query", readme_query, "--output", demo_out, "--format", "csv"])
    assert quarantined.exit_code == 0, quarantined.output
    assert quarantined.output.splitlines() == ["reason,records"]
