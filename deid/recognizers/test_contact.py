import pytest

from deid.labels import PhiLabel
from deid.recognizers.contact import EmailRecognizer, IpRecognizer, PhoneRecognizer, UrlRecognizer


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call 617-555-1234 today", "617-555-1234"),
        ("cell (617) 555-1234.", "(617) 555-1234"),
        ("at +1 209 678 7527 if worse", "+1 209 678 7527"),
        ("phone 6175551234", "6175551234"),
        ("paged Dr. X at 4976, awaiting", "4976"),
        ("Mobile: 432 03 163", "432 03 163"),
        ("reached at 302-9759.", "302-9759"),
        # The kind of number written after it, joined by a hyphen or a space.
        ("21 253 109 8211-Office", "21 253 109 8211"),
        ("Fax line: +41 (0)69 979 80 58-Fax", "+41 (0)69 979 80 58"),
        ("416 60 039 office", "416 60 039"),
        ("(37) 788-063-Office", "(37) 788-063"),
    ],
)
def test_phones(found, text, value):
    assert found(PhoneRecognizer(), text) == [value]


def test_fax_is_relabelled():
    text = "records to Dr. Lee, fax (912) 317-3271."
    results = PhoneRecognizer().analyze(text, ["PHONE"])
    assert results and {r.entity_type for r in results} == {PhiLabel.FAX}
    assert {r.entity_type for r in PhoneRecognizer().analyze("call (912) 317-3271", ["PHONE"])} == {PhiLabel.PHONE}


@pytest.mark.parametrize(
    "text",
    ["BP 120/80 HR 88", "given at 1530", "Na 138 K 4.1", "INR 2.3-2.5", "walks 100 ft at home", "2-3 home visits"],
)
def test_not_phones(found, text):
    assert found(PhoneRecognizer(), text) == []


def test_email_url_ip(found):
    assert found(EmailRecognizer(), "write to jo.ann_m@mail.example.org.") == ["jo.ann_m@mail.example.org"]
    assert found(UrlRecognizer(), "see https://portal.x-health.com/login.") == ["https://portal.x-health.com/login"]
    assert found(UrlRecognizer(), "at www.bbh.org/patients today") == ["www.bbh.org/patients"]
    assert found(IpRecognizer(), "logged in from ip 10.236.106.253") == ["10.236.106.253"]
    assert found(IpRecognizer(), "version 999.1.2.3 and time 10:30:15") == []
