import pytest

from deid.recognizers.addresses import StreetAddressRecognizer


@pytest.mark.parametrize(
    "text",
    [
        "3 UNITS FFP VIA PIV. 1 AMP BICARB VIA CVL. PLACED ON 2 LITERS NASAL CANNULA VIA",
        "S/P 3 VESSEL BYPASS. 1 LUMEN PORT. 4 BEATS NSVT RUN. HX OF 2 MECHANICAL FALLS",
        "6 minute walk test. 3 chest tubes to wall. pain 8 out of 10 at the incision point",
    ],
)
def test_clinical_count_phrases_in_case_less_notes_are_not_streets(found, text):
    assert found(StreetAddressRecognizer(), text) == []


def test_case_less_street_with_a_clinical_street_type_needs_an_address_cue(found):
    assert found(StreetAddressRecognizer(), "LIVES AT 12 OAK PARK WITH WIFE") == ["12 OAK PARK"]
    assert found(StreetAddressRecognizer(), "SENT TO 12 OAK PARK") == ["12 OAK PARK"]
    assert found(StreetAddressRecognizer(), "DRIVER AT 12 OAK PARK") == []  # no cue: could be clinical
    assert found(StreetAddressRecognizer(), "DRIVER AT 12 OAK STREET") == ["12 OAK STREET"]  # plain type
    assert found(StreetAddressRecognizer(), "Met at 12 Oak Park today") == ["12 Oak Park"]  # capitals


def test_us_address_block_ends_at_state_and_zip(found):
    text = "Cc: Gilbert Clinic, 42 Walnut St, Tupelo, MS 38804\n\nYvette Ilott, MD"
    assert found(StreetAddressRecognizer(), text) == ["42 Walnut St", "Tupelo", "MS", "38804"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        # House number, street, number; then unit, town and country with its postcode on their own lines.
        (
            "Mail to:\n20789 Allika 46\n Suite 501\n Riisa\n\n Estonia 62488\nThanks",
            ["20789 Allika 46", "Suite 501", "Riisa", "Estonia", "62488"],
        ),
        ("Lives at 5049 Harjukuja 54, SEINÄJOKI.", ["5049 Harjukuja 54", "SEINÄJOKI"]),
        ("Address: 772 ul. Narewska 94 Apt. 478 Poznań", ["772 ul. Narewska 94 Apt. 478", "Poznań"]),
        # A number before a US street line, and the block after it.
        ("Ship to 1987 74 Diakou Street\n, NS\n B0J 2H0.", ["1987 74 Diakou Street", "NS", "B0J 2H0"]),
        ("PSC 0413, Box 8144\nAPO AA 42323", ["PSC 0413, Box 8144\nAPO AA 42323"]),
        ("USS Mahler\nFPO AE 70489", ["USS Mahler\nFPO AE 70489"]),
        ("drops you off at 688 rue du centre 320 tonight", ["688 rue du centre 320"]),
        ("The title refers to C/ Señores Curas 88 street", ["C/ Señores Curas 88"]),
        ("Meet at the corner of Kuusiku 7 and Alexander Flat?", ["the corner of Kuusiku 7 and Alexander Flat"]),
        # A town after the unit that ends the street line.
        ("at 12 Timms Drive Suite 215 NUNGATTA Australia.", ["12 Timms Drive Suite 215", "NUNGATTA Australia"]),
    ],
)
def test_address_blocks(found, nlp_engine, text, parts):
    assert found(StreetAddressRecognizer(nlp_engine.english), text) == parts


@pytest.mark.parametrize(
    "text",
    [
        "Temp 98.6 HR 88 RR 18\nSpO2 97%",  # vitals
        "1045 PAGED DR ZAGURI AT 4976, AWAITING CALL BACK.",  # a time and a page
        "Given 2 Lasix 40\nwill recheck",  # a dose
        "Seen 12 March 2021, stable.",  # a date
        "Fed via NG tube at 50 mL/hr, via G tube 2 cans",  # `via` is an English word
    ],
)
def test_not_international_streets(found, nlp_engine, text):
    assert found(StreetAddressRecognizer(nlp_engine.english), text) == []


def test_address_block_stops_at_the_note(found, nlp_engine):
    text = "Lives at 12 Elm St\nPlan: follow up\nAllergies\nnone"
    assert found(StreetAddressRecognizer(nlp_engine.english), text) == ["12 Elm St"]
