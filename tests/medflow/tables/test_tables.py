"""The Delta tables and their commit, with fake model stages (real Parquet, real delta-rs, local files).

What analysts see is checked with the `deltalake` reader itself, not with medflow code.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake
from typer.testing import CliRunner

from cli.main import app
from deid.pseudonyms import Pseudonyms
from deid.surrogates import Surrogates
from medflow.processing.pipeline import Stages, process_file
from medflow.settings import get_settings
from medflow.storage import list_parquet_objects
from medflow.tables.commit import DUPLICATE_ACROSS_OBJECTS, commit_manifest
from medflow.tables.delta import TABLE_SCHEMAS, LegacyLayoutError, NoCommittedRunError
from medflow.tables.manifest import RunManifest, build_manifest, load_manifests
from medflow.tables.query import run_query
from tests.medflow.processing.test_pipeline import (
    STAGES,
    fake_classify,
    fake_deidentify,
    make_ctx,
    note,
    pseudonym,
    write_notes,
)

NIGHT_1, NIGHT_2 = date(2026, 11, 21), date(2026, 11, 22)


def run_once(input_dir: Path, out: Path, run_id: str, run_date: date, model_version: str = "7") -> RunManifest:
    """What the nightly flow does without Prefect: stage every input object, then commit."""
    ctx = make_ctx(out, run_id=run_id, run_date=run_date, model_version=model_version)
    reports = [process_file(source, ctx, STAGES) for source in list_parquet_objects(str(input_dir))]
    started = datetime(2026, 1, 1, tzinfo=UTC)
    return commit_manifest(build_manifest(ctx, str(input_dir), reports, started, started))


def delta(out: Path, name: str) -> DeltaTable:
    return DeltaTable(str(out / name))


@pytest.fixture()
def two_files(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    write_notes(folder / "a.parquet", [note(i) for i in range(6)])
    write_notes(folder / "b.parquet", [note(i) for i in range(6, 10)] + [note(10, None)])
    return folder


def test_two_nights_over_the_same_inputs_keep_one_row_per_note(two_files: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_once(two_files, out, "run-1", NIGHT_1)
    between_the_nights = datetime.now(UTC)
    second = run_once(two_files, out, "run-2", NIGHT_2, model_version="8")

    table = delta(out, "predictions")
    rows = table.to_pyarrow_table().to_pylist()
    assert sorted(r["note_id"] for r in rows) == sorted(pseudonym(f"n{i}") for i in range(10))  # once each
    assert {(r["run_id"], r["run_date"], r["model_version"]) for r in rows} == {("run-2", NIGHT_2, "8")}
    assert pa.schema(table.schema()).names == TABLE_SCHEMAS["predictions"].names
    assert table.metadata().partition_columns == ["run_date"]
    merges = [c for c in table.history() if c["operation"] == "MERGE"]
    assert [c["medflow.run_id"] for c in merges] == ["run-2", "run-1"]
    assert [m["operationMetrics"]["num_target_rows_updated"] for m in merges] == [10, 0]

    # Time travel: the first night's state is still there, at the version its manifest names.
    assert first.tables and second.tables
    assert second.tables.predictions.version > first.tables.predictions.version
    night_1 = DeltaTable(str(out / "predictions"), version=first.tables.predictions.version).to_pyarrow_table()
    assert night_1.num_rows == 10 and set(night_1.column("run_id").to_pylist()) == {"run-1"}
    as_of = run_query("SELECT DISTINCT run_id, run_date FROM predictions", str(out), first.tables.predictions.version)
    assert as_of.rows() == [("run-1", NIGHT_1)]
    for value in (str(first.tables.predictions.version), between_the_nights.isoformat()):
        cli = CliRunner().invoke(
            app, ["query", "SELECT DISTINCT run_id FROM predictions", "--output", str(out), "--as-of", value,
                  "--format", "csv"],
        )
        assert cli.exit_code == 0, cli.output
        assert cli.output.splitlines() == ["run_id", "run-1"]

    # The quarantined row is there once too: the second run replaced the first one's rows of b.parquet.
    quarantine = delta(out, "quarantine").to_pyarrow_table().to_pylist()
    assert [(Path(q["source"]).name, q["row_index"], q["reason"], q["run_id"]) for q in quarantine] == [
        ("b.parquet", 4, "missing note_text", "run-2")
    ]
    assert second.totals.rows_in == second.totals.rows_out + second.totals.rows_quarantined == 11


def test_a_table_of_the_previous_schema_gains_labels_and_keeps_its_rows(two_files: Path, tmp_path: Path) -> None:
    """Tables and staged objects written before the `labels` column stay readable and writable."""
    out = tmp_path / "out"
    previous = pa.schema([f for f in TABLE_SCHEMAS["predictions"] if f.name != "labels"])
    old_row = {
        "note_id": "note-of-the-previous-version", "patient_id": None, "note_type": "nursing",
        "created_at": None, "deid_text": "old [NAME] text", "label": "SHORT", "score": 0.5, "n_chunks": 1,
        "model_name": "fake", "model_version": "6", "run_id": "run-0",
        "processed_at": datetime(2026, 11, 20, tzinfo=UTC), "run_date": NIGHT_1,
    }
    write_deltalake(str(out / "predictions"), pa.Table.from_pylist([old_row], schema=previous),
                    partition_by=["run_date"])

    # The upgrade lands mid-run: a.parquet was staged by the previous version (no `labels`), b.parquet by this one.
    ctx = make_ctx(out, run_id="run-1", run_date=NIGHT_2)
    reports = [process_file(source, ctx, STAGES) for source in list_parquet_objects(str(two_files))]
    staged_by_previous = reports[0].output
    assert staged_by_previous and Path(staged_by_previous).name.startswith("a-")
    pq.write_table(pq.read_table(staged_by_previous).drop_columns(["labels"]), staged_by_previous)
    started = datetime(2026, 1, 1, tzinfo=UTC)
    commit_manifest(build_manifest(ctx, str(two_files), reports, started, started))

    table = delta(out, "predictions")
    assert "labels" in pa.schema(table.schema()).names
    rows = {r["note_id"]: r for r in table.to_pyarrow_table().to_pylist()}
    assert rows["note-of-the-previous-version"]["label"] == "SHORT"
    assert rows["note-of-the-previous-version"]["labels"] is None
    assert all(rows[pseudonym(f"n{i}")]["labels"] is None for i in range(6))  # staged by the previous version
    assert [rows[pseudonym(f"n{i}")]["labels"] for i in range(6, 10)] == [[{"label": "SHORT", "score": 0.75}]] * 4
    assert DeltaTable(str(out / "predictions"), version=0).to_pyarrow_table().to_pylist() == [old_row]

    # Writable again by this version: a rerun fills every note's labels, the old row stays.
    run_once(two_files, out, "run-2", NIGHT_2)
    rows = {r["note_id"]: r for r in delta(out, "predictions").to_pyarrow_table().to_pylist()}
    assert len(rows) == 11 and rows["note-of-the-previous-version"]["labels"] is None
    assert all(rows[pseudonym(f"n{i}")]["labels"] == [{"label": "SHORT", "score": 0.75}] for i in range(10))
    exploded = run_query(  # the README's query of every label above its threshold
        "SELECT l.label AS label, count(*) AS notes, avg(l.score) AS mean_score "
        "FROM (SELECT UNNEST(labels) AS l FROM predictions WHERE labels IS NOT NULL) "
        "GROUP BY l.label ORDER BY notes DESC",
        str(out),
    )
    assert exploded.rows() == [("SHORT", 10, 0.75)]
    as_csv = CliRunner().invoke(  # CSV has no nested values: the list is written as JSON text
        app, ["query", "SELECT labels FROM predictions WHERE labels IS NOT NULL LIMIT 1", "--output", str(out),
              "--format", "csv"],
    )
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.output.splitlines() == ["labels", '"[{""label"": ""SHORT"", ""score"": 0.75}]"']


def test_a_note_in_two_input_objects_is_kept_once_and_the_later_quarantined(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_notes(folder / "a.parquet", [note(i) for i in range(3)])
    write_notes(folder / "b.parquet", [note(5), note(1, "a later copy of n1, xx"), note(6)])
    out = tmp_path / "out"
    manifest = run_once(folder, out, "run-1", NIGHT_1)

    predictions = delta(out, "predictions").to_pyarrow_table()
    assert Counter(predictions.column("note_id").to_pylist()) == Counter(
        pseudonym(n) for n in ["n0", "n1", "n2", "n5", "n6"]
    )
    n1 = [r for r in predictions.to_pylist() if r["note_id"] == pseudonym("n1")][0]
    assert n1["deid_text"] == "note [NAME] text"  # the first object in listing order keeps the note
    quarantine = delta(out, "quarantine").to_pyarrow_table().to_pylist()
    assert [(Path(q["source"]).name, q["row_index"], q["note_id"], q["reason"]) for q in quarantine] == [
        ("b.parquet", 1, pseudonym("n1"), DUPLICATE_ACROSS_OBJECTS)
    ]
    by_file = {Path(f.source).name: f for f in manifest.files}
    assert (by_file["b.parquet"].status, by_file["b.parquet"].rows_out, by_file["b.parquet"].rows_quarantined) == (
        "partial", 2, 1
    )
    assert sum(by_file["b.parquet"].labels.values()) == 2
    # The quarantined copy's labels (LONG, MENTIONS_XX) no longer count.
    assert by_file["b.parquet"].labels == by_file["b.parquet"].labels_above == {"SHORT": 2}
    assert manifest.totals.rows_in == manifest.totals.rows_out + manifest.totals.rows_quarantined == 6


def test_quarantine_rows_are_replaced_per_input_object(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_notes(folder / "a.parquet", [note(0), note(1, "  ")])
    (folder / "z.parquet").write_bytes(b"not parquet")
    out = tmp_path / "out"
    run_once(folder, out, "run-1", NIGHT_1)
    quarantine = delta(out, "quarantine").to_pyarrow_table().to_pylist()
    reasons = {(Path(q["source"]).name, q["row_index"], q["note_id"]) for q in quarantine}
    # A whole object: no note id, no row.
    assert reasons == {("a.parquet", 1, pseudonym("n1")), ("z.parquet", None, None)}

    # Both objects fixed: the next run's commit removes their old problems and adds the notes.
    write_notes(folder / "a.parquet", [note(0), note(1)])
    write_notes(folder / "z.parquet", [note(2)])
    run_once(folder, out, "run-2", NIGHT_1)
    assert delta(out, "quarantine").to_pyarrow_table().num_rows == 0
    assert sorted(delta(out, "predictions").to_pyarrow_table().column("note_id").to_pylist()) == sorted(
        pseudonym(n) for n in ["n0", "n1", "n2"]
    )


def test_both_tables_exist_from_the_first_commit_even_when_empty(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(NoCommittedRunError, match=r"^no run has committed to .* yet"):
        run_query("SELECT * FROM quarantine", str(out))
    result = CliRunner().invoke(app, ["query", "SELECT count(*) FROM predictions", "--output", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "no run has committed" in result.stderr

    clean = tmp_path / "clean"
    write_notes(clean / "a.parquet", [note(0), note(1)])
    run_once(clean, out, "run-1", NIGHT_1)
    assert run_query("SELECT count(*) AS n FROM quarantine", str(out)).item() == 0  # empty, with its schema
    assert pa.schema(delta(out, "quarantine").schema()) == TABLE_SCHEMAS["quarantine"]

    nothing = tmp_path / "nothing"
    nothing.mkdir()
    other = tmp_path / "other"
    run_once(nothing, other, "run-0", NIGHT_1)  # no input at all: the tables are still created
    assert run_query("SELECT count(*) AS n FROM predictions", str(other)).item() == 0


def _commit_in_process(input_dir: str, out: str, run_id: str) -> None:
    run_once(Path(input_dir), Path(out), run_id, NIGHT_1)


def test_concurrent_commits_of_separate_runs_all_land(tmp_path: Path) -> None:
    """Processes committing at the same time (a MERGE that overlaps another conflicts and is rerun): none is lost."""
    out = tmp_path / "out"
    folders = []
    for k in range(3):
        folder = tmp_path / f"in-{k}"
        write_notes(folder / "a.parquet", [note(i) for i in range(k * 10, k * 10 + 10)])
        folders.append(folder)
    run_once(folders[0], out, "seed", NIGHT_1)  # the tables exist; the three runs race on MERGE
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_commit_in_process, args=(str(f), str(out), f"run-{k}")) for k, f in enumerate(folders)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    ids = delta(out, "predictions").to_pyarrow_table().column("note_id").to_pylist()
    assert sorted(ids) == sorted(pseudonym(f"n{i}") for i in range(30))
    runs = [c.get("medflow.run_id") for c in delta(out, "predictions").history() if c["operation"] == "MERGE"]
    assert sorted(runs) == ["run-0", "run-1", "run-2", "seed"]


# Distinctive raw ids: a leak shows up as a substring wherever it lands.
LEGACY_CREATED = datetime(2026, 1, 1, 8, 30, tzinfo=UTC)
LEGACY_NOTES = [
    note(0, note_id="RAW-NOTE-000", patient_id="RAW-PATIENT-A", created_at=LEGACY_CREATED),
    note(1, note_id="RAW-NOTE-001", patient_id="RAW-PATIENT-B", created_at=LEGACY_CREATED),
    note(2, None, note_id="RAW-NOTE-002", patient_id="RAW-PATIENT-A"),
    note(3, note_id="RAW-NOTE-003", patient_id=None, created_at=LEGACY_CREATED),
]
LEGACY_RAW_IDS = {n["note_id"] for n in LEGACY_NOTES} | {n["patient_id"] for n in LEGACY_NOTES} - {None}


def _deidentified_as_the_old_layout(texts, patient_ids):
    """Before pseudonyms only the text's dates moved: created_at was written as received."""
    return [dataclasses.replace(d, date_shift_days=0) for d in fake_deidentify(texts, patient_ids)]


