"""Anonymisation policy: type tags, consistent keyed surrogates, per-patient date shifting."""

from __future__ import annotations

from datetime import date

import pytest

from deid.engine import get_engine
from deid.policy import Operator, Policy, PolicyApplier
from deid.surrogates import Surrogates
from medflow.settings import Settings


def test_policy_parse_and_defaults():
    policy = Policy.parse("NAME=surrogate, date=shift, *=redact")
    assert policy.operator_for("NAME") is Operator.SURROGATE
    assert policy.operator_for("DATE") is Operator.SHIFT
    assert policy.operator_for("PHONE") is Operator.REDACT
    assert policy.needs_key
    assert Policy.parse("").operator_for("NAME") is Operator.TAG
    assert not Policy.parse("").needs_key


@pytest.mark.parametrize("spec", ["NAME=scramble", "PATIENT=tag"])
def test_policy_rejects_unknown_operators_and_labels(spec):
    with pytest.raises(ValueError):
        Policy.parse(spec)


def test_key_required_for_surrogates_and_message_has_no_secret():
    with pytest.raises(ValueError, match="MEDFLOW_DEID_HMAC_KEY"):
        PolicyApplier(Policy.parse("NAME=surrogate"), None)


def test_surrogates_are_consistent_per_patient_and_key():
    a, b = Surrogates(b"key-1"), Surrogates(b"key-2")
    assert a.surrogate("NAME", "John Smith", "p1") == a.surrogate("NAME", "john  smith", "p1")
    assert a.surrogate("NAME", "John Smith", "p1") != a.surrogate("NAME", "John Smith", "p2")
    assert a.surrogate("NAME", "John Smith", "p1") != b.surrogate("NAME", "John Smith", "p1")
    assert a.surrogate("NAME", "SMITH", "p1").isupper()
    phone = a.surrogate("PHONE", "617-555-1234", "p1")
    assert phone != "617-555-1234" and phone[3] == "-" and phone[7] == "-" and len(phone) == 12


def test_date_shift_keeps_intervals_and_formats():
    s = Surrogates(b"key")
    shift = s.shift_days("p1")
    assert shift != 0 and -365 <= shift <= 365
    first, second = s.shift_date("3/4/2021", "p1"), s.shift_date("03/18/2021", "p1")
    m1, d1, y1 = map(int, first.split("/"))
    m2, d2, y2 = map(int, second.split("/"))
    assert (date(y2, m2, d2) - date(y1, m1, d1)).days == 14
    assert (date(y1, m1, d1) - date(2021, 3, 4)).days == shift
    iso = s.shift_date("2021-03-04", "p1")
    assert len(iso) == 10 and iso[4] == "-"
    assert s.shift_date("March 4th, 1950", "p1").split()[1].rstrip(",")[-2:] in {"st", "nd", "rd", "th"}
    assert s.shift_date("the 4th", "p1") is None  # unparseable: caller falls back to a tag


def test_engine_applies_surrogates_and_shift_consistently_within_a_patient():
    settings = Settings(
        deid_processes=1, deid_hmac_key="unit-test-key", deid_policy="NAME=surrogate,DATE=shift,*=tag"
    )
    engine = get_engine(settings.deid_config())
    texts = ["Seen by Dr. Quennell on 3/4/2021. MRN: 1234567.", "Dr. Quennell called on 3/4/2021."]
    one, two = engine.deidentify(texts, ["p1", "p1"])
    (other,) = engine.deidentify(texts[:1], ["p2"])
    assert "Quennell" not in one.text and "3/4/2021" not in one.text
    assert "[MRN]" in one.text
    name_1 = one.text.split("Dr. ")[1].split(" on")[0]
    name_2 = two.text.split("Dr. ")[1].split(" called")[0]
    assert name_1 == name_2
    assert one.text.split(" on ")[1][:8] == two.text.split(" on ")[1][:8]
    assert other.text != one.text


# --- surrogates reveal nothing of the original but its format ---------------------------------


def _letters_and_digits(value: str) -> set[str]:
    return {value[i : i + 2].lower() for i in range(len(value) - 1) if value[i : i + 2].isalnum()}


