"""Ages over 89 (HIPAA Safe Harbor aggregates them into "90 or older"); only the number is labelled."""

from __future__ import annotations

from presidio_analyzer import Pattern

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer

OVER_89 = r"(?:9\d|1[01]\d)"
UNITS = r"(?:one|two|three|four|five|six|seven|eight|nine)"
OVER_89_WORDS = rf"(?:ninety(?:[- ]{UNITS})?|one hundred(?:(?: and)?[- ](?:{UNITS}|ten|eleven|twelve))?)"


class AgeOver89Recognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.AGE
    PATTERNS = [
        Pattern(
            "age_unit",
            rf"(?<![\w.])(?:{OVER_89}|{OVER_89_WORDS})(?=\s*-?\s*(?:y/?o\b|yo\b|y\.o\.|y\b|yrs?\b|years?\b|year-old|yr-old|-year))",
            0.85,
        ),
        Pattern("age_sex", rf"(?<![\w.]){OVER_89}(?=(?-i:[MF])\b)", 0.7),
        # `pt is ninety-six`, `pt turned 100`, `states he is 103`: the subject is the patient, not a vital.
        Pattern(
            "age_is",
            rf"\b(?:pt|patient|he|she)[ \t]+(?:is|turned|turns|was)[ \t]+(?P<phi>{OVER_89}|{OVER_89_WORDS})\b"
            r"(?![ \t]*(?:%|mg|kg|lbs?|cm|mm|beats|bpm|degrees|f\b|c\b))",
            0.7,
        ),
        # `Rosa Q., 93, ...`: the age after a name in the question style (first name and initial).
        Pattern("age_after_name", rf"\b\p{{Lu}}\.,[ \t]+(?P<phi>{OVER_89})(?=[ \t]*,)", 0.7),
        # A bare age opening a line (`91 F with CHF`; not `Temp: 99 F`), per the chart
        # (`per chart 96`), a birthday (`her 95th birthday`).
        Pattern("age_sex_spaced", rf"^[ \t]*(?P<phi>{OVER_89})[ \t]+(?-i:[MF])\b", 0.7),
        Pattern("age_per_chart", rf"\b(?:per[ \t]+chart|chart[ \t]+says|stated[ \t]+age)[ \t:]*(?P<phi>{OVER_89})\b"
                r"(?![ \t]*(?:%|mg|kg|lbs?|cm|mm|bpm))", 0.7),
        Pattern("age_birthday", rf"(?<![\w.])(?P<phi>{OVER_89})(?:st|nd|rd|th)[ \t]+birthday", 0.8),
        Pattern("age_keyed", rf"\b(?:age|aged|age/sex|age/gender)\s*:?\s*(?P<phi>{OVER_89}|{OVER_89_WORDS})\b", 0.85),
    ]