# The old layout wrote the input's note_id and patient_id as received.
OLD_LAYOUT_STAGES = Stages(_deidentified_as_the_old_layout, fake_classify, pseudonymize=lambda kind, value: value)


def _legacy_output(tmp_path: Path) -> Path:
    """An output as the Parquet-plus-manifest layout wrote it (raw ids, created_at unshifted): two runs
    over the same file (duplicates)."""
    out = tmp_path / "legacy"
    folder = tmp_path / "in-legacy"
    write_notes(folder / "a.parquet", LEGACY_NOTES)
    for run_id, version in (("old-1", "1"), ("old-2", "2")):
        ctx = make_ctx(out, run_id=run_id, model_version=version)
        reports = [process_file(s, ctx, OLD_LAYOUT_STAGES) for s in list_parquet_objects(str(folder))]
        manifest = build_manifest(ctx, str(folder), reports, datetime(2026, 1, int(version), tzinfo=UTC),
                                  datetime(2026, 1, int(version), tzinfo=UTC))
        for report in manifest.files:  # where the old layout kept them
            for kind in ("predictions", "quarantine"):
                staged = getattr(report, "output" if kind == "predictions" else "quarantine")
                if staged:
                    target = out / kind / "run_date=2026-11-21" / f"{run_id}-{Path(staged).name}"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    table = pq.read_table(staged)
                    old_columns = table.drop_columns(["row_index", "labels"]) if kind == "predictions" else table
                    pq.write_table(old_columns, target)
                    setattr(report, "output" if kind == "predictions" else "quarantine", str(target))
        manifest_path = out / "manifests" / "run_date=2026-11-21" / f"{run_id}.json"
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(manifest.model_dump_json(exclude={"tables"}))
    shutil.rmtree(out / "_staging")
    return out