def test_email_url_street_and_ip_surrogates_are_whole_synthetic_values():
    s = Surrogates(b"key")
    email = s.surrogate("EMAIL", "john.smith72@gmail.com", "p1")
    local, _, domain = email.partition("@")
    assert domain in {"example.com", "example.org", "example.net"} and local
    assert not {"john", "smith", "72", "gmail"} & {w for w in email.replace("@", ".").split(".")}
    assert "smith" not in email and "72" not in email and "gmail" not in email
    street = s.surrogate("STREET", "123 Main Street", "p1")
    assert "Main" not in street and not street.startswith("123 ") and street.split()[0].isdigit()
    assert s.surrogate("STREET", "123 MAIN STREET", "p1").isupper()
    url = s.surrogate("URL", "https://www.smithfamily.org/photos", "p1")
    assert url.startswith("https://") and "smithfamily" not in url and "photos" not in url
    ip = s.surrogate("IP", "192.168.14.7", "p1")
    assert ip != "192.168.14.7" and ip.count(".") == 3 and not ip.startswith("192.168")
    assert s.surrogate("IP", "2001:4860:4860::8888", "p1").startswith("2001:db8:")


@pytest.mark.parametrize("label", ["MRN", "ACCOUNT", "HEALTH_PLAN", "LICENSE", "DEVICE", "VEHICLE", "ID"])
def test_identifier_surrogates_replace_letters_and_digits_and_keep_the_format(label):
    s = Surrogates(b"key")
    value = "JS12345678-ab"
    fake = s.surrogate(label, value, "p1")
    assert len(fake) == len(value) and fake[10] == "-"
    assert fake[:2].isupper() and fake[:2].isalpha() and fake[2:10].isdigit() and fake[11:].islower()
    assert fake[:2] != "JS" and fake[2:10] != "12345678" and fake[11:] != "ab"
    assert s.surrogate(label, value, "p1") == fake  # consistent


def test_ssn_surrogates_are_valid_looking_and_spread():
    s = Surrogates(b"key")
    fakes = [s.surrogate("SSN", "078-05-1120", f"p{i}") for i in range(60)]
    for fake in fakes:
        area, group, serial = fake.split("-")
        assert len(area) == 3 and len(group) == 2 and len(serial) == 4
        assert 1 <= int(area) <= 899 and int(area) != 666 and int(group) >= 1 and int(serial) >= 1
    assert len({f[0] for f in fakes}) >= 5  # not always 0 or 1
    assert len(s.surrogate("SSN", "078051120", "p1")) == 9 and s.surrogate("SSN", "078 05 1120", "p1")[3] == " "


def test_age_over_89_becomes_the_safe_harbor_aggregate():
    assert Surrogates(b"key").surrogate("AGE", "94", "p1") == "90+"


def test_out_of_range_dates_are_redacted_not_a_crash():
    s = Surrogates(b"key")
    patients = {s.shift_days(f"p{i}") > 0: f"p{i}" for i in range(20)}
    assert s.shift_date("0001-01-01", patients[False]) is None
    assert s.shift_date("9999-12-31", patients[True]) is None
    assert s.shift_date("12/31/9999", patients[True]) is None
    assert s.shift_date("0000", patients[True]) is None
    applier = PolicyApplier(Policy.parse("DATE=shift"), s)
    assert applier.apply("Born 0001-01-01.", [(5, 15, "DATE", 0.9)], patients[False]).text == "Born [DATE]."
    assert applier.apply("Due 9999-12-31.", [(4, 14, "DATE", 0.9)], patients[True]).text == "Due [DATE]."


def test_notes_without_a_patient_id_each_get_a_fresh_key():
    settings = Settings(
        _env_file=None, deid_processes=1, deid_hmac_key="unit-test-key", deid_policy="NAME=surrogate,DATE=shift"
    )
    engine = get_engine(settings.deid_config())
    note = "Seen by Dr. Quennell on 3/4/2021."
    anonymous = engine.deidentify([note] * 6, [None] * 6)
    assert len({r.text for r in anonymous}) > 1  # names and dates differ from note to note
    assert len({r.date_shift_days for r in anonymous}) > 1
    blank = engine.deidentify([note] * 6, [" "] * 6)  # a blank id is no patient id: no shared key
    assert len({r.date_shift_days for r in blank}) > 1
    keyed = engine.deidentify([note] * 2, ["p1", "p1"])
    assert keyed[0].text == keyed[1].text and keyed[0].date_shift_days == keyed[1].date_shift_days
    assert keyed[0].date_shift_days == Surrogates(b"unit-test-key").shift_days("p1")


def test_surrogates_of_evasive_spellings_match_the_plain_ones():
    s = Surrogates(b"key")
    assert s.surrogate("NAME", "Quen\u200bnell", "p1") == s.surrogate("NAME", "Quennell", "p1")
    assert s.shift_date("2021\u201103\u201104", "p1") == s.shift_date("2021-03-04", "p1")
