import pytest

from deid.recognizers.age import AgeOver89Recognizer


@pytest.mark.parametrize(
    ("text", "value"),
    [("a 92 y/o woman", "92"), ("aged 94, lives", "94"), ("a ninety-three-year-old man", "ninety-three"),
     ("Age/Sex: 100/F", "100"), ("A 101 yo M", "101")],
)
def test_ages_over_89(found, text, value):
    assert found(AgeOver89Recognizer(), text) == [value]


@pytest.mark.parametrize("text", ["a 67 yo male", "T 99 F", "HR 95 bpm", "SpO2 94%", "aged 89"])
def test_not_ages_over_89(found, text):
    assert found(AgeOver89Recognizer(), text) == []


def test_age_after_a_first_name_and_initial(found):
    assert found(AgeOver89Recognizer(), "Should Ines P., 94, stop her statin?") == ["94"]
    assert found(AgeOver89Recognizer(), "HR 88, 94, 96 overnight") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("91 F with CHF exacerbation", "91"), ("PER CHART 96, LIVES ALONE", "96"), ("per chart: 102", "102"),
     ("celebrated her 95th birthday", "95"), ("  97 M found down at home", "97")],
)
def test_ages_over_89_without_an_age_word(found, text, value):
    assert found(AgeOver89Recognizer(), text) == [value]


@pytest.mark.parametrize(
    "text",
    ["Temp: 99 F", "Tmax 101 F overnight", "per chart 96 mg daily", "HR 96 M", "the 95th percentile",
     "per chart 86"],
)
def test_bare_numbers_that_are_not_ages(found, text):
    assert found(AgeOver89Recognizer(), text) == []
