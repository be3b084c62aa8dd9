"""Street addresses, city / state / ZIP, and hospitals or other facilities.

Address parts are written case-sensitively (`[A-Z][A-Za-z]`) so that ordinary lower-case words do not
start an address; ALL CAPS notes still match because upper-case letters satisfy both classes."""

from __future__ import annotations

import regex
from faker.providers.address.en_US import Provider as UsAddresses
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer, other_occurrences
from deid.recognizers.lexicon import EnglishVocabulary

CASE_SENSITIVE = regex.DOTALL | regex.MULTILINE
CAP = r"[A-Z][A-Za-z'.-]*"
# A word of a place name: a sentence's final period is not part of it (`St.` is).
CITY_WORD = r"(?:(?i:St|Ste|Ft|Mt)\.|[A-Z][A-Za-z'-]*)"
CITY = rf"{CITY_WORD}(?:\s{CITY_WORD}){{0,2}}"
# USPS street suffixes (Faker's maintained list) plus the common abbreviations.
STREET_ABBREVIATIONS = "st ave rd blvd ln dr ct pl ter cir pkwy hwy sq trl".split()
STREET_TYPES = "(?:" + "|".join(
    sorted({s.lower() for s in UsAddresses.street_suffixes} | set(STREET_ABBREVIATIONS), key=len, reverse=True)
) + ")"
STREET_TYPES_CI = rf"(?i:{STREET_TYPES})"
UNIT_DESIGNATOR = (
    r"(?:(?i:\b(?:apt|apartment|suite|ste|unit|room|rm|floor|fl|bldg|building)\b|#)\.?\s*#?\s*"
    r"(?=[A-Za-z-]*\d)[A-Za-z0-9-]{1,6}\b)"
)
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
# `3 CM. CALF VEINS NOT WELL`, `2 AM Rapid response`: a measurement or a time, not a house number.
NOT_A_UNIT = r"(?!(?i:cm|mm|mg|ml|cc|kg|lbs?|am|pm|hrs?|hours?|min|days?|weeks?|months?|x|times|of|to|and)\b)"
STREET_PREFIX = r"(?:Rue|Via|Viale|Avenida|Avda\.|Calle|Rua|Praça|Piazza|Chemin|Boulevard|Avenue|Plaza|Carrer|Camino)"
STREET_LINE = (
    rf"(?<![\w/.:-])\d{{1,6}}[A-Z]?\s+{NOT_A_UNIT}(?:[NSEW]\.?\s+)?(?:{CAP}\s+){{0,3}}{CAP}\s+{STREET_TYPES_CI}\b"
    # `1415 PER DR. OWSIANY`: a time, a word and a doctor, not a drive.
    r"(?!(?<=(?i:\bdr))\.?[ \t]*[A-Z])\.?"
    rf"{UNIT}?"
)
ZIP = r"\d{5}(?:-\d{4})?"


class StreetAddressRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern(
            "number_street",
            STREET_LINE,
            0.85,
        ),
        Pattern("po_box", r"\b(?i:p\.?\s?o\.?\s?box|post office box)\s+\d{1,6}\b", 0.9),
        # European forms: `Feldstrasse 42`, `Via Roma 131`, `63 Rue de Kairouan`, `Nybyvägen 65`.
        Pattern(
            "street_word_number",
            rf"(?:\b\d{{1,6}}\s+)?\b[A-Z][\w'-]*(?i:strasse|straße|gasse|weg|vej|vägen|gatan|gata|veien|tie|katu|"
            rf"laan|straat|plein|ulica|utca|allee)\s+\d{{1,5}}[A-Za-z]?\b{UNIT}?",
            0.8,
        ),
        Pattern(
            "street_prefix",
            rf"(?:\b\d{{1,6}}\s+{STREET_PREFIX}|\b{STREET_PREFIX}(?=[^\n\d]{{0,40}}\s\d{{1,5}}\b))"
            rf"\s+(?:(?:de|del|della|di|da|do|des|du|la|le|d')\s*)*{CAP}(?:\s{CAP}){{0,2}}"
            rf"(?:\s+\d{{1,5}}[A-Za-z]?\b)?{UNIT}?",
            0.6,
        ),
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


