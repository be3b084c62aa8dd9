"""The engine contract: spans in input offsets, type tags by default, one engine per process."""

from __future__ import annotations

import json

import pytest

from deid.engine import DeidResult, PhiSpan, get_engine, merge_overlaps
from medflow.settings import REPO_ROOT, Settings

NOTE = (
    "Pt seen by Dr. John Smith on 3/4/2021. BP 120/80, HR 88, metoprolol 25 mg PO BID. "
    "Wife Mary (617-555-1234) at bedside. MRN: 00123456. Email jsmith@example.org."
)


@pytest.fixture(scope="module")
def engine():
    return get_engine(Settings(deid_processes=1).deid_config())


def covered(text: str, spans: list[PhiSpan]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


def test_get_engine_is_built_once_per_settings():
    settings = Settings(deid_processes=1)
    assert get_engine(settings.deid_config()) is get_engine(settings.deid_config())


def test_ner_setting_reaches_the_engine():
    with_ner = get_engine(Settings(deid_processes=1, deid_ner=True).deid_config())
    without = get_engine(Settings(deid_processes=1, deid_ner=False).deid_config())
    assert with_ner is not without
    # No list name, no cue (a kinship word such as `her uncle, X` is a cue now).
    text = "She named the puppy after the poet Barnaby Worthington-Crabtree."
    assert without.detect([text]) == [[]]
    (spans,) = with_ner.detect([text])
    assert "Barnaby Worthington-Crabtree" in covered(text, spans)


def test_detect_finds_names_dates_phones_emails_mrn(engine):
    (spans,) = engine.detect([NOTE])
    found = covered(NOTE, spans)
    for phi in ["John Smith", "3/4/2021", "Mary", "617-555-1234", "00123456", "jsmith@example.org"]:
        assert phi in found
    for not_phi in ["120/80", "88", "25", "BP", "Pt"]:
        assert not_phi not in found
    assert all(isinstance(s.score, float) and 0 < s.score <= 1 for s in spans)


def test_deidentify_replaces_with_type_tags_and_counts(engine):
    (result,) = engine.deidentify([NOTE], ["patient-1"])
    assert isinstance(result, DeidResult)
    for phi in ["John", "Smith", "3/4/2021", "Mary", "617-555-1234", "00123456", "jsmith"]:
        assert phi not in result.text
    assert "Dr. [NAME] on [DATE]" in result.text
    assert "BP 120/80, HR 88, metoprolol 25 mg PO BID" in result.text
    assert result.entity_counts["NAME"] == 2
    assert result.entity_counts["DATE"] == 1


def test_all_caps_note(engine):
    text = "PT SEEN BY DR. JONES. WIFE MARY AT BEDSIDE. ADMITTED 03-04-21. FOLEY IN PLACE. T 99 F."
    (result,) = engine.deidentify([text], [None])
    assert result.text == (
        "PT SEEN BY DR. [NAME]. WIFE [NAME] AT BEDSIDE. ADMITTED [DATE]. FOLEY IN PLACE. T 99 F."
    )


def test_empty_non_ascii_and_control_characters(engine):
    texts = ["", "   \n", "\x00\x07 Émile Zoë Åberg vu le 1/2/2020 \u2028 ok"]
    spans = engine.detect(texts)
    assert spans[0] == [] and spans[1] == []
    assert "1/2/2020" in covered(texts[2], spans[2])
    results = engine.deidentify(texts, [None, None, None])
    assert results[0].text == "" and results[1].text == "   \n"


def test_long_text_is_split_without_losing_or_shifting_entities(engine):
    block = "Called Dr. John Smith at 617-555-1234 on 3/4/2021 about labs. " + "Stable overnight. " * 30
    text = block * 200  # well above one segment
    (spans,) = engine.detect([text])
    found = covered(text, spans)
    assert found.count("John Smith") == 200
    assert found.count("617-555-1234") == 200
    assert found.count("3/4/2021") == 200
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


def test_deidentify_rejects_mismatched_lengths(engine):
    with pytest.raises(ValueError):
        engine.deidentify(["a", "b"], [None])


def test_merge_overlaps_keeps_union_and_best_label():
    spans = [PhiSpan(0, 5, "NAME", 0.6), PhiSpan(3, 9, "HOSPITAL", 0.8), PhiSpan(10, 12, "DATE", 0.5)]
    assert merge_overlaps(spans) == [PhiSpan(0, 9, "HOSPITAL", 0.8), PhiSpan(10, 12, "DATE", 0.5)]


def test_concurrent_threads_get_the_same_spans_as_serial(engine):
    from concurrent.futures import ThreadPoolExecutor

    # The gateway de-identifies concurrent requests in worker threads: recognizers with per-note state
    # (names, cities, dates) must not mix notes. Varied sample notes exercise all of them.
    gold = (REPO_ROOT / "data" / "samples" / "gold.jsonl").read_text().splitlines()[:60]
    samples = [json.loads(line)["text"] for line in gold]
    texts = [NOTE, NOTE.upper(), NOTE.lower(), "Foley in place. Request MD eval."] * 10 + samples
    expected = [engine.detect([t])[0] for t in texts]
    assert sum(len(spans) for spans in expected) > 500  # the notes really carry PHI of many kinds
    expected_text = [engine.deidentify([t], [None])[0].text for t in texts]
    with ThreadPoolExecutor(max_workers=16) as pool:
        got = list(pool.map(lambda t: engine.detect([t])[0], texts))
        got_text = list(pool.map(lambda t: engine.deidentify([t], [None])[0].text, texts))
    assert got == expected
    assert got_text == expected_text
