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


# Employers after a work cue are named whatever their words are; kinds of work and generic employers are not.
@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    ("text", "facilities"),
    [
        ("Husband works for Home Depot, on nights.", ["Home Depot"]),
        ("Retired from Boston Scientific, lives alone.", ["Boston Scientific"]),
        ("Son works nights at Dunkin, will visit.", ["Dunkin"]),
        ("Wife is a cashier at Kroger near home.", ["Kroger"]),
        ("Retired Amtrak conductor, widowed.", ["Amtrak"]),
        ("Pt worked for the MBTA x 30 yrs.", ["MBTA"]),
    ],
)
def test_employers_after_work_cues(found, rec, text, facilities, case):
    assert found(rec, _cased(text, case)) == [_cased(f, case) for f in facilities]


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    "text",
    [
        "Works for the city; retired from teaching; works for a bank.",
        "Husband works at home; wife works for herself.",
        "Retired from the army, then worked for the post office.",
        "Retired school teacher, retired police officer.",
        "Retired from Pfizer after 30 years.",  # `after` is no trade
    ],
)
def test_kinds_of_work_are_not_employers(found, rec, text, case):
    assert [f for f in found(rec, _cased(text, case)) if f.lower() != "pfizer"] == []


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    ("text", "facilities"),
    [
        # A date between the verb and its preposition; a named ward with its floor; name parts.
        ("Admitted 3/14 from Lakeshore General with sepsis.", ["Lakeshore General"]),
        ("Admitted the 9th from Carrow Heart, intubated.", ["Carrow Heart"]),
        ("Came up from Birch 7 after a rapid response.", ["Birch"]),
        ("Accepted to Queen's College for the EP study.", ["Queen's College"]),
        ("OSH was Pinecrest Valley, where a CT was done.", ["Pinecrest Valley"]),
        ("Screening for Wellbrook Senior vs home with VNA.", ["Wellbrook"]),
    ],
)
def test_facilities_after_movement_cues(found, rec, text, facilities, case):
    assert found(rec, _cased(text, case)) == [_cased(f, case) for f in facilities]


@pytest.mark.parametrize(
    "text",
    [
        "Screening for colon cancer; referred to cardiology.",
        "OSH was negative for PE; CT at OSH was unremarkable.",
        "Transferred to Intensive Care Unit, then to Cardiac Step Down; admitted in March.",
        "Returned to Normal sinus rhythm; went to Sleep.",
        "Switched from Coumadin to Eliquis; weaned from Levophed.",
        "Pain At Rest: none. Seen At Bedside.",
        "ADMITTED 3/14 FROM HOME, BACK TO FLOOR 5, ROOM 12.",
    ],
)
def test_movement_cues_before_care_places_services_and_drugs(found, rec, text):
    assert found(rec, text) == []


@pytest.mark.parametrize(
    ("text", "facilities"),
    [
        # Mixed case: a capitalised word in lower-case running text after `at`/`from` is a proper name.
        ("Her knee was replaced at Bayfield and she did well.", ["Bayfield"]),
        ("She was discharged from Northgate on Friday.", ["Northgate"]),
        ("Can he get the shot at Harbour Hill next week?", ["Harbour Hill"]),
        ("Was he seen at Mount Carmel for this?", ["Mount Carmel"]),
        ("OSH was Harbor Point, where a CT was done.", ["Harbor Point"]),  # in ALL CAPS, words that are verbs
        ("PT FROM NEW BEDFORD, SPANISH SPEAKING.", ["NEW BEDFORD"]),
    ],
)
def test_hospitals_and_places_after_at_or_from(found, rec, text, facilities):
    assert found(rec, text) == facilities


# A place called by its proper name alone after `at`/`from` in a clause about treatment or care.
@pytest.mark.parametrize(
    ("text", "facilities"),
    [
        ("gets radiation at brackworth, 5 days a week.", ["brackworth"]),
        ("Was her infusion given at KMCH last month?", ["KMCH"]),
        ("Suboxone he receives at PATHWELL every Friday.", ["PATHWELL"]),
        ("needs f/u with onc at dartmouth in 2 wks.", ["dartmouth"]),
        ("hd tth at davita ridgeway, chair 4.", ["davita ridgeway"]),
        ("Discharged; she left Corwenna on 3 June on apixaban.", ["Corwenna"]),
        ("Screening for Brindle Pines vs Saxby ltach, pending insurance.", ["Brindle Pines", "Saxby"]),
        ("Now staying at the Market Street Inn shelter.", ["Market Street Inn"]),
    ],
)
def test_places_after_treatment_and_care(found, rec, text, facilities):
    assert found(rec, text) == facilities


@pytest.mark.parametrize(
    "text",
    [
        "Heparin started at 12 units/kg; insulin she gets at HS; ivf infusing at KVO.",
        "Started levophed at MAP 60, then murmur at LLSB, tender at LUQ.",
        "CHEMO STARTED AT REST? NO. THERAPY AT NIGHT, DIALYSIS AT BEDSIDE.",
        "Left IJ in place, left AMA on 3/4, LEFT ARM ON PILLOW, left chest in pain.",
        "chemo at home; f/u at discharge; gets meds at baseline.",
        "Brought in from street by EMS, lives on Elm Street.",
        "CHEMO AT CYCLE 3, FIRST DOSE GIVEN AT OSH, ARRIVED FROM OSH VIA EMS.",
        "Insulin gtt started at HHS protocol; receiving tpa at rt dose; heparin at ACS dosing.",
    ],
)
def test_times_sites_and_sides_after_treatment_are_not_places(found, rec, text):
    assert found(rec, text) == []


# A trade without `is a` before its employer; a trade's verb and its object before one.
@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    ("text", "facilities"),
    [
        ("Retired welder at Hollins Yard, lives alone.", ["Hollins Yard"]),
        ("Former cashier for Quikstop, now on disability.", ["Quikstop"]),
        ("Son drives trucks for Velmont, home weekends.", ["Velmont"]),
    ],
)
def test_employers_after_a_trade_or_its_verb(found, rec, text, facilities, case):
    assert found(rec, _cased(text, case)) == [_cased(f, case) for f in facilities]


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    "text",
    [
        "Drives at night; cooks for himself; cleans at home.",
        "Retired teacher at baseline, former smoker at 20.",
        "Teaches at the high school.",
        "Cooks for extra cash; retired pilot with COPD; former welder at age 50.",
    ],
)
def test_trades_without_employers(found, rec, text, case):
    assert found(rec, _cased(text, case)) == []


# Issue 20: flight and `into` movements, and `screened by` (invented examples), in any case.
@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    ("text", "facilities"),
    [
        ("Pt came into Norbrook with chest pain.", ["Norbrook"]),
        ("Was airlifted to Kestrel Valley overnight.", ["Kestrel Valley"]),
        ("Med-flighted from Harrowgate after the fall.", ["Harrowgate"]),
        ("Screened by Oakhollow Rehab today.", ["Oakhollow"]),
    ],
)
def test_facility_after_flight_into_and_screening_cues(found, rec, text, facilities, case):
    assert found(rec, _cased(text, case)) == [_cased(f, case) for f in facilities]


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    "text",
    ["Came into the room agitated.", "Screened by cardiology for ablation.",
     "Airlifted to the ED.", "Came into contact with bleach."],
)
def test_movement_to_care_places_and_words_is_not_a_facility(found, rec, text, case):
    assert found(rec, _cased(text, case)) == []