# Where patients are moved to or come from, but not a town (`transported to ED`, `arrived from Rehab`).
NOT_A_PLACE = (
    r"(?i:the|a|an|his|her|their|my|our|this|that|another|same|outside|home|bed|senior|assisted|long|ed|er|"
    r"icu|ccu|micu|sicu|cvicu|nicu|picu|pacu|or|ir|pcu|snf|ltac|alf|ems|pt|ot|rehab|rehabilitation|hospital|"
    r"clinic|floor|unit|ward|radiology|surgery|dialysis|hospice|shelter|work|school|jail|prison|nursing|"
    r"facility|skilled|urgent|emergency|cath|endoscopy|pre-op|post-op|holding|triage|room|bay)"
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
            r"\b(?i:lives|living|resides|residing|moved|relocated|born|raised|arrived|transported|travel|"
            r"traveling|travelling|visiting)\b(?:[^.\n]|(?<=\b(?:[A-Z]|Dr|Mr|Mrs|Ms|St))\.){0,40}?\b(?i:in|to|from)\s+"
            rf"(?P<phi>(?!{NOT_A_PLACE}\b){CITY})",
            0.5,
        ),
        # The line after a street address (`1 Main St | Springfield, IL 62701` or `... in Springfield`).
        Pattern(
            "after_street",
            rf"{STREET_LINE}(?:,?\s*\n|,|\s+in)\s*(?P<phi>{CITY})(?=,|\s+{STATE_ANY}\b|\.|$)",
            0.6,
        ),
    ]

    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__(
            supported_entity=PhiLabel.CITY.value,
            patterns=self.PATTERNS,
            name="CityRecognizer",
            global_regex_flags=CASE_SENSITIVE,
            context=["city", "town", "lives", "resides"],
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Cities by position, then the same city wherever else the note names it (`West Saraview, RI`
        ... `lives in West Saraview`). A one-word city that is an English word (`Mobile`) is not spread."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        found = {text[r.start : r.end] for r in results}
        names = [c for c in found if " " in c or c.lower() not in self._english.words]
        return results + other_occurrences(text, results, names, PhiLabel.CITY.value, 0.6)


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
        Pattern(
            "zip_keyed",
            r"\b(?i:zip|zip code|postal code|zipcode|postcode)(?:\s+is)?\W{0,3}(?P<phi>\d{3,5}(?:-\d{4})?)\b",
            0.9,
        ),
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
    r"rehabilitation center|rehabilitation hospital|rehab center|nursing home|nursing facility|hospice|"
    r"health system|healthcare|health care|medical group|medical associates|urgent care|care center|"
    r"surgery center|surgical center|cancer center|cancer institute|heart institute|institute|"
    r"children's hospital|memorial|va medical center|senior living|assisted living|skilled nursing facility|"
    r"behavioral health|mental health center|family health center|health campus|campus|"
    r"dialysis center|imaging center)"
)
FACILITY_WORD = (
    r"(?!(?i:the|a|an|to|at|in|from|of|and|for|with|by|on|was|is|pt|patient|seen|admitted|transferred|"
    r"discharged|home|brief|admission|admitting|discharge|recent|am|pm|cardiac|pulmonary|physical|occupational|"
    r"your|our|his|her|their|this|that|outpatient|inpatient|acute|local|outside|prior|previous|same|"
    r"clinic|note|hospital|per|call|called)\b)[A-Z][A-Za-z'.&-]*"
)


class HospitalRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern(
            "named_facility",
            rf"\b(?:(?i:st\.?|saint)\s+)?{FACILITY_WORD}(?:[ -]{FACILITY_WORD}){{0,3}}\s+(?i:{FACILITY_TYPES})\b",
            0.8,
        ),
        # Initialisms of facilities (`SMH`, `QVMC`) where a facility is expected.
        Pattern(
            "facility_initialism",
            r"\b(?i:at|to|from|in|clinic|facility|hospital|location|site|transferred|admitted|accepted)\s*:?\s+"
            r"(?P<phi>(?!(?:ICU|CCU|MICU|SICU|NICU|PICU|PACU|CVICU|ED|ER|OR|IR|PT|OT|MD|RN|NP|PA|DO|ICD|CT|MRI|"
            r"EKG|ECG|EEG|EMS|GI|ENT|ID|OB|PCP|SNF|LTAC|ALF|HOH|BR|BID|TID|QID|PRN|AM|PM|US|VA|PMH|HPI|ROS|"
            r"DVT|CBC|BMP|CMP|LFT|ABG|VBG|UA|UTI|CHF|COPD|HTN|DM|CKD|ESRD|MI|CVA|TIA|PE|GERD|BPH|OSA|HOB|"
            r"ADL|ADLS|IADL|RH|LH|BH|GH)\b)"
            r"[A-Z]{1,4}(?:H|MC|HC|HS|GH|CH|MH|RMC|CI|HI|MG|UC|BH|LC|RC|SNF|AL)\b)",
            0.6,
        ),
        Pattern(
            "facility_of",
            rf"\b(?i:hospital|university|medical center|clinic)\s+(?i:of)\s+(?:the\s+)?{CAP}(?:\s{CAP}){{0,2}}",
            0.7,
        ),
    ]

    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__(
            supported_entity=PhiLabel.HOSPITAL.value,
            patterns=self.PATTERNS,
            name="HospitalRecognizer",
            global_regex_flags=CASE_SENSITIVE,
            context=["transferred", "admitted", "hospital", "facility"],
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Facility names, then their initialisms wherever the note uses them (`Warren Women's
        Hospital` ... `WWH`). A cued initialism that is an English word (`IN FAITH`) is not one."""
        results = [
            r
            for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if " " in text[r.start : r.end].strip() or text[r.start : r.end].lower() not in self._english.words
        ]
        initialisms = {initialism(text[r.start : r.end]) for r in results} - {""}
        if initialisms:
            pattern = regex.compile(r"\b(?:" + "|".join(sorted(initialisms)) + r")\b", regex.IGNORECASE)
            for match in pattern.finditer(text):
                if text[match.start() : match.end()].isupper():
                    results.append(RecognizerResult(PhiLabel.HOSPITAL.value, match.start(), match.end(), 0.7))
        return results


def initialism(facility: str) -> str:
    """`Hartford Rehabilitation Center` -> `HRC`; empty when too short to be distinctive."""
    words = regex.findall(r"[A-Za-z][\w'’]*", facility)
    letters = "".join(w[0] for w in words if w.lower() not in {"of", "the", "and"})
    return letters.upper() if len(letters) >= 2 else ""
