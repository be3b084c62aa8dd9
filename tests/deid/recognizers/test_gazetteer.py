import pytest

from deid.recognizers.gazetteer import CityGazetteerRecognizer, city_names, country_names


@pytest.fixture(scope="module")
def rec(nlp_engine):
    return CityGazetteerRecognizer(nlp_engine.english)


def test_lists_load_cities_and_countries():
    assert {"boston", "copenhagen", "los angeles"} <= city_names()
    assert {"norway", "united kingdom"} <= country_names()


def test_listed_cities_in_prose(found, rec):
    text = (
        "She moved back to Rotterdam after living near Los Angeles; her son stayed in Boston. "
        "Framingham relatives visited."
    )
    assert found(rec, text) == ["Rotterdam", "Los Angeles", "Boston", "Framingham"]


@pytest.mark.parametrize(
    "text",
    [
        "Obtain Greenfield filter.",  # eponym
        "Richmond Agitation-Sedation Scale -2; Ottawa ankle rules negative.",  # scales and rules
        "No Chiari malformation.",
        "Sleeping poorly; MoCA 24/30.",  # abbreviation, not the town of Moca
        "Driver of a Honda in the collision.",
        "Reading glasses, Mobile phone, Split dose.",  # ordinary words
        "Bath: independent. Went to Reading room.",  # a noun without a place preposition; a verb
        "LIVES IN BOSTON WITH WIFE.",  # ALL CAPS: no case evidence
        "Country Club membership was renewed.",  # a place named with words only needs a cue
        "Wilson disease ruled out.",
    ],
)
def test_not_cities(found, rec, text):
    assert found(rec, text) == []


def test_word_only_city_after_place_preposition(found, rec):
    assert found(rec, "They drove to Long Beach for the weekend.") == ["Long Beach"]
