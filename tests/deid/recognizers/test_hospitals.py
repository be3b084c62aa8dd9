import pytest

from deid.recognizers.hospitals import HospitalRecognizer, initialism


def test_hospitals_and_their_initialisms(found):
    text = "Transferred from Hartford Rehabilitation Center. Records from HRC reviewed. Brief Hospital Course:"
    assert found(HospitalRecognizer(), text) == ["Hartford Rehabilitation Center", "HRC"]
    assert initialism("Warren Women's Hospital") == "WWH"
    text = "Followed at Brigham and Women's Hospital. Seen at Mercy Hospital and Clinic today."
    assert found(HospitalRecognizer(), text)[0] == "Brigham and Women's Hospital"


@pytest.mark.parametrize(
    "text", ["pt taken to cath lab at 0415", "HYPONATREMIA SECONDARY TO SIADH", "progressed to NASH", "went to PATH"]
)
def test_clinical_words_with_a_facility_ending_are_not_hospitals(found, text):
    assert found(HospitalRecognizer(), text) == []
