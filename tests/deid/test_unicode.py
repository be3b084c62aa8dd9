"""Unicode evasions: PHI written with look-alike, invisible, decomposed or full-width characters is
found on the normalized view and replaced whole in the original text."""

from __future__ import annotations

import pytest

from deid.engine import get_engine
from deid.normalize import normalize, normalize_value
from medflow.settings import Settings

# (case, note, the PHI as written in it)
EVASIONS = [
    # From the issue.
    ("ssn_non_breaking_hyphens", "SSN 078\u201105\u20111120 on file.", "078\u201105\u20111120"),
    ("ssn_minus_signs", "Her SSN is 078\u221205\u22121120.", "078\u221205\u22121120"),
    ("phone_en_dashes", "Call her at 617\u2013555\u20130123 tomorrow.", "617\u2013555\u20130123"),
    ("name_zero_width_space", "Seen by Dr. Quen\u200bnell today.", "Quen\u200bnell"),
    ("name_soft_hyphen", "Patient: Zebulon Quig\u00adglesworth, 67M.", "Zebulon Quig\u00adglesworth"),
    ("mrn_zero_width_space", "MRN: 1234\u200b5678 verified.", "1234\u200b5678"),
    ("mrn_soft_hyphen", "MRN: 1234\u00ad5678 verified.", "1234\u00ad5678"),
    ("name_nfd_accents", "Seen by Dr. Jose\u0301 Marti\u0301nez for chest pain.", "Jose\u0301 Marti\u0301nez"),
    ("mrn_full_width", "\uff2d\uff32\uff2e\uff1a \uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
     "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18"),
    ("name_full_width", "Seen by Dr. \uff31\uff55\uff45\uff4e\uff4e\uff45\uff4c\uff4c today.",
     "\uff31\uff55\uff45\uff4e\uff4e\uff45\uff4c\uff4c"),
    ("name_cyrillic_lookalikes", "Seen by Dr. Qu\u0435nn\u0435ll today.", "Qu\u0435nn\u0435ll"),
    ("email_full_width_at", "Write to john.smith\uff20example.com please.", "john.smith\uff20example.com"),
    # More.
    ("email_cyrillic_o", "Write to j\u043ehn.smith@example.com please.", "j\u043ehn.smith@example.com"),
    ("ssn_arabic_indic_digits", "SSN \u0660\u0667\u0668-\u0660\u0665-\u0661\u0661\u0662\u0660 on file.",
     "\u0660\u0667\u0668-\u0660\u0665-\u0661\u0661\u0662\u0660"),
    ("phone_narrow_no_break_spaces", "Call 617\u202f555\u202f0123 today.", "617\u202f555\u202f0123"),
    ("phone_em_dashes", "Call 617\u2014555\u20140123.", "617\u2014555\u20140123"),
    ("phone_math_bold_digits", "Call \U0001d7d4\U0001d7cf\U0001d7d5-\U0001d7d3\U0001d7d3\U0001d7d3-"
     "\U0001d7ce\U0001d7cf\U0001d7d0\U0001d7d1 now.",
     "\U0001d7d4\U0001d7cf\U0001d7d5-\U0001d7d3\U0001d7d3\U0001d7d3-\U0001d7ce\U0001d7cf\U0001d7d0\U0001d7d1"),
    ("date_word_joiner", "Seen on 3/4/20\u206021 for follow-up.", "3/4/20\u206021"),
    ("date_full_width_hyphens", "Admitted 2021\uff0d03\uff0d04 via ED.", "2021\uff0d03\uff0d04"),
    ("email_byte_order_mark", "Email john.smith@exa\ufeffmple.com today.", "john.smith@exa\ufeffmple.com"),
    ("email_zero_width_joiner", "Email john\u200d.smith@example.com today.", "john\u200d.smith@example.com"),
    ("name_greek_omicron", "Seen by Dr. K\u03bfwalczyk today.", "K\u03bfwalczyk"),
    ("name_nfd_umlaut", "Seen by Dr. Mu\u0308ller today.", "Mu\u0308ller"),
    ("name_after_ideographic_space", "Seen by Dr.\u3000Quennell today.", "Quennell"),
    ("ssn_bidi_override", "SSN \u202d078-05-1120\u202c on file.", "078-05-1120"),
    ("street_cyrillic_i", "Lives at 12 \u041c\u0430\u0456n Street, Springfield.", "12 \u041c\u0430\u0456n Street"),
]  # fmt: skip


@pytest.fixture(scope="module")
def engine():
    return get_engine(Settings(_env_file=None, deid_processes=1).deid_config())


@pytest.mark.parametrize(("case", "note", "phi"), EVASIONS, ids=[c for c, _, _ in EVASIONS])
def test_evasion_is_found_and_replaced_whole(engine, case, note, phi):
    (spans,) = engine.detect([note])
    start = note.index(phi)
    assert any(s.start <= start and s.end >= start + len(phi) for s in spans), (case, spans)
    (result,) = engine.deidentify([note], [None])
    # Nothing of the PHI is left, in any spelling, and no stray invisible character is left inside a tag.
    assert normalize_value(phi) not in normalize_value(result.text)
    assert phi not in result.text
    assert result.text.count("[") == sum(result.entity_counts.values())


def test_plain_ascii_and_unchanged_text_share_the_original():
    for text in ["Seen by Dr. Quennell on 3/4/2021.", "Seen by Dr. José García, Zürich."]:
        view = normalize(text)
        assert view.view is text and not view.changed
        assert view.to_original(12, 20) == (12, 20)


def test_spans_map_back_widened_over_removed_characters_and_whole_clusters():
    text = "\u200bDr. Quen\u200bnell\u00ad, \ufb01le Jose\u0301."
    view = normalize(text)
    assert view.view == "Dr. Quennell, file José."
    name = view.view.index("Quennell")
    # Removed characters before and after the span are included; the one inside is covered anyway.
    assert view.to_original(name, name + len("Quennell")) == (text.index("Q"), text.index(","))
    assert view.to_original(0, 3) == (0, 4)  # the leading zero-width space goes with the first span
    # A span over half a ligature covers the whole ligature; an accented letter covers its mark.
    fi = view.view.index("file")
    assert view.to_original(fi + 1, fi + 4) == (text.index("\ufb01"), text.index("\ufb01") + 3)
    jose = view.view.index("José")
    assert view.to_original(jose, jose + 4) == (text.index("Jose"), text.index("\u0301") + 1)


def test_view_folds_what_the_issue_lists():
    assert normalize("a\u2011b\u2212c\u2013d\u2014e").view == "a-b-c-d-e"
    assert normalize("a\u00a0b\u2009c\u3000d\u2028e").view == "a b c d\ne"
    assert normalize("x\u200by\u200cz\u200d\u00ad\ufeff\u2060!").view == "xyz!"
    assert normalize("\uff2a\uff4f\uff48\uff4e \uff11\uff12").view == "John 12"
    assert normalize("\u0405\u0430r\u0430 \u0406van").view == "Sara Ivan"  # capital-I look-alike: I, not l
    assert normalize("e\u0301").view == "\u00e9"
