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
    engine = get_engine(settings)
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
