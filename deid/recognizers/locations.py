"""Street addresses, city / state / ZIP, and hospitals or other facilities.

Address parts are written case-sensitively (`[A-Z][A-Za-z]`) so that ordinary lower-case words do not
start an address; ALL CAPS notes still match because upper-case letters satisfy both classes."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer

CASE_SENSITIVE = regex.DOTALL | regex.MULTILINE
CAP = r"[A-Z][A-Za-z'.-]*"
STREET_TYPES = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|"
    r"circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|loop|alley|row|plaza|path|pike|crescent|"
    r"close|gardens|heights|hollow|ridge|run|view|crossing|point|commons|gate|green|walk)"
)
STREET_TYPES_CI = rf"(?i:{STREET_TYPES})"
UNIT_DESIGNATOR = r"(?:(?i:apt|apartment|suite|ste|unit|room|rm|floor|fl|bldg|building|#)\.?\s*#?\s*[A-Za-z0-9-]{1,6})"
UNIT = rf"(?:,?\s*{UNIT_DESIGNATOR})"
STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
).split()
STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
    "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
    "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
    "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
    "Wisconsin|Wyoming|Puerto Rico"
)
STATE_ABBR = "(?:" + "|".join(STATES) + ")"
# Abbreviations that are also credentials or words (`Smith, MD`, `PA`, `OR`): a state only before a ZIP.
AMBIGUOUS_STATE = "(?:MD|PA|OR|IN|ME|OK|HI|DO|MA|MS|DE|LA|CO|SC|NP|RN)"
STATE_ANY = rf"(?:{STATE_ABBR}|(?i:{STATE_NAMES}))"
ZIP = r"\d{5}(?:-\d{4})?"


class StreetAddressRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern(
            "number_street",
            rf"(?<![\w/.-])\d{{1,6}}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:{CAP}\s+){{0,3}}{CAP}\s+{STREET_TYPES_CI}\b\.?{UNIT}?",
            0.85,
        ),
        Pattern("po_box", r"\b(?i:p\.?\s?o\.?\s?box|post office box)\s+\d{1,6}\b", 0.9),
        Pattern("unit_alone", rf",\s*(?P<phi>{UNIT_DESIGNATOR})", 0.5),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=PhiLabel.STREET.value,
            patterns=self.PATTERNS,
            name="StreetAddressRecognizer",
            global_regex_flags=CASE_SENSITIVE,
            context=["address", "lives", "resides", "street", "home"],
        )


class CityRecognizer(GroupPatternRecognizer):
    """A city is recognised by its position: before `, STATE` (`Boston, MA 02114`) or after
    a residence cue (`lives in Springfield`)."""

    PATTERNS = [
        Pattern(
            "city_state",
            rf"\b{CAP}(?:\s{CAP}){{0,2}}(?=,?\s+(?:{STATE_ABBR}\s+{ZIP}\b|(?!{AMBIGUOUS_STATE}\b){STATE_ANY}(?:\s+{ZIP}\b|\s*[,.\n]|\s*$)))",
            0.7,
        ),
        Pattern(
            "lives_in",
            rf"\b(?i:lives|living|resides|residing|moved|relocated|born)\s+(?i:in|at|to|from)\s+(?P<phi>{CAP}(?:\s{CAP}){{0,2}})",
            0.4,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=PhiLabel.CITY.value,
            patterns=self.PATTERNS,
            name="CityRecognizer",
            global_regex_flags=CASE_SENSITIVE,
            context=["city", "town", "lives", "resides"],
        )


class StateRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern("state_name", rf"\b(?i:{STATE_NAMES})\b", 0.6),
        Pattern(
            "state_after_city",
            rf"\b{CAP},?\s+(?P<phi>{STATE_ABBR})"
            rf"(?=\s+{ZIP}\b|(?<!{AMBIGUOUS_STATE})\s*[,.\n]|(?<!{AMBIGUOUS_STATE})\s*$)",
            0.6,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=PhiLabel.STATE.value,
            patterns=self.PATTERNS,
            name="StateRecognizer",
            global_regex_flags=CASE_SENSITIVE,
        )


class ZipRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern("zip_after_state", rf"\b{STATE_ANY}\.?,?\s+(?P<phi>{ZIP})\b", 0.9),
        Pattern("zip_keyed", rf"\b(?i:zip|zip code|postal code|zipcode)\W{{0,3}}(?P<phi>{ZIP})\b", 0.9),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=PhiLabel.ZIP.value,
            patterns=self.PATTERNS,
            name="ZipRecognizer",
            global_regex_flags=CASE_SENSITIVE,
        )


FACILITY_TYPES = (
    r"(?:hospital|medical center|medical centre|health center|health centre|clinic|infirmary|"
    r"rehabilitation center|rehab center|rehab|nursing home|nursing facility|hospice|health system|"
    r"healthcare|health care|medical group|urgent care|care center|surgery center|cancer center|"
    r"children's hospital|memorial|va medical center|senior living|assisted living|skilled nursing facility)"
)
FACILITY_WORD = (
    r"(?!(?i:the|a|an|to|at|in|from|of|and|for|with|by|on|was|is|pt|patient|seen|admitted|transferred|"
    r"discharged|home)\b)[A-Z][A-Za-z'.&-]*"
)


class HospitalRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern(
            "named_facility",
            rf"\b(?:(?i:st\.?|saint)\s+)?{FACILITY_WORD}(?:[ -]{FACILITY_WORD}){{0,3}}\s+(?i:{FACILITY_TYPES})\b",
            0.8,
        ),
        Pattern(
            "facility_of",
            rf"\b(?i:hospital|university|medical center|clinic)\s+(?i:of)\s+(?:the\s+)?{CAP}(?:\s{CAP}){{0,2}}",
            0.7,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=PhiLabel.HOSPITAL.value,
            patterns=self.PATTERNS,
            name="HospitalRecognizer",
            global_regex_flags=CASE_SENSITIVE,
            context=["transferred", "admitted", "hospital", "facility"],
        )
