import pytest

from deid.recognizers.identifiers import (
    AccountRecognizer,
    HealthPlanRecognizer,
    LicenseRecognizer,
    MrnRecognizer,
    OtherIdRecognizer,
    SsnRecognizer,
    VehicleRecognizer,
)


@pytest.mark.parametrize(
    ("recognizer", "text", "value"),
    [
        (MrnRecognizer(), "MRN: 02888789 admitted", "02888789"),
        (MrnRecognizer(), "MR# 95-863-675", "95-863-675"),
        (SsnRecognizer(), "SSN 517-65-6772 verified", "517-65-6772"),
        (SsnRecognizer(), "SSN 7989 verified", "7989"),
        (SsnRecognizer(), "SSN last 4 5521 on file", "last 4 5521"),
        (AccountRecognizer(), "Acct No: 400044843697", "400044843697"),
        (HealthPlanRecognizer(), "Medicare member ID 3YC0-GP4-ZH57.", "3YC0-GP4-ZH57"),
        (LicenseRecognizer(), "Prescriber DEA MW6852922.", "MW6852922"),
        (VehicleRecognizer(), "driver of a sedan (VIN 5C8M0TST1D8T8LZGS)", "5C8M0TST1D8T8LZGS"),
        (OtherIdRecognizer(), "specimen M22-10245 no growth", "M22-10245"),
        (OtherIdRecognizer(), "ref 1950121786.", "1950121786"),
        (OtherIdRecognizer(), "Job #: RAD-72806951 | cc", "RAD-72806951"),
    ],
)
def test_identifiers(found, recognizer, text, value):
    assert value in found(recognizer, text)


@pytest.mark.parametrize("text", ["RN shift note 1900-0700", "WBC 12.5, Plt 250000/uL", "Plan: 2 units PRBC"])
def test_not_identifiers(found, text):
    assert found(OtherIdRecognizer(), text) == []
    assert found(MrnRecognizer(), text) == []


@pytest.mark.parametrize(
    "text",
    ["plateau pressure 31, platelets 112", "PLATEAU PRESSURE 29. PLATELETS 98.", "fs @ 2200-244", "SVR 980-1160"],
)
def test_clinical_values_are_not_identifiers(found, text):
    for recognizer in (VehicleRecognizer(), OtherIdRecognizer()):
        assert found(recognizer, text) == []


@pytest.mark.parametrize(
    "text",
    ["end plate spondylosis", "motor vehicle accident on MM/DD/YYYY", "skin tag that was removed",
     "locking plate C3-C5 placed", "plate with 14-mm screws", "the plate from C2 down to C4", "plate and four 12 x 4"],
)
def test_clinical_plates_and_vehicles_are_not_vehicle_ids(found, text):
    assert found(VehicleRecognizer(), text) == []


def test_a_plate_in_capitals_is_found(found):
    assert found(VehicleRecognizer(), "license plate 7KQF 219, blue sedan") == ["7KQF 219"]
