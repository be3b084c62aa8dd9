"""The synthetic sample generator: exact gold spans, PHI policy, schema, determinism, length spread."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deid.labels import ALL_LABELS
from samplegen.generate import SampleNote, build_notes, generate_samples
from samplegen.phi import number_words

N_NOTES = 600
EXPECTED_SCHEMA = pa.schema([
    ("note_id", pa.string()), ("patient_id", pa.string()), ("note_type", pa.string()),
    ("note_text", pa.string()), ("created_at", pa.timestamp("us", tz="UTC")),
])
_WORD_AGES = {number_words(n): n for n in range(0, 110)}


@pytest.fixture(scope="module")
def notes() -> list[SampleNote]:
    return build_notes(N_NOTES, seed=7)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("samples")
    return out, generate_samples(out, n_notes=240, seed=11, n_files=3)


def _age_value(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else _WORD_AGES[text]


def test_every_gold_span_is_the_inserted_value_with_a_valid_label(notes: list[SampleNote]) -> None:
    n_spans = 0
    for note in notes:
        for span in note.note.spans:
            assert note.note.text[span.start:span.end] == span.value
            assert span.label in ALL_LABELS
            assert span.value.strip() == span.value and span.value
            n_spans += 1
    assert n_spans > 5 * N_NOTES


def test_spans_are_sorted_and_never_overlap(notes: list[SampleNote]) -> None:
    for note in notes:
        spans = note.note.spans
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


def test_hard_negatives_are_never_labelled(notes: list[SampleNote]) -> None:
    kinds = set()
    for note in notes:
        for negative in note.note.negatives:
            assert note.note.text[negative.start:negative.end] == negative.value
            assert not any(s.start < negative.end and negative.start < s.end for s in note.note.spans)
            kinds.add(negative.label)
    assert {"age", "time", "vital", "dose", "lab", "fraction", "condition", "room", "vent", "range", "size",
            "count"} <= kinds


def test_only_ages_over_89_are_labelled(notes: list[SampleNote]) -> None:
    labelled = [_age_value(s.value) for n in notes for s in n.note.spans if s.label == "AGE"]
    unlabelled = [_age_value(s.value) for n in notes for s in n.note.negatives if s.label == "age"]
    assert labelled and all(age > 89 for age in labelled)
    assert unlabelled and all(age <= 89 for age in unlabelled)


def test_all_labels_and_note_types_occur() -> None:
    notes = build_notes(1500, seed=3)
    assert {s.label for n in notes for s in n.note.spans} == set(ALL_LABELS)
    assert {n.note_type for n in notes} == {"discharge_summary", "nursing_note", "radiology_report",
                                             "progress_note", "portal_message", "icu_nursing_note"}


def test_some_notes_have_no_phi_and_patients_recur(notes: list[SampleNote]) -> None:
    share = sum(not n.note.spans for n in notes) / len(notes)
    assert 0.05 <= share <= 0.2
    per_patient: dict[str, int] = {}
    for note in notes:
        per_patient[note.patient_id] = per_patient.get(note.patient_id, 0) + 1
    assert max(per_patient.values()) >= 5 and len(per_patient) < len(notes) / 2


def test_length_spread(notes: list[SampleNote]) -> None:
    lengths = sorted(len(n.note.text) for n in notes)
    assert sum(length < 100 for length in lengths) >= 10
    assert sum(length > 4000 for length in lengths) >= 10
    assert 300 <= lengths[len(lengths) // 2] <= 1000
    assert lengths[0] > 0


def test_casing_and_styles_vary(notes: list[SampleNote]) -> None:
    nursing = [n.note.text for n in notes if n.note_type == "nursing_note" and len(n.note.text) > 80]
    assert any(t == t.upper() for t in nursing) and any(t != t.upper() for t in nursing)
    portal = [n.note.text for n in notes if n.note_type == "portal_message"]
    assert any(t == t.lower() for t in portal)
    dates = {s.value for n in notes for s in n.note.spans if s.label == "DATE"}
    patterns = [r"^\d{2}/\d{2}/\d{4}$", r"^\d{1,2}/\d{1,2}$", r"^\d{2}-\d{2}-\d{2}$", r"^\d{4}-\d{2}-\d{2}$",
                r"^\d{4}$", r"^[A-Za-z]+ \d{1,2}(st|nd|rd|th)$", r"^\d{1,2} [A-Za-z]{3}$"]
    for pattern in patterns:
        assert any(re.match(pattern, d) for d in dates), pattern


def test_files_schema_ids_and_gold_agree(generated: tuple[Path, dict]) -> None:
    out, summary = generated
    assert summary["files"] == ["notes-0001.parquet", "notes-0002.parquet", "notes-0003.parquet", "gold.jsonl"]
    tables = [pq.read_table(out / name) for name in summary["files"][:-1]]
    for table in tables:
        assert table.schema.equals(EXPECTED_SCHEMA)
        assert table.num_rows > 0
    table = pa.concat_tables(tables)
    ids = table.column("note_id").to_pylist()
    assert len(ids) == len(set(ids)) == summary["notes"] == 240
    texts = table.column("note_text").to_pylist()
    assert sum(map(len, texts)) == summary["chars"]
    gold = [json.loads(line) for line in (out / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in gold] == ids and [g["text"] for g in gold] == texts
    assert [g["kind"] for g in gold] == table.column("note_type").to_pylist()
    labels: dict[str, int] = {}
    for record in gold:
        for span in record["spans"]:
            assert set(span) == {"start", "end", "label"}
            assert 0 <= span["start"] < span["end"] <= len(record["text"])
            labels[span["label"]] = labels.get(span["label"], 0) + 1
    assert labels == summary["spans_by_label"]


def test_same_seed_gives_identical_bytes(generated: tuple[Path, dict], tmp_path: Path) -> None:
    out, summary = generated
    again = generate_samples(tmp_path, n_notes=240, seed=11, n_files=3)
    assert again == summary
    for name in summary["files"]:
        assert hashlib.sha256((out / name).read_bytes()).digest() == hashlib.sha256(
            (tmp_path / name).read_bytes()).digest(), name
    other = tmp_path / "other"
    generate_samples(other, n_notes=240, seed=12, n_files=3)
    assert (other / "gold.jsonl").read_bytes() != (out / "gold.jsonl").read_bytes()


def test_committed_samples_match_the_generator() -> None:
    """data/samples/ is the generator's output with its defaults (regenerate after changing templates)."""
    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    first = pq.read_table(samples / "notes-0001.parquet")
    assert first.schema.equals(EXPECTED_SCHEMA)
    expected = build_notes(3000)
    assert first.column("note_text").to_pylist() == [n.note.text for n in expected[: first.num_rows]]


