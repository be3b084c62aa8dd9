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


def _cased(text: str, case: str) -> str:
    return {"upper": str.upper, "lower": str.lower, "as is": str}[case](text)


# Kind 4: phones and pagers as nurses type them, in any letter case.
@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Pg 37714 with questions", "37714"),
        ("pager # 6-4410, covering until 0700", "6-4410"),
        ("beeper 52290 overnight", "52290"),
        ("bpr 7731 -> overnight NP", "7731"),
        ("page the resident @ 41187 with labs", "41187"),
        ("son's cell 410-  555- 0148", "410-  555- 0148"),
        ("wife (410 555 01482) at home", "410 555 01482"),
        ("reach her at 443 5550171", "443 5550171"),
        ("call 410/555/0163 after 5", "410/555/0163"),
    ],
)
def test_nursing_phone_formats_in_any_case(found, text, value, case):
    assert found(PhoneRecognizer(), _cased(text, case)) == [_cased(value, case)]


@pytest.mark.parametrize(
    "text",
    [
        "I/O 700/950. 2115 family at bedside",
        "BP 120/80, 12/25/2019, TV 650-720, RR 14-20, fs @ 2200-244, 1900-0700",
    ],
)
def test_vitals_are_not_phones(found, text):
    assert found(PhoneRecognizer(), text) == []


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
def test_a_missing_space_after_a_period_is_not_a_url(found, case):
    recognizer = UrlRecognizer()
    text = _cased("will reassess as necessary.Pt resting. vent unchanged, comfortable.pt sleeping.", case)
    assert found(recognizer, text) == []
    assert found(recognizer, "see www.example.pt or portal.example.com/login") == [
        "www.example.pt", "portal.example.com/login"
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("her son asked us to call him at 482 1190 after work", "482 1190"),
        ("numbers: (h) 617 4420 (c) on file", "617 4420"),
        ("daughter's cell is 774 5519 021 per the face sheet", "774 5519 021"),
        ("page the overnight resident @ 3-8812", "3-8812"),
        ("beeper 61120, fellow at 61124", "61124"),
    ],
)
def test_phones_after_call_cues(found, text, value):
    assert value in found(PhoneRecognizer(), text)


def test_measurement_ranges_are_not_phones(found):
    assert found(PhoneRecognizer(), "SVR 880-1240, PVR 210-380 overnight") == []
    assert found(PhoneRecognizer(), "call back # 733-1240") == ["733-1240"]
