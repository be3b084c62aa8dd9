import pytest

from deid.recognizers.names import NameRecognizer, is_caps_text

REC = NameRecognizer()
REC.load()


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
def test_names(found, text, names):
    assert found(REC, text) == names


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
def test_not_names(found, text):
    assert found(REC, text) == []


def test_caps_detection():
    assert is_caps_text("PT SEEN BY DR. JONES, stable")
    assert not is_caps_text("Pt seen by Dr. Jones")
    assert not is_caps_text("12/12")