def raw_ids_in(root: Path, raw_ids: set[str]) -> list[str]:
    """``file: id`` for every file under ``root`` holding one of ``raw_ids``: its bytes (text, Parquet
    footers and plain pages) and, for Parquet, its values too (compressed pages hide them from the bytes)."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        content = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".parquet":
            content += json.dumps(pq.read_table(path).to_pylist(), default=str)
        found += [f"{path.relative_to(root)}: {raw}" for raw in sorted(raw_ids) if raw in content]
    return found


def table_values(out: Path, name: str) -> str:
    """Every value of every version of a table, read with `deltalake`, as one string."""
    versions = [c["version"] for c in delta(out, name).history()]
    rows = [DeltaTable(str(out / name), version=v).to_pyarrow_table().to_pylist() for v in versions]
    return json.dumps(rows, default=str)


@pytest.fixture()
def deid_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The de-identification key in the environment, as a site sets it, for in-process CLI calls."""
    key = "conversion-test-key-0123456789abcdef0123456789abcdef"
    monkeypatch.setenv("MEDFLOW_DEID_HMAC_KEY", key)
    get_settings.cache_clear()
    yield key
    get_settings.cache_clear()


def test_old_layout_is_refused_with_the_command_that_converts_it(tmp_path: Path) -> None:
    out = _legacy_output(tmp_path)
    with pytest.raises(LegacyLayoutError, match="medflow tables convert --output"):
        run_query("SELECT * FROM predictions", str(out))
    result = CliRunner().invoke(app, ["query", "SELECT 1", "--output", str(out)])
    assert result.exit_code == 2 and f"medflow tables convert --output {out}" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    # `run` and `demo` refuse before starting anything (own processes: they set up Prefect's logging).
    # An old layout is reported alone, before any other pre-flight problem (the key included): one line,
    # exit code 2, with or without the key.
    medflow = Path(sys.executable).parent / "medflow"
    without_key = {k: v for k, v in os.environ.items() if k != "MEDFLOW_DEID_HMAC_KEY"}
    with_key = {**without_key, "MEDFLOW_DEID_HMAC_KEY": "refusal-test-key-0123456789abcdef0123456789"}
    run = ["run", "--input", str(tmp_path), "--output", str(out)]
    for command, env in ((run, without_key), (run, with_key), (["demo", "--output", str(out)], with_key)):
        done = subprocess.run([str(medflow), *command], capture_output=True, text=True, timeout=300, check=False,
                              env=env, cwd=tmp_path)
        assert done.returncode == 2, command
        assert done.stderr.strip() == f"error: {out} holds Parquet-plus-manifest tables from before Delta Lake; " \
            f"convert them first: medflow tables convert --output {out}"


