"""Unit tests of the batch path's logic with fake de-id/classify stages (real Parquet IO on tmp dirs)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deid.outcomes import DeidIncomplete
from deid.pseudonyms import Pseudonyms
from medflow.processing.pipeline import STAGED_PREDICTIONS_SCHEMA, Stages, is_corrupt_input_error, process_file
from medflow.run_types import RunContext
from medflow.storage import list_parquet_objects
from medflow.tables.manifest import build_manifest, load_manifests, write_manifest


@dataclass
class FakeDeid:
    text: str
    entity_counts: dict[str, int]
    date_shift_days: int | None = None


@dataclass
class FakePrediction:
    label: str
    score: float
    n_chunks: int
    n_tokens: int
    labels: tuple[tuple[str, float], ...]


def fake_shift(patient_id):
    return None if patient_id is None else -10 - len(patient_id) - sum(map(ord, patient_id)) % 7


def fake_deidentify(texts, patient_ids):
    # Replaces the word SECRET so tests can check only de-identified text is written; a text with
    # TRAP is one whose analysis did not complete. Each patient's dates move by its own offset.
    return [
        DeidIncomplete("timeout")
        if "TRAP" in t
        else FakeDeid(t.replace("SECRET", "[NAME]"), {"NAME": t.count("SECRET")}, fake_shift(p))
        for t, p in zip(texts, patient_ids, strict=True)
    ]


def fake_classify(texts):
    assert all("SECRET" not in t for t in texts), "raw text reached the classifier"
    def prediction(text: str) -> FakePrediction:
        label = "LONG" if len(text) > 20 else "SHORT"
        # A second label above its threshold when the note mentions one (multi-label, best first).
        labels = ((label, 0.75), ("MENTIONS_XX", 0.5)) if "xx" in text else ((label, 0.75),)
        return FakePrediction(label, 0.75, 1 + len(text) // 50, len(text) // 4, labels)

    return [prediction(t) for t in texts]


PSEUDONYMS = Pseudonyms(b"unit-test-deid-key")
STAGES = Stages(deidentify=fake_deidentify, classify=fake_classify, pseudonymize=PSEUDONYMS)


def pseudonym(note_id: str) -> str:
    return PSEUDONYMS("note_id", note_id)


def make_ctx(out: Path, **kw) -> RunContext:
    fields = {
        "run_id": "run-1",
        "run_date": date(2026, 11, 21),
        "output_uri": str(out),
        "model_name": "fake",
        "model_version": "7",
        "processed_at": datetime(2026, 11, 21, tzinfo=UTC),
        "read_batch_rows": 3,
    }
    return RunContext(**{**fields, **kw})


def write_notes(path: Path, rows: list[dict], schema: pa.Schema | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, row_group_size=4)


def note(i: int, text: str | None = "note SECRET text", **kw) -> dict:
    row = {
        "note_id": f"n{i}",
        "patient_id": f"p{i % 3}",
        "note_type": "nursing",
        "note_text": text,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    row.update(kw)
    return row


def test_clean_file_streams_all_rows_with_output_schema(tmp_path: Path) -> None:
    write_notes(tmp_path / "in" / "a.parquet", [note(i, f"SECRET {'x' * 2 * i}") for i in range(10)])
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    report = process_file(source, make_ctx(tmp_path / "out"), STAGES)

    assert (report.status, report.rows_in, report.rows_out, report.rows_quarantined) == ("ok", 10, 10, 0)
    table = pq.read_table(report.output)
    assert table.schema.equals(STAGED_PREDICTIONS_SCHEMA)
    assert table.column("note_id").to_pylist() == [pseudonym(f"n{i}") for i in range(10)]  # order kept
    assert table.column("row_index").to_pylist() == list(range(10))
    assert "note_text" not in table.column_names
    assert not any("SECRET" in t for t in table.column("deid_text").to_pylist())
    assert report.entities == {"NAME": 10}
    assert report.labels == {"LONG": 3, "SHORT": 7}  # len('[NAME] ' + 2i x) > 20 for i >= 7
    top = ["LONG" if i >= 7 else "SHORT" for i in range(10)]
    assert table.column("labels").to_pylist() == [
        [{"label": t, "score": 0.75}] + ([{"label": "MENTIONS_XX", "score": 0.5}] if i else [])
        for i, t in enumerate(top)
    ]
    assert set(report.seconds) >= {"read", "validate", "deid", "classify", "write"}
    assert report.quarantine is None


def test_bad_rows_are_quarantined_with_reasons_and_counts_reconcile(tmp_path: Path) -> None:
    rows = [
        note(0),
        note(1, None),
        note(2, "   "),
        note(0, "duplicate id"),
        note(4, "x" * 101),
        {**note(5), "note_id": None},
        note(6),
    ]
    write_notes(tmp_path / "in" / "b.parquet", rows)
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    report = process_file(source, make_ctx(tmp_path / "out", max_note_chars=100), STAGES)

    assert report.status == "partial"
    assert report.rows_in == report.rows_out + report.rows_quarantined == 7
    assert report.rows_out == 2
    quarantine = pq.read_table(report.quarantine).to_pylist()
    assert [(q["row_index"], q["reason"]) for q in quarantine] == [
        (1, "missing note_text"),
        (2, "empty note_text"),
        (3, "duplicate note_id"),
        (4, "note_text longer than 100 characters"),
        (5, "missing note_id"),
    ]
    assert all(q["source"] == source.uri for q in quarantine)
    staged = pq.read_table(report.output)
    assert staged.column("note_id").to_pylist() == [pseudonym("n0"), pseudonym("n6")]
    assert staged.column("row_index").to_pylist() == [0, 6]  # positions in the source object
    assert [q["note_id"] for q in quarantine] == [pseudonym(f"n{i}") for i in (1, 2, 0, 4)] + [None]


def test_invalid_utf8_and_non_string_types_are_handled(tmp_path: Path) -> None:
    schema = pa.schema([("note_id", pa.int64()), ("patient_id", pa.string()), ("note_text", pa.binary())])
    rows = [
        {"note_id": 1, "patient_id": "p", "note_text": b"fine SECRET"},
        {"note_id": 2, "patient_id": "p", "note_text": b"\xff\xfe broken"},
    ]
    write_notes(tmp_path / "in" / "c.parquet", rows, schema)
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    report = process_file(source, make_ctx(tmp_path / "out"), STAGES)

    assert (report.rows_out, report.rows_quarantined) == (1, 1)
    assert pq.read_table(report.quarantine).column("reason").to_pylist() == ["note_text is not valid UTF-8"]
    out = pq.read_table(report.output)
    assert out.column("note_id").to_pylist() == [pseudonym("1")]
    assert out.column("created_at").null_count == 1  # missing optional column becomes null


def test_missing_required_column_quarantines_the_file(tmp_path: Path) -> None:
    write_notes(tmp_path / "in" / "d.parquet", [{"note_id": "n1", "body": "SECRET"}])
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    report = process_file(source, make_ctx(tmp_path / "out"), STAGES)

    assert (report.status, report.rows_in, report.rows_quarantined, report.output) == ("failed", 1, 1, None)
    assert report.error == "missing required column(s): note_text"
    assert pq.read_table(report.quarantine).column("reason").to_pylist() == [report.error]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "corrupt_page"])
def test_corrupt_parquet_is_quarantined_without_partial_output(tmp_path: Path, damage: str) -> None:
    good = tmp_path / "good.parquet"
    write_notes(good, [note(i, "SECRET " + "y" * 200) for i in range(50)])
    data = bytearray(good.read_bytes())
    if damage == "garbage":
        data = bytearray(b"not parquet at all")
    elif damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data[3000:3400] = os.urandom(400)
    bad = tmp_path / "in" / "e.parquet"
    bad.parent.mkdir()
    bad.write_bytes(bytes(data))
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    ctx = make_ctx(tmp_path / "out")
    report = process_file(source, ctx, STAGES)

    assert report.status == "failed" and report.output is None
    assert report.error.startswith("unreadable Parquet")
    assert report.rows_out == 0 and report.rows_in == report.rows_quarantined
    assert not Path(ctx.prediction_uri(source)).exists()
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_storage_errors_propagate_for_retry() -> None:
    assert is_corrupt_input_error(OSError("Couldn't deserialize thrift"))
    assert is_corrupt_input_error(pa.ArrowInvalid("magic bytes"))
    assert not is_corrupt_input_error(ConnectionError("reset"))
    assert not is_corrupt_input_error(TimeoutError())
    assert not is_corrupt_input_error(FileNotFoundError("gone"))


def test_infrastructure_error_propagates_and_leaves_no_output(tmp_path: Path) -> None:
    write_notes(tmp_path / "in" / "f.parquet", [note(i) for i in range(10)])
    (source,) = list_parquet_objects(str(tmp_path / "in"))

    def triton_down(texts):
        raise ConnectionError("triton unavailable")

    ctx = make_ctx(tmp_path / "out")
    with pytest.raises(ConnectionError):
        process_file(source, ctx, Stages(fake_deidentify, triton_down, PSEUDONYMS))
    assert not Path(ctx.prediction_uri(source)).exists()
    assert not list((tmp_path / "out").rglob("*.tmp"))


class LeaseGone(RuntimeError):
    pass


def test_a_write_refused_by_before_write_stops_the_file_and_publishes_nothing(tmp_path: Path) -> None:
    write_notes(tmp_path / "in" / "f.parquet", [note(i) for i in range(10)])  # 4 batches of at most 3 rows
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    checks: list[int] = []

    def lease_lost_after_two_batches() -> None:
        checks.append(len(checks))
        if len(checks) > 2:
            raise LeaseGone("lost the lock")

    ctx = make_ctx(tmp_path / "out")
    rows: list[int] = []
    with pytest.raises(LeaseGone):
        process_file(source, ctx, STAGES, on_rows=rows.append, before_write=lease_lost_after_two_batches)
    assert len(checks) == 3 and sum(rows) == 6  # two batches written, the third refused
    assert not Path(ctx.prediction_uri(source)).exists()  # the object being written was discarded
    assert not list((tmp_path / "out").rglob("*.tmp"))
    # Quarantine writes are checked too.
    write_notes(tmp_path / "in2" / "g.parquet", [note(i, None) for i in range(2)])
    (bad,) = list_parquet_objects(str(tmp_path / "in2"))
    with pytest.raises(LeaseGone):
        process_file(bad, ctx, STAGES, before_write=lease_lost_after_two_batches)
    assert not Path(ctx.quarantine_uri(bad)).exists()


def test_retried_file_overwrites_its_staged_object_and_manifest_lists_it(tmp_path: Path) -> None:
    write_notes(tmp_path / "in" / "g.parquet", [note(i) for i in range(5)])
    write_notes(tmp_path / "in" / "h.parquet", [note(i, None) for i in range(2)])
    ctx = make_ctx(tmp_path / "out")
    first = [process_file(s, ctx, STAGES) for s in list_parquet_objects(str(tmp_path / "in"))]
    second = [process_file(s, ctx, STAGES) for s in list_parquet_objects(str(tmp_path / "in"))]
    assert [r.output for r in first] == [r.output for r in second]
    assert len(list((tmp_path / "out" / "_staging").rglob("predictions/*.parquet"))) == 2

    started = datetime(2026, 11, 21, 1, tzinfo=UTC)
    manifest = build_manifest(ctx, str(tmp_path / "in"), second, started, datetime(2026, 11, 21, 1, 0, 10, tzinfo=UTC))
    assert manifest.status == "completed_with_quarantine"
    assert manifest.totals.rows_in == manifest.totals.rows_out + manifest.totals.rows_quarantined == 7
    assert manifest.totals.notes_per_s == 0.5
    write_manifest(manifest)
    (loaded,) = load_manifests(str(tmp_path / "out"))
    assert [f.output for f in loaded.files] == [r.output for r in second]


def test_changed_input_or_model_gets_a_new_object_name(tmp_path: Path) -> None:
    path = tmp_path / "in" / "i.parquet"
    write_notes(path, [note(1)])
    (before,) = list_parquet_objects(str(tmp_path / "in"))
    write_notes(path, [note(1), note(2)])
    (after,) = list_parquet_objects(str(tmp_path / "in"))
    assert before.fingerprint("1") != after.fingerprint("1")
    assert after.fingerprint("1") != after.fingerprint("2")


def test_note_text_of_wrong_type_quarantines_the_file(tmp_path: Path) -> None:
    write_notes(tmp_path / "in" / "j.parquet", [{"note_id": "n1", "note_text": 12345}])
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    report = process_file(source, make_ctx(tmp_path / "out"), STAGES)
    assert (report.status, report.rows_quarantined) == ("failed", 1)
    assert report.error == "note_text has type int64, expected string"


def test_tables_hold_keyed_pseudonyms_and_shifted_times_never_the_input_ids(tmp_path: Path) -> None:
    created = datetime(2026, 1, 1, 8, 30, tzinfo=UTC)
    rows = [note(i, created_at=created) for i in range(6)] + [note(6, None), note(7, patient_id=None)]
    rows.append(note(8, created_at=datetime(1, 1, 2, tzinfo=UTC)))  # shifted before year 1
    write_notes(tmp_path / "in" / "k.parquet", rows)
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    first = process_file(source, make_ctx(tmp_path / "out"), STAGES)
    out = pq.read_table(first.output).to_pylist()
    quarantine = pq.read_table(first.quarantine).to_pylist()

    raw_ids = {r["note_id"] for r in rows} | {r["patient_id"] for r in rows} - {None}
    written = [v for row in out + quarantine for v in row.values() if isinstance(v, str)]
    assert not raw_ids & set(written)
    assert not any(raw in v for v in written for raw in raw_ids if len(raw) > 2)
    # Stable and keyed: the same patient groups, another key gives other values.
    by_note = {r["note_id"]: r for r in out}
    assert by_note[pseudonym("n0")]["patient_id"] == by_note[pseudonym("n3")]["patient_id"] == PSEUDONYMS(
        "patient_id", "p0"
    )
    assert Pseudonyms(b"another key")("patient_id", "p0") != PSEUDONYMS("patient_id", "p0")
    assert PSEUDONYMS("note_id", "p0") != PSEUDONYMS("patient_id", "p0")
    # created_at moves with the note's own date offset; no patient, no offset: null, never unshifted.
    for i in range(6):
        assert by_note[pseudonym(f"n{i}")]["created_at"] == created + timedelta(days=fake_shift(f"p{i % 3}"))
    assert by_note[pseudonym("n7")]["patient_id"] is None and by_note[pseudonym("n7")]["created_at"] is None
    assert by_note[pseudonym("n8")]["created_at"] is None  # out of range once shifted: redacted, not a crash
    second = process_file(source, make_ctx(tmp_path / "again"), STAGES)
    assert pq.read_table(second.output).to_pylist() == out  # stable across runs


@pytest.mark.parametrize("cause", [DeidIncomplete.UNSUPPORTED_SCRIPT, DeidIncomplete.UNSUPPORTED_LANGUAGE])
def test_notes_in_a_script_or_language_without_rules_are_quarantined_with_that_reason(
    tmp_path: Path, cause: str
) -> None:
    def deidentify(texts, patient_ids):
        unread = DeidIncomplete(cause)
        return [unread if "THAI" in t else r for t, r in zip(texts, fake_deidentify(texts, patient_ids), strict=True)]

    rows = [note(i, "SECRET THAI" if i == 2 else "fine SECRET") for i in range(4)]
    write_notes(tmp_path / "in" / "s.parquet", rows)
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    stages = Stages(deidentify=deidentify, classify=fake_classify, pseudonymize=PSEUDONYMS)
    report = process_file(source, make_ctx(tmp_path / "out"), stages)
    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (4, 3, 1)
    quarantine = pq.read_table(report.quarantine).to_pylist()
    assert [(q["row_index"], q["reason"]) for q in quarantine] == [(2, cause)]
    assert not any("THAI" in t for t in pq.read_table(report.output).column("deid_text").to_pylist())


def test_notes_whose_deid_did_not_complete_are_quarantined_and_counts_reconcile(tmp_path: Path) -> None:
    rows = [note(i, "SECRET TRAP" if i in (1, 4) else "fine SECRET") for i in range(6)] + [note(6, None)]
    write_notes(tmp_path / "in" / "l.parquet", rows)
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    report = process_file(source, make_ctx(tmp_path / "out"), STAGES)

    assert report.status == "partial"
    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (7, 4, 3)
    assert report.rows_in == report.rows_out + report.rows_quarantined
    quarantine = pq.read_table(report.quarantine).to_pylist()
    assert sorted((q["row_index"], q["reason"]) for q in quarantine) == [
        (1, "deid_incomplete"), (4, "deid_incomplete"), (6, "missing note_text")
    ]
    out = pq.read_table(report.output)
    assert out.column("note_id").to_pylist() == [pseudonym(f"n{i}") for i in (0, 2, 3, 5)]
    assert not any("TRAP" in t or "SECRET" in t for t in out.column("deid_text").to_pylist())


def test_demo_uses_a_random_key_of_its_own_only_when_none_is_set(monkeypatch) -> None:
    from io import StringIO

    from rich.console import Console

    from cli.demo import ensure_demo_key
    from medflow.settings import get_settings

    monkeypatch.setenv("MEDFLOW_DEID_HMAC_KEY", "set-here-so-teardown-restores-the-original")
    monkeypatch.delenv("MEDFLOW_DEID_HMAC_KEY")  # the demo sets its own random key in os.environ
    monkeypatch.chdir(Path(__file__).parent)  # no .env file here
    get_settings.cache_clear()
    printed = StringIO()
    ensure_demo_key(Console(file=printed))
    first = os.environ["MEDFLOW_DEID_HMAC_KEY"]
    assert len(first) >= 32 and get_settings().deid_hmac_key.get_secret_value() == first
    assert "random key for this run only" in printed.getvalue() and first not in printed.getvalue()

    monkeypatch.setenv("MEDFLOW_DEID_HMAC_KEY", "site-key-from-the-secret-store")
    get_settings.cache_clear()
    quiet = StringIO()
    ensure_demo_key(Console(file=quiet))
    assert os.environ["MEDFLOW_DEID_HMAC_KEY"] == "site-key-from-the-secret-store" and quiet.getvalue() == ""
    get_settings.cache_clear()


def test_created_at_as_iso_strings_converts_and_what_does_not_is_quarantined(tmp_path: Path) -> None:
    """The documented rule: ISO 8601 strings become UTC timestamps (no offset: UTC; blank: null); any
    other string quarantines its row with a reason; the value is never silently nulled."""
    values = ["2024-02-03T10:15:00Z", "2024-02-03", "2024-02-03 10:15:00+02:00", "3. Februar 2024", "  ", None,
              "2024-13-01"]
    rows = [note(i, created_at=v, patient_id="p") for i, v in enumerate(values)]
    write_notes(tmp_path / "in" / "s.parquet", rows)
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    report = process_file(source, make_ctx(tmp_path / "out"), STAGES)

    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (7, 5, 2)
    quarantine = pq.read_table(report.quarantine).to_pylist()
    assert [(q["row_index"], q["reason"]) for q in quarantine] == [
        (3, "created_at is not an ISO 8601 date or timestamp"),
        (6, "created_at is not an ISO 8601 date or timestamp"),
    ]
    shift = timedelta(days=fake_shift("p"))
    out = pq.read_table(report.output)
    assert out.column("row_index").to_pylist() == [0, 1, 2, 4, 5]
    assert out.column("created_at").to_pylist() == [
        datetime(2024, 2, 3, 10, 15, tzinfo=UTC) + shift,
        datetime(2024, 2, 3, tzinfo=UTC) + shift,
        datetime(2024, 2, 3, 8, 15, tzinfo=UTC) + shift,
        None,
        None,
    ]


def test_created_at_timestamps_and_dates_keep_their_instant(tmp_path: Path) -> None:
    schema = pa.schema([("note_id", pa.string()), ("patient_id", pa.string()), ("note_text", pa.string()),
                        ("created_at", pa.timestamp("ns", tz="Europe/Berlin"))])
    berlin = pa.array([1_706_955_300_123_456_789], pa.timestamp("ns", tz="Europe/Berlin"))  # 2024-02-03T10:15Z
    table = pa.table({"note_id": ["n0"], "patient_id": ["p"], "note_text": ["SECRET"], "created_at": berlin},
                     schema=schema)
    (tmp_path / "in").mkdir()
    pq.write_table(table, tmp_path / "in" / "t.parquet")
    pq.write_table(table.set_column(3, "created_at", pa.array([date(2024, 2, 3)], pa.date32())),
                   tmp_path / "in" / "u.parquet")
    reports = [process_file(s, make_ctx(tmp_path / "out"), STAGES) for s in list_parquet_objects(str(tmp_path / "in"))]

    shift = timedelta(days=fake_shift("p"))
    assert [pq.read_table(r.output).column("created_at").to_pylist() for r in reports] == [
        [datetime(2024, 2, 3, 10, 15, 0, 123456, tzinfo=UTC) + shift],  # truncated to microseconds, not nulled
        [datetime(2024, 2, 3, tzinfo=UTC) + shift],
    ]


def test_created_at_of_another_type_quarantines_the_file_with_its_reason(tmp_path: Path) -> None:
    write_notes(tmp_path / "in" / "i.parquet", [note(i, created_at=1_706_955_300 + i) for i in range(3)])
    (source,) = list_parquet_objects(str(tmp_path / "in"))
    report = process_file(source, make_ctx(tmp_path / "out"), STAGES)

    assert (report.status, report.rows_quarantined) == ("failed", 3)
    assert report.error == "created_at has type int64, expected a timestamp, a date or ISO 8601 strings"
