"""Issue 23, item 6: the language gate. Notes written in a language the rules are not for (German,
Spanish... with their own date formats and facility words) are withheld as `unsupported_language`,
unless allowed; no English note of any gold set is (short notes, ALL-CAPS shorthand included); a
phone-length digit run written against letters of another script is a phone number."""

from __future__ import annotations

import pytest

from deid.engine import get_engine
from deid.goldsets import known_gold_sets
from deid.language import detect_language
from deid.outcomes import DeidIncomplete
from medflow.settings import REPO_ROOT, Settings

# The examples, in notes as a German or Spanish site writes them (synthetic).
GERMAN = ("Patient wurde am 3. Februar 2024 im Klinikum Rechts der Isar aufgenommen. Er klagt über "
          "Brustschmerzen und Atemnot seit zwei Tagen.")
SPANISH = ("La paciente ingresó el 9 de junio de 2023 en el Hospital Universitario La Paz con dolor torácico "
           "y disnea.")
OTHERS = {
    "de": "Aufnahme am 3. Februar 2024 im Klinikum Nord mit Fieber und Husten.",
    "es": "Ingresa el 9 de junio de 2023 al Hospital Universitario de Getafe por fiebre.",
    "fr": "Le patient a été admis le 3 février 2024 à l'hôpital avec une douleur thoracique depuis deux jours.",
    "it": "Il paziente è stato ricoverato il 3 febbraio 2024 presso l'ospedale con dolore toracico.",
    "pt": "O paciente foi internado em 3 de fevereiro de 2024 no hospital com dor torácica.",
    "nl": "De patiënt werd op 3 februari 2024 opgenomen in het ziekenhuis met klachten van pijn op de borst.",
}
ENGLISH = [
    "PT A&O X3. LA ENLARGED. LOS 3 DAYS. NA 135. DENIES CP.",
    "Pt seen by Dr. Maria de la Cruz for LE edema; lives in Los Angeles.",
    "45 y/o F, G2 para 1, HA since am.",
    "NKDA.",
]


@pytest.fixture(scope="module")
def engine():
    return get_engine(Settings(_env_file=None, deid_processes=1).deid_config())


@pytest.mark.parametrize(("language", "note"), [("de", GERMAN), ("es", SPANISH), *OTHERS.items()])
def test_notes_in_other_languages_are_detected(language: str, note: str) -> None:
    assert detect_language(note) == language


@pytest.mark.parametrize("note", ENGLISH)
def test_english_shorthand_and_borrowed_words_stay_english(note: str) -> None:
    assert detect_language(note) == "en"


def test_no_english_note_of_any_gold_set_is_withheld() -> None:
    sets = [g for g in known_gold_sets(REPO_ROOT / "data" / "samples", Settings(_env_file=None).deid_eval_dir)
            if g.path.exists()]
    assert {"project", "challenge"} <= {g.name for g in sets}
    for gold in sets:
        flagged = [r.id for r in gold.read(gold.path) if detect_language(r.text) != "en"]
        assert flagged == [], f"{gold.name}: {len(flagged)} English note(s) taken for another language"


def test_the_engine_withholds_notes_in_other_languages_and_the_allow_list_admits_them(engine) -> None:
    outcomes = engine.analyze([GERMAN, SPANISH, ENGLISH[0]])
    assert outcomes[:2] == [DeidIncomplete(DeidIncomplete.UNSUPPORTED_LANGUAGE)] * 2
    assert [o.reason for o in outcomes[:2]] == ["unsupported_language"] * 2
    assert not isinstance(outcomes[2], DeidIncomplete)

    german_ok = get_engine(Settings(_env_file=None, deid_processes=1, deid_languages="en, DE").deid_config())
    (german, spanish) = german_ok.analyze([GERMAN, SPANISH])
    assert not isinstance(german, DeidIncomplete)
    assert spanish == DeidIncomplete(DeidIncomplete.UNSUPPORTED_LANGUAGE)


@pytest.mark.parametrize("note", ["电话13912345678", "患者电话 13912345678，", "请拨13912345678联系"])
def test_phone_digits_against_another_script_are_a_phone(engine, note: str) -> None:
    (outcome,) = engine.analyze([note])
    assert not isinstance(outcome, DeidIncomplete)
    assert ("13912345678", "PHONE") in [(note[s.start : s.end], s.label) for s in outcome]

