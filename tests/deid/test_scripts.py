"""Issue 17, item 5: notes in other scripts. The real engine finds names, places, identifiers and dates
written in CJK, Cyrillic, Greek, Arabic and Hebrew after the usual cues; a note mostly in a script it has
no rules for is withheld (`unsupported_script`), never passed on; Latin place names with diacritics are
places; an international phone number is one span; the Unicode view keeps real Cyrillic and Greek words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from deid.coverage import is_unsupported_script, unsupported_share
from deid.engine import get_engine
from deid.normalize import normalize
from deid.outcomes import DeidIncomplete
from medflow.settings import Settings


@pytest.fixture(scope="module")
def engine():
    return get_engine(Settings(_env_file=None, deid_processes=1).deid_config())


def _spans(engine, text: str) -> list[tuple[str, str]]:
    (outcome,) = engine.analyze([text])
    assert not isinstance(outcome, DeidIncomplete)
    return [(text[s.start : s.end], s.label) for s in outcome]


@pytest.mark.parametrize(
    ("note", "phi"),
    [
        ("患者 王小明，男，45岁，2021年3月4日入院。病历号 483920。住址：北京市海淀区。",
         ["王小明", "2021年3月4日", "483920", "北京市海淀区"]),
        ("Пациент Иванов И.И., 67 лет, поступил 4 марта 2021 г. из г. Новосибирск. СНИЛС 123-456-789 00.",
         ["Иванов И.И.", "4 марта 2021", "Новосибирск", "123-456-789 00"]),
        ("Ασθενής Παπαδόπουλος Γιώργος, κάτοικος Θεσσαλονίκη, ΑΜΚΑ 01017012345.",
         ["Παπαδόπουλος Γιώργος", "Θεσσαλονίκη", "01017012345"]),
        ("المريض أحمد حسن، رقم الملف 558213، يسكن في عمّان", ["أحمد حسن", "558213", "عمّان"]),
        ("המטופל משה כהן, ת.ז. 012345678, כתובת חיפה", ["משה כהן", "012345678", "חיפה"]),
        ("Seen by Dr. Иванов; wife 王秀英 at bedside; Patient: محمد علي", ["Иванов", "王秀英", "محمد علي"]),
    ],
)
def test_phi_in_other_scripts_is_found_and_replaced(engine, note, phi):
    found = [value for value, _ in _spans(engine, note)]
    assert all(any(value in span for span in found) for value in phi), found
    (result,) = engine.deidentify([note], [None])
    assert not [value for value in phi if value in result.text]


def test_confusable_folding_keeps_cyrillic_and_greek_words_readable(engine):
    # Real Cyrillic and Greek words keep their letters in the view (their look-alikes are not folded to
    # Latin), so their own cues and names are found; Latin words spelled with look-alikes are still folded.
    assert normalize("Пациент Иванов").view == "Пациент Иванов"
    assert normalize("Ασθενής Παπαδόπουλος").view == "Ασθενής Παπαδόπουλος"
    assert normalize("Dr. Jоhn Ѕаrа").view == "Dr. John Sara"
    assert ("Иванова Анна", "NAME") in _spans(engine, "Пациентка Иванова Анна, 54 года.")
    assert ("Ѕаrа Jоnes", "NAME") in _spans(engine, "Seen by Dr. Ѕаrа Jоnes today.")


def test_latin_places_with_diacritics_are_places_and_international_phones_one_span(engine):
    note = "Travelled from São Paulo; daughter in Köln, +49 221 1234567, or +49 (0) 221 12345678."
    spans = _spans(engine, note)
    assert ("São Paulo", "CITY") in spans
    assert ("+49 221 1234567", "PHONE") in spans and ("+49 (0) 221 12345678", "PHONE") in spans
    (result,) = engine.deidentify([note], [None])
    assert "[PHONE], or [PHONE]" in result.text and "[ID]" not in result.text


THAI_NOTE = "ผู้ป่วยชายอายุ 45 ปี มีไข้ ไอ เจ็บคอ มา 3 วัน ชื่อ สมชาย ใจดี โทร 081 234 5678"


def test_a_note_in_a_script_with_no_rules_is_withheld(engine):
    assert is_unsupported_script(THAI_NOTE) and unsupported_share("Seen by Dr. Smith.") == 0.0
    # A word or two of another script in an English note is not a note in that script.
    english = "Pt seen today; wife speaks only Thai (ภาษาไทย), interpreter called."
    assert not is_unsupported_script(english)
    outcomes = engine.analyze([THAI_NOTE, english])
    assert outcomes[0] == DeidIncomplete(DeidIncomplete.UNSUPPORTED_SCRIPT)
    assert outcomes[0].reason == "unsupported_script"
    assert not isinstance(outcomes[1], DeidIncomplete)
    (withheld,) = engine.deidentify([THAI_NOTE], [None])
    assert withheld == DeidIncomplete(DeidIncomplete.UNSUPPORTED_SCRIPT)


def test_detect_reports_the_unsupported_script_and_exits_1(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(json.dumps({"id": i, "text": t}) for i, t in [("th", THAI_NOTE), ("ru", "Пациент Петров")]) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["deid", "detect", "--input", str(source), "--output", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert lines[0] == {"id": "th", "error": "unsupported_script"}
    assert [s["label"] for s in lines[1]["spans"]] == ["NAME"]
    assert "could not be analysed completely: unsupported_script" in result.output
