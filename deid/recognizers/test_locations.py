import pytest

from deid.recognizers.locations import (
    CityRecognizer,
    HospitalRecognizer,
    StateRecognizer,
    StreetAddressRecognizer,
    ZipRecognizer,
    initialism,
)


def test_us_address_parts(found):
    text = "Lives at 42422 Matthew Knoll Apt. 12, Springfield, IL 62701."
    assert found(StreetAddressRecognizer(), text) == ["42422 Matthew Knoll Apt. 12"]
    assert found(CityRecognizer(), text) == ["Springfield"]
    assert found(StateRecognizer(), text) == ["IL"]
    assert found(ZipRecognizer(), text) == ["62701"]


def test_lower_case_address(found):
    text = "my new address is 322 kathleen lane, florence, alabama 44475. thanks"
    assert found(StreetAddressRecognizer(), text) == ["322 kathleen lane"]
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


def test_hospitals_and_their_initialisms(found):
    text = "Transferred from Hartford Rehabilitation Center. Records from HRC reviewed. Brief Hospital Course:"
    assert found(HospitalRecognizer(), text) == ["Hartford Rehabilitation Center", "HRC"]
    assert initialism("Warren Women's Hospital") == "WWH"


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