def test_convert_refuses_without_the_deid_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _legacy_output(tmp_path)
    monkeypatch.setenv("MEDFLOW_DEID_HMAC_KEY", "set-here-so-teardown-restores-the-original")
    monkeypatch.delenv("MEDFLOW_DEID_HMAC_KEY")
    monkeypatch.chdir(tmp_path)  # no .env file
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(app, ["tables", "convert", "--output", str(out)])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: MEDFLOW_DEID_HMAC_KEY is not set")
    assert len(refused.stderr.splitlines()) == 1
    assert not (out / "predictions" / "_delta_log").exists() and not (out / "_staging").exists()
    assert len(list((out / "predictions").rglob("*.parquet"))) == 2  # the old files are untouched


def test_convert_pseudonymizes_ids_and_shifts_created_at_of_old_outputs(tmp_path: Path, deid_key: str) -> None:
    out = _legacy_output(tmp_path)
    assert raw_ids_in(out, LEGACY_RAW_IDS)  # the old layout's files hold the input's ids

    converted = CliRunner().invoke(app, ["tables", "convert", "--output", str(out)])
    assert converted.exit_code == 0, converted.output
    assert "replayed 2 run(s)" in converted.output

    pseudonyms, surrogates = Pseudonyms(deid_key.encode()), Surrogates(deid_key.encode())
    rows = {r["note_id"]: r for r in delta(out, "predictions").to_pyarrow_table().to_pylist()}
    expected = {pseudonyms("note_id", n["note_id"]): n for n in LEGACY_NOTES if n["note_text"]}
    assert set(rows) == set(expected)  # one row per note: no duplicates of the two old runs
    for note_pseudonym, old in expected.items():
        row = rows[note_pseudonym]
        assert row["model_version"] == "2" and row["deid_text"] == "note [NAME] text"
        if old["patient_id"] is None:
            assert row["patient_id"] is None
            offset = row["created_at"] - LEGACY_CREATED  # a random offset of the note's own, never none
            assert offset.seconds == 0 and 1 <= abs(offset.days) <= 365
        else:
            assert row["patient_id"] == pseudonyms("patient_id", old["patient_id"])
            assert row["created_at"] == LEGACY_CREATED + timedelta(days=surrogates.shift_days(old["patient_id"]))
    quarantine = delta(out, "quarantine").to_pyarrow_table().to_pylist()
    assert [(q["reason"], q["note_id"]) for q in quarantine] == [
        ("missing note_text", pseudonyms("note_id", "RAW-NOTE-002"))
    ]

    # No raw id in any version of the tables, in the Delta log (statistics) or anywhere else left behind.
    for name in ("predictions", "quarantine"):
        assert not [raw for raw in LEGACY_RAW_IDS if raw in table_values(out, name)], name
    assert raw_ids_in(out, LEGACY_RAW_IDS) == []
    assert not (out / "_staging").exists() or not any((out / "_staging").rglob("*.parquet"))
    assert not [p for p in (out / "predictions").rglob("*.parquet") if p.name.startswith("old-")]

    again = CliRunner().invoke(app, ["tables", "convert", "--output", str(out)])
    assert again.exit_code == 0 and "replayed 0 run(s) (2 already converted)" in again.output
    assert len(load_manifests(str(out))) == 2


