"""Dates in every form clinical notes use (`3/4`, `03-04-21`, `2021-03-04`, `March 4th`, `4 Mar 2021`,
`Mar 2021`, `2021`, `the 4th`), but not times, doses, vitals, scores or lab values.

Numeric day/month pairs are validated (month 1-12, day 1-31) and rejected before units and scales
(`1/2 tab`, `5/5 strength`, `7/10 pain`, `2/6 murmur`) and after vitals (`BP 120/80`)."""

from __future__ import annotations

from presidio_analyzer import Pattern

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
ORD = r"(?:st|nd|rd|th)"
DAY = r"(?:0?[1-9]|[12]\d|3[01])"
MON_NUM = r"(?:0?[1-9]|1[0-2])"
YEAR4 = r"(?:19\d\d|20\d\d)"
YEAR = r"(?:19\d\d|20\d\d|\d\d)"
# Not a date when a unit, scale or dosing word follows, or a vital-sign word precedes.
NOT_AFTER = (
    r"(?!\s*(?:tabs?|tablets?|caps?|capsules?|mg|mcg|ml|cc|units?|puffs?|drops?|strength|str|"
    r"pain|murmur|scale|score|dose|doses|of\b|inch|cm|mm|grade|power|vision|ns\b|x\b))"
)
NOT_BEFORE = r"(?<!(?:bp|b/p|pressure|pain|strength|motor|murmur|grade|vision|ratio|score)[\s:]{0,3})"
EDGE_L = r"(?=\d)(?<![\w/.:-])"
EDGE_R = r"(?![\w/:]|\.\d|-\d)"


class DateRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern("iso", rf"{EDGE_L}{YEAR4}[-/.]{MON_NUM}[-/.]{DAY}{EDGE_R}", 0.9),
        Pattern("mdy", rf"{EDGE_L}{NOT_BEFORE}{MON_NUM}([-/.]){DAY}\1{YEAR}{EDGE_R}", 0.9),
        Pattern("md", rf"{EDGE_L}{NOT_BEFORE}{MON_NUM}/{DAY}{EDGE_R}{NOT_AFTER}", 0.6),
        Pattern("md_dash", rf"{EDGE_L}{NOT_BEFORE}{MON_NUM}-{DAY}{EDGE_R}(?=\s*(?:at|@|\d|,|\.|\s))", 0.4),
        Pattern("my", rf"{EDGE_L}{MON_NUM}/{YEAR4}{EDGE_R}", 0.7),
        Pattern(
            "month_day_year",
            rf"\b{MONTH}\.?\s+{DAY}{ORD}?(?:\s*,\s*|\s+){YEAR4}\b",
            0.95,
        ),
        Pattern("month_day", rf"\b{MONTH}\.?\s+(?:the\s+)?{DAY}{ORD}?\b(?!:)", 0.85),
        Pattern("day_month_year", rf"\b{DAY}{ORD}?\s+(?:of\s+)?{MONTH}\.?,?\s+{YEAR4}\b", 0.95),
        Pattern("day_month", rf"\b{DAY}{ORD}?\s+(?:of\s+)?{MONTH}\b", 0.85),
        Pattern("day_mon_year_dash", rf"\b{DAY}[-\s]?{MONTH}[-\s]?{YEAR}\b", 0.9),
        Pattern("month_year", rf"\b{MONTH}\.?,?\s+(?:of\s+)?{YEAR4}\b", 0.9),
        Pattern("the_ordinal", rf"\b(?:the|on)\s+(?P<phi>{DAY}{ORD})\b", 0.7),
        Pattern(
            "month_word",
            r"\b(?:january|february|march|april|june|july|august|september|october|november|december)\b",
            0.55,
        ),
        # A bare year; `at 2000` / `1900 hrs` are 24-hour clock times, not years.
        Pattern(
            "year",
            rf"(?=[12]\d{{3}})(?<![\w/.:$#-])(?<!(?:at|@|approx|around|by|until)\s*){YEAR4}"
            r"(?![\w/:%]|\.\d|-\d|\s*(?:mg|mcg|ml|cc|units?|kcal|cal|g\b|hrs?\b|hours|h\b|[ap]\.?m\b))",
            0.5,
        ),
        Pattern("year_apos", r"(?<=\s)['’]\d\d\b(?!\s*(?:s|\"|in|ft))", 0.5),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=PhiLabel.DATE.value,
            patterns=self.PATTERNS,
            name="ClinicalDateRecognizer",
            context=["date", "dob", "born", "admitted", "discharged", "seen", "on", "since", "visit"],
        )
