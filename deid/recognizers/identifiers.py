"""Identifier numbers: SSN, medical record, account, health-plan, licence, device, vehicle and other
record numbers. Most are recognised by the key word in front of the value (`MRN: 0123456`), which
is how notes write them; only the value is labelled. Long digit runs without a key are still
identifiers in a note (no vital, dose or lab value has seven or more digits) and are labelled ID."""

from __future__ import annotations

from presidio_analyzer import Pattern

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer

# Separator between key and value: `MRN: 123`, `MRN # 123`, `MRN-123`, `MRN is 123`, `No. 123`.
SEP = r"(?:\s*(?:number|num|no\.?|nbr|#|id)?\s*(?:is|of)?\s*[:#=.\-]?\s*#?\s*)"
VALUE = r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,20}[A-Z0-9]\b"


def keyed(name: str, keys: str, score: float = 0.85, value: str = VALUE) -> Pattern:
    """A value preceded by one of `keys` (regex alternation) and a separator."""
    # The key is a whole word: `plateau pressure 31` and `platelets 112` are not `plate` numbers.
    return Pattern(name, rf"\b(?:{keys})(?![a-z]){SEP}(?P<phi>{value})", score)


class SsnRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.SSN
    PATTERNS = [
        Pattern("ssn_dashed", r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])", 0.85),
        Pattern("ssn_spaced", r"(?<![\w-])(?!000|666|9\d\d)\d{3} (?!00)\d{2} (?!0000)\d{4}(?![\w-])", 0.6),
        keyed(
            "ssn_keyed", r"ssn|ss#|social security|social", 0.95,
            r"(?:(?i:last)[ \t]+(?:4|four)[ \t]*(?i:digits)?[ \t:]*)?(?:\d{3}[- ]?\d{2}[- ]?)?\d{4}\b",
        ),
    ]
    CONTEXT = ["ssn", "social", "security"]


class MrnRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.MRN
    PATTERNS = [
        keyed("mrn", r"mrn|mr#|mr|medical record|med rec|record|chart|unit|hospital|patient id|pt id|pid", 0.9),
    ]


class AccountRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.ACCOUNT
    PATTERNS = [
        keyed("account", r"account|acct|acc|billing|invoice|claim|encounter|visit|fin|har", 0.9),
        keyed("card", r"card|credit card|visa|mastercard|amex", 0.9, r"\d{4}(?:[ -]?\d{3,6}){2,4}\b"),
        Pattern("card_number", r"(?<![\w-])(?:\d{4}[ -]){3}\d{4}(?![\w-])|(?<![\w-])[3-6]\d{14,18}(?![\w-])", 0.7),
        Pattern("iban", r"\b[A-Z]{2}\d{2}[A-Z0-9]{4}\d{7}(?:[A-Z0-9]?){0,16}\b", 0.8),
    ]


class HealthPlanRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.HEALTH_PLAN
    PATTERNS = [
        keyed(
            "plan",
            r"insurance|insurance id|member|member id|subscriber|policy|plan|group|medicare|medicaid|"
            r"beneficiary|hicn|mbi|bcbs|blue cross|aetna|cigna|humana|united ?healthcare|payer",
            0.9,
        ),
        # `Coverage: MassHealth #73016329S`: the insurer's name between the key and the number.
        Pattern(
            "plan_named",
            rf"\b(?i:coverage|insurance|insurer|payer|plan)\s*:?\s*(?:[A-Z][\w&.'-]*\s+){{1,3}}(?:#|no\.?|id)\s*:?\s*"
            rf"(?P<phi>{VALUE})",
            0.8,
        ),
    ]


class LicenseRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.LICENSE
    PATTERNS = [
        keyed("license", r"licen[cs]e|lic|driver'?s licen[cs]e|dl|dea|npi|certificate|cert|registration", 0.9),
        Pattern("dea", r"\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b", 0.4),
    ]


class DeviceRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.DEVICE
    PATTERNS = [
        keyed("device", r"serial|s/n|sn|device|model|implant|pacemaker|lot|udi|imei|catalog", 0.85),
    ]


# A plate or VIN: one or two groups of letters and digits with a digit in them, not a size (`plate 14-mm`,
# `plate and four 12 x 4`, `motor vehicle accident`, `skin tag that was`, `end plate spondylosis`).
VEHICLE_VALUE = (  # written in capitals, as plates are (`from C2 down to C4` is not one)
    r"(?-i:(?=[A-Z0-9]*\d|[A-Z0-9]+[ -][A-Z0-9]*\d)(?![A-Z]*[ -]?\d+(?:\.\d+)?[ -]?(?:mm|cm|hole|holes|x)\b)"
    r"(?![CTLS]\d{1,2}(?:-[CTLS]?\d{1,2})?\b)"  # a spinal level: `plate C3-C5`
    r"(?=[A-Z0-9 -]{4})[A-Z0-9]{1,17}(?:[ -][A-Z0-9]{1,8})?\b)"
)


class VehicleRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.VEHICLE
    PATTERNS = [
        keyed("vehicle", r"vin|vehicle|license plate|plate|tag", 0.85, VEHICLE_VALUE),
        Pattern("vin", r"\b[A-HJ-NPR-Z0-9]{17}\b", 0.4),
    ]


class OtherIdRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.ID
    PATTERNS = [
        keyed("keyed_id", r"id|identifier|case|specimen|accession|order|requisition|ref|reference|study|job", 0.8),
        # Seven or more digits (optionally dash-grouped) without a key: a record number of some kind.
        Pattern(
            "long_number",
            r"(?<![\w.,/:-])(?![0-2]\d[0-5]\d-\d{1,4}\b|\d{3,4}-\d{3,4}\b)\d(?:-?\d){6,}(?![\w.,/:-]\d|\w|%)",
            0.6,
        ),  # not a shift (`1900-0700`), a time and a value (`fs @ 2200-244`) or a range (`SVR 980-1160`)
        Pattern("alnum_id", r"\b[A-Z]{1,4}-?\d{5,12}\b", 0.6),
    ]