def test_no_raw_id_reaches_the_tables_their_log_or_staging(tmp_path: Path) -> None:
    """Two nights with a quarantined row and a note in two input objects: the input's ids appear
    nowhere under the output (data files, Delta log statistics and commit info, staging, manifests)."""
    folder = tmp_path / "in"
    write_notes(folder / "a.parquet", LEGACY_NOTES)
    write_notes(folder / "b.parquet", [note(5, note_id="RAW-NOTE-001", patient_id="RAW-PATIENT-C")])
    raw_ids = LEGACY_RAW_IDS | {"RAW-PATIENT-C"}
    out = tmp_path / "out"
    run_once(folder, out, "run-1", NIGHT_1)
    run_once(folder, out, "run-2", NIGHT_2)

    quarantine = delta(out, "quarantine").to_pyarrow_table().to_pylist()
    assert sorted(q["reason"] for q in quarantine) == [DUPLICATE_ACROSS_OBJECTS, "missing note_text"]
    assert any((out / "_staging").rglob("*.parquet"))  # run_once leaves staging behind: it is checked too
    assert raw_ids_in(out, raw_ids) == []
    for name in ("predictions", "quarantine"):
        assert not [raw for raw in raw_ids if raw in table_values(out, name)], name
    # Statistics in the log only for the columns the table properties name.
    stats_columns = set()
    for entry in (out / "predictions" / "_delta_log").glob("*.json"):
        for line in entry.read_text().splitlines():
            add = json.loads(line).get("add")
            if add and add.get("stats"):
                stats_columns |= set(json.loads(add["stats"])["minValues"])
    assert stats_columns == {"note_id", "label", "model_version", "run_id", "processed_at"}


