import pytest

from deid.nlp import TokenizerNlpEngine
from deid.recognizers.ner import NerRecognizer
from medflow.settings import get_settings


@pytest.fixture(scope="module")
def ner_engine() -> TokenizerNlpEngine:
    engine = TokenizerNlpEngine(get_settings().spacy_model, ner=True)
    engine.load()
    return engine


@pytest.fixture(scope="module")
def rec(ner_engine):
    return NerRecognizer(ner_engine.english)


def test_ner_runs_alone(ner_engine):
    # The NER has its own tok2vec in the small model: tagger, parser, lemmatizer are not run.
    assert ner_engine.nlp["en"].pipe_names == ["ner"]


def _found(engine, rec, text):
    results = rec.analyze(text, rec.supported_entities, engine.process_text(text, "en"))
    return sorted((text[r.start : r.end], r.entity_type) for r in results)


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        # Names in no list and with no cue: the point of the NER.
        ("Met with Kaelan Brightwater to review the discharge plan.", [("Kaelan Brightwater", "NAME")]),
        (
            "Patient was accompanied by Zephyrine Oduya, who drove her from Tbilisi.",
            [("Tbilisi", "CITY"), ("Zephyrine Oduya", "NAME")],
        ),
    ],
)
def test_finds_names_and_places_without_cues(ner_engine, rec, text, spans):
    assert _found(ner_engine, rec, text) == spans


@pytest.mark.parametrize(
    "text",
    [
        "Hx of Graves disease, on Synthroid. Positive Murphy sign.",  # eponyms, brand drug
        "Foley catheter removed. Tylenol PRN. Continue Lasix.",
        "Started Metoprolol 25 mg BID and Lisinopril 10 mg daily.",
        "CBC and BMP pending. RUQ US negative. Follow up with GI.",  # abbreviations
        "Recent travel to Guatemala, returned with fever.",  # a country is not PHI
        "Wt 88 kg. Baker's cyst on the left.",
    ],
)
def test_clinical_words_are_not_flagged(ner_engine, rec, text):
    assert _found(ner_engine, rec, text) == []


def test_all_caps_notes_get_no_ner_results(ner_engine, rec):
    # The model tags headings and findings in ALL CAPS text; names there rely on lists and cues.
    text = "PATIENT WAS ACCOMPANIED BY KAELAN BRIGHTWATER, WHO DROVE HER FROM TBILISI."
    assert _found(ner_engine, rec, text) == []


def test_without_ner_the_recognizer_finds_nothing(nlp_engine, rec):
    text = "Met with Kaelan Brightwater to review the discharge plan."
    assert nlp_engine.nlp["en"].pipe_names == []
    assert rec.analyze(text, rec.supported_entities, nlp_engine.process_text(text, "en")) == []
