"""Patient initials (invented examples) and the abbreviations that look like them."""

import pytest

from deid.recognizers.initials import PatientInitialsRecognizer


@pytest.mark.parametrize(
    ("text", "value"),
    [("pt J.K. resting comfortably", "J.K."), ("PT C.W. TOLERATED DIET", "C.W."), ("patient M. T. seen", "M. T."),
     ("JK's daughter at bedside", "JK"), ("spoke with T.M.'s son", "T.M."), ("RLD’s wife called", "RLD"),
     ("ABC's HCP updated", "ABC")],
)
def test_patient_initials(found, text, value):
    assert found(PatientInitialsRecognizer(), text) == [value]


@pytest.mark.parametrize(
    "text",
    ["ICU's family room", "PT's daughter asked", "MD's note reviewed", "ED's wife", "pt JK resting",
     "pt A.O. x3", "the ETT's position", "pt ok"],
)
def test_not_patient_initials(found, text):
    assert found(PatientInitialsRecognizer(), text) == []
