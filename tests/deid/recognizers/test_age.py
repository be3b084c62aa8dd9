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
