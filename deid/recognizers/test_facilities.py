import pytest

from deid.recognizers.facilities import FacilityNameRecognizer


@pytest.fixture(scope="module")
def rec(nlp_engine):
    return FacilityNameRecognizer(nlp_engine.english)


def _cased(text: str, case: str) -> str:
    return {"upper": str.upper, "lower": str.lower, "as is": str}[case](text)


# Kind 1: facilities, wards and employers by short name after a movement, care or work cue.
CUED_FACILITIES = [
    ("Pt transferred to Whitcombe 6 for cath.", ["Whitcombe"]),
    ("Plan to go back to Harrowgate in am.", ["Harrowgate"]),
    # A generic head after a short name is evidence, not part of the name (`rehab`, `nh`, `icu`).
    ("Admitted from Good Samaritan Rehab with SOB.", ["Good Samaritan"]),
    ("Fell at Maple Crest NH, sent in by EMS.", ["Maple Crest"]),
    ("Was in the Kessington ICU x3 days.", ["Kessington"]),
    ("Employed as a bus driver for Transitco until 2019.", ["Transitco"]),
    ("Will f/u at Kessington in 2 wks.", ["Kessington"]),
    ("Husband works for Quorvex, on nights.", ["Quorvex"]),
    ("Daughter staying at the Hope Lodge tonight.", ["Hope Lodge"]),
    ("Accepted at Mass General, transport at 1400.", ["Mass General"]),
]
NOT_FACILITIES = [
    "Transferred to floor, back to bed, sent to CT.",
    "Returned to baseline; went to sleep at 2200.",
    "Discharged to acute rehab, then nursing home.",
    "Was in the trauma ICU, then the burn unit; to stroke rehab.",
    "Treated for Osgood-Schlatter disease; admitted to General Medicine.",
    "Seen by Dr Pell this am; f/u with cardiology.",
    "Needs a note for work for missing a shift.",
    "Transfer to MICU when bed available; to OR at 0800.",
    "ST elevation resolved, ST depression in V4.",
]


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(("text", "facilities"), CUED_FACILITIES)
def test_facility_after_cue_in_any_case(found, rec, text, facilities, case):
    assert found(rec, _cased(text, case)) == [_cased(f, case) for f in facilities]


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize("text", NOT_FACILITIES)
def test_care_places_and_words_are_not_facilities(found, rec, text, case):
    assert found(rec, _cased(text, case)) == []


@pytest.mark.parametrize(
    ("text", "facilities"),
    [
        # Kind 6: hospitals by their proper name alone (question style).
        ("Was Omar K. seen at St. Agatha's last spring?", ["St. Agatha's"]),
        ("My mother had her knee done at Fernbrook Regional.", ["Fernbrook Regional"]),
        ("Can St John's wort be taken with sertraline?", []),
        ("The Attorney General and the Surgeon General spoke.", []),
    ],
)
def test_hospitals_by_proper_name(found, rec, text, facilities):
    assert found(rec, text) == facilities