def test_tables_commands(two_files: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_once(two_files, out, "run-1", NIGHT_1)
    run_once(two_files, out, "run-2", NIGHT_2)
    more = tmp_path / "more"
    write_notes(more / "c.parquet", [note(i) for i in range(20, 25)])
    run_once(more, out, "run-3", NIGHT_2)  # a second small file in the partition of NIGHT_2
    runner = CliRunner()

    history = runner.invoke(app, ["tables", "history", "--output", str(out), "--table", "predictions"])
    assert history.exit_code == 0, history.output
    assert all(run in history.output for run in ("run-1", "run-2", "run-3")) and "MERGE" in history.output

    optimize = runner.invoke(app, ["tables", "optimize", "--output", str(out)])
    assert optimize.exit_code == 0, optimize.output
    assert "predictions: 2 file(s) compacted into 1" in optimize.output
    assert delta(out, "predictions").history(1)[0]["operation"] == "OPTIMIZE"
    assert delta(out, "predictions").to_pyarrow_table().num_rows == 15

    # Vacuum keeps what versions younger than the retention period (7 days by default) need.
    vacuum = runner.invoke(app, ["tables", "vacuum", "--output", str(out)])
    assert vacuum.exit_code == 0, vacuum.output
    assert "predictions: deleted 0 file(s)" in vacuum.output
    assert DeltaTable(str(out / "predictions"), version=1).to_pyarrow_table().num_rows == 10
    refused = runner.invoke(app, ["tables", "vacuum", "--output", str(out), "--retention-hours", "0"])
    assert refused.exit_code == 2 and refused.stderr.startswith("error:")


def test_a_run_that_dies_between_its_two_commits_is_completed_by_the_rerun(
    two_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quarantine commit landed, the predictions MERGE did not (the process died): the rerun of
    the date redoes the run, and both tables end as after one uninterrupted run, without duplicates."""
    reference, out = tmp_path / "reference", tmp_path / "out"
    run_once(two_files, reference, "run-1", NIGHT_1)
    run_once(two_files, reference, "run-2", NIGHT_2)
    run_once(two_files, out, "run-1", NIGHT_1)

    class Died(BaseException):
        """Stands for SIGKILL: nothing after it runs, no handler catches it."""

    def die(*args: object, **kwargs: object) -> None:
        raise Died

    with monkeypatch.context() as patch:
        patch.setattr(DeltaTable, "merge", die)
        with pytest.raises(Died):
            run_once(two_files, out, "run-2", NIGHT_2)
    assert [c["medflow.run_id"] for c in delta(out, "quarantine").history(1)] == ["run-2"]
    assert set(delta(out, "predictions").to_pyarrow_table().column("run_id").to_pylist()) == {"run-1"}
    assert [m.run_id for m in load_manifests(str(out))] == ["run-1"]  # the rerun will redo these files

    run_once(two_files, out, "run-2", NIGHT_2)

    def rows(output: Path, name: str) -> list[dict]:
        table = delta(output, name).to_pyarrow_table().drop_columns(["processed_at"] if name == "predictions" else [])
        return sorted(table.to_pylist(), key=lambda r: (r["note_id"] or "", r.get("row_index") or 0))

    assert rows(out, "predictions") == rows(reference, "predictions")
    assert rows(out, "quarantine") == rows(reference, "quarantine")
