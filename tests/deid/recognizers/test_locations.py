import pytest

from deid.recognizers.addresses import StreetAddressRecognizer
from deid.recognizers.locations import CityRecognizer, StateRecognizer, ZipRecognizer


def test_us_address_parts(found):
    text = "Lives at 42422 Matthew Knoll Apt. 12, Springfield, IL 62701."
    # The street recognizer also labels the rest of the block, part by part.
    assert found(StreetAddressRecognizer(), text) == ["42422 Matthew Knoll Apt. 12", "Springfield", "IL", "62701"]
    assert found(CityRecognizer(), text) == ["Springfield"]
    assert found(StateRecognizer(), text) == ["IL"]
    assert found(ZipRecognizer(), text) == ["62701"]


def test_lower_case_address(found):
    text = "my new address is 322 kathleen lane, florence, alabama 44475. thanks"
    assert found(StreetAddressRecognizer(), text) == ["322 kathleen lane", "florence", "alabama", "44475"]
    assert found(StateRecognizer(), text) == ["alabama"]
    assert found(ZipRecognizer(), text) == ["44475"]


@pytest.mark.parametrize(
    "text",
    ["Smith, MD signed the note.", "3 CM. CALF VEINS NOT WELL VISUALIZED", "1415 PER DR. OWSIANY, HOLD", "PT IN PA"],
)
def test_not_addresses(found, text):
    assert found(StreetAddressRecognizer(), text) == []
    assert found(StateRecognizer(), text) == []
    assert found(CityRecognizer(), text) == []


def test_city_after_residence_cue(found):
    assert found(CityRecognizer(), "She lives alone in Tucson and was found") == ["Tucson"]
    assert found(CityRecognizer(), "Lives with husband G. Almonte in West Saraview. Retired.") == ["West Saraview"]
    assert found(CityRecognizer(), "Lives in St. Louis.") == ["St. Louis"]


def test_city_found_once_is_found_everywhere_in_the_note(found, nlp_engine):
    text = "Lives in Saraview with wife. Address: 1 Elm St, West Saraview, RI 02860. Saraview-based."
    assert found(CityRecognizer(), text) == ["Saraview", "West Saraview"]
    text = "Mobile, AL 36601. Mobile phone on file."
    assert found(CityRecognizer(nlp_engine.english), text) == ["Mobile"]


@pytest.mark.parametrize(
    "text",
    ["Transported to ED by EMS.", "Arrived from Rehab yesterday.", "Moved to ICU overnight.", "Traveling to OR now."],
)
def test_care_locations_are_not_cities(found, text):
    assert found(CityRecognizer(), text) == []


def test_city_after_travel_cue_but_not_country(found, nlp_engine):
    city = CityRecognizer(nlp_engine.english)
    assert found(city, "He grew up in Remniku and flew to ΛΕΥΚΩΣΙΑ last week.") == ["Remniku", "ΛΕΥΚΩΣΙΑ"]
    assert found(city, "Emigrated from Haiti in 2001. Returned to baseline.") == []
    assert found(city, "RETURNED TO BASELINE AFTER TRIP TO FLOOR.") == []
    assert found(city, "I live in Riisa. Their home city Messina") == ["Riisa", "Messina"]
    assert found(city, "I AM IN PAIN. I'M IN BED. WE ARE IN ROOM 4") == []


def test_international_postcodes_after_zip_key(found):
    assert found(ZipRecognizer(), "ZIP: 394 13. Postal code: 7412 SL, postcode K1A 0B1") == [
        "394 13",
        "7412 SL",
        "K1A 0B1",
    ]
    # An all-lower-case message is matched upper-cased: `is` must match in any case.
    assert found(ZipRecognizer(), "hi, my zip code is 35350 thanks") == ["35350"]


def _cased(text: str, case: str) -> str:
    return {"upper": str.upper, "lower": str.lower, "as is": str}[case](text)


# Precision on nursing notes: clinical abbreviations that collide with states and towns.
@pytest.mark.parametrize("case", ["upper", "lower"])
@pytest.mark.parametrize(
    "text",
    [
        "LAB CALLED AT MN. R/O MI. CONSULTS: RENAL, ID, GI. TX CONT.",
        "PT ARRIVED FROM OSH VIA AMBULANCE; SISTER IN FROM TOWN.",
        "4L NC, PA LINE, CO 4.2, OR AT 0800, HO AWARE, DC'D FOLEY.",
        "#18 PIV R AC, #20 L HAND, BOTH FLUSH WELL. 3 LOOSE STOOLS. 2 UPRBC. 6U REG SQ.",
    ],
)
def test_clinical_abbreviations_are_not_places(found, nlp_engine, text, case):
    text = _cased(text, case)
    for recognizer in (
        CityRecognizer(nlp_engine.english),
        StateRecognizer(nlp_engine.english),
        StreetAddressRecognizer(nlp_engine.english),
    ):
        assert found(recognizer, text) == [], type(recognizer).__name__


@pytest.mark.parametrize("case", ["as is", "upper"])
def test_towns_and_states_still_found(found, nlp_engine, case):
    text = _cased("Lives in Dundalk, MD 21222. Daughter in Quincy, FL.", case)
    assert found(StateRecognizer(nlp_engine.english), text) == [_cased(s, case) for s in ("MD", "FL")]
    assert _cased("Quincy", case) in found(CityRecognizer(nlp_engine.english), text)


# Kind 3: the town a relative is of, after their name (any case).
@pytest.mark.parametrize(
    ("text", "cities"),
    [
        ("HCP: NIECE DORA PLANK OF FRESNO, 559-555-0142.", ["FRESNO"]),
        ("son teo of el paso will fly in.", ["el paso"]),
        ("Cell 0113 496 0555 (brother in Leeds).", ["Leeds"]),
    ],
)
def test_town_of_a_relative(found, nlp_engine, text, cities):
    assert found(CityRecognizer(nlp_engine.english), text) == cities


@pytest.mark.parametrize(
    "text",
    [
        "Wife aware of plan; son tired of waiting; daughter one of 3.",
        "DTR IN CHARGE OF READING HIS MAIL; SISTER OF PT FROM PERU.",
        "Son in law at bedside; wife in agreement; daughter in ED; husband in Mobile.",
    ],
)
def test_words_after_a_relative_and_of_are_not_towns(found, nlp_engine, text):
    assert found(CityRecognizer(nlp_engine.english), text) == []