def test_name_variety_and_name_like_negatives(notes: list[SampleNote]) -> None:
    names = {s.value.lower() for n in notes for s in n.note.spans if s.label == "NAME"}
    assert names & {"hope", "rose", "grant", "young", "bill", "will", "may", "june", "bell"}
    assert any("'" in name for name in names) and any("-" in name for name in names)
    assert any(re.fullmatch(r"[a-z]{2}", name) for name in names)  # initials such as JS
    negatives = " ".join(s.value for n in notes for s in n.note.negatives).lower()
    for eponym in ("parkinson", "crohn", "murphy's sign", "babinski", "foley", "alzheimer"):
        assert eponym in negatives, eponym


def _before(note: SampleNote, span, width: int = 12) -> str:
    return note.note.text[max(0, span.start - width):span.start].lower()


def test_icu_nursing_notes_carry_the_shorthand_kinds(notes: list[SampleNote]) -> None:
    """ICU notes: any letter case, system by system, and PHI in the shapes real ICU notes use."""
    icu = [n for n in notes if n.note_type == "icu_nursing_note"]
    assert 0.1 <= len(icu) / len(notes) <= 0.2
    texts = [n.note.text for n in icu]
    assert any(t == t.upper() for t in texts) and any(t == t.lower() for t in texts)
    assert any(t not in (t.upper(), t.lower()) for t in texts)
    assert sum(bool(re.search(r"(?im)^(neuro|cv|resp)\s*[-:]", t)) for t in texts) > len(icu) / 2
    spans = [(n, s) for n in icu for s in n.note.spans]
    dates = [s.value for _, s in spans if s.label == "DATE"]
    assert any(re.fullmatch(r"\d{2}", d) for d in dates)  # two-digit years in history lists
    assert any(re.fullmatch(r"\d{1,2}/\d{2}", d) for d in dates)
    assert any(d.lower() in ("oct", "sept", "nov", "jan") for d in dates)  # month names alone
    assert any(re.search(r"fx$", _before(n, s)) for n, s in spans if s.label == "DATE")  # glued: fx11/99
    assert any(re.search(r"(pg|pager #|beeper|bpr) ?$", _before(n, s)) for n, s in spans if s.label == "PHONE")
    assert any(re.fullmatch(r"\d{3} \d{4}|\d{3}/\d{3}/\d{4}|\d{3}- \d{3}- \d{4}", s.value)
               for _, s in spans if s.label == "PHONE")
    hospitals = [(n, s) for n, s in spans if s.label == "HOSPITAL"]
    assert any(re.match(r" \d+\b", n.note.text[s.end:]) for n, s in hospitals)  # ward with its floor number
    assert any(re.search(r"works for (the )?$", _before(n, s, 16)) for n, s in hospitals)  # employers
    assert any(not re.search(r"(?i)hospital|medical|center", s.value) for _, s in hospitals)
    names = [(n, s) for n, s in spans if s.label == "NAME"]
    assert any(_before(n, s).endswith("dr.") for n, s in names)  # dr.lindqvist, no space
    assert any(re.fullmatch(r"[A-Za-z]\. \S+", s.value) and n.note.text[s.end:].lower().startswith(" aware")
               for n, s in names)
    assert any(re.search(r"(dtr|son|wife|husband|niece|nephew|sis|bro|mom|dad)[-, ]+$", _before(n, s))
               for n, s in names)
    negatives = {s.label for n in icu for s in n.note.negatives}
    assert {"vent", "range", "size", "count", "time"} <= negatives
