import pytest

from deid.recognizers.names import NameRecognizer, case_is_informative


@pytest.fixture(scope="module")
def rec(nlp_engine):
    return NameRecognizer(nlp_engine.english)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Seen by Dr. Xavier Quennell today.", ["Xavier Quennell"]),
        ("Note by Okonkwo, MD.", ["Okonkwo"]),
        ("Wife Mary at bedside", ["Mary"]),
        ("Pt Jennifer Lopez-Garcia admitted", ["Jennifer Lopez-Garcia"]),
        ("Discussed with J. Smith RN", ["J. Smith"]),
        ("PT SEEN BY DR. JONES", ["JONES"]),
        ("Smith, John called back", ["Smith", "John"]),
        ("daughter Xyla called", ["Xyla"]),
    ],
)
def test_names(found, rec, text, names):
    assert found(rec, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Foley catheter in place",
        "Hx of Parkinson disease",
        "WILL CALL BACK IN MAY",
        "Patient will hope for the best",
        "Plan: Tylenol PRN",
        "FOLEY DC'D, PARKINSON'S STABLE",
    ],
)
def test_not_names(found, rec, text):
    assert found(rec, text) == []


def test_case_is_informative():
    assert not case_is_informative("PT SEEN BY DR . JONES , stable".split())
    assert not case_is_informative("hi dr jones can you call me back about the refill".split())
    assert case_is_informative("Pt seen by Dr . Jones for follow up of her knee pain".split())
    assert case_is_informative(["12/12"])
