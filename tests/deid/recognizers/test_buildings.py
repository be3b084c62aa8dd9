"""Buildings named after people (invented examples) and buildings named by ordinary words."""

import pytest

from deid.recognizers.buildings import BuildingNameRecognizer


@pytest.fixture(scope="module")
def rec(nlp_engine):
    return BuildingNameRecognizer(nlp_engine.english)


@pytest.mark.parametrize(
    ("text", "value"),
    [('family waiting in the "Whitcombe building"', "Whitcombe"), ("pt came from Harwick Pavilion", "Harwick"),
     ("MET FAMILY IN OKONKWO BUILDING LOBBY", "OKONKWO"), ("clinic in the Lindqvist tower, 4th floor", "Lindqvist")],
)
def test_building_named_after_a_person(found, rec, text, value):
    assert found(rec, text) == [value]


@pytest.mark.parametrize(
    "text",
    ["MOVED TO THE MAIN BUILDING", "East wing elevator broken", "Research tower parking", "the Rose Hall lobby",
     "Surgical Pavilion 3", "a new building"],
)
def test_buildings_named_by_words(found, rec, text):
    assert found(rec, text) == []
