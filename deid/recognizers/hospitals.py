"""Hospitals and other facilities by their full name (`Warren Women's Hospital`, `Hospital of the Good
Shepherd`), their initialisms where a facility is expected (`transferred to SMH`), and each initialism
of a name found wherever else the note uses it."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.labels import PhiLabel
from deid.recognizers.address_patterns import CAP, CASE_SENSITIVE, WORD_START
from deid.recognizers.base import GroupPatternRecognizer
from deid.recognizers.lexicon import EnglishVocabulary

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
    r"clinic|note|hospital|per|call|called)\b)[A-Z][A-Za-z'.&-]*+"
)


class HospitalRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.HOSPITAL
    FLAGS = CASE_SENSITIVE
    PATTERNS = [
        Pattern(
            "named_facility",
            # `Brigham and Women's Hospital`, `Johnson & Johnson Clinic`: `and` joins two capitalised words.
            rf"{WORD_START}(?:(?i:st\.?|saint)\s+)?{FACILITY_WORD}"
            rf"(?:[ -]{FACILITY_WORD}|\s(?:and|&)\s{FACILITY_WORD}){{0,3}}"
            rf"\s+(?i:{FACILITY_TYPES})\b",
            0.8,
        ),
        # Initialisms of facilities (`SMH`, `QVMC`) where a facility is expected.
        Pattern(
            "facility_initialism",
            r"\b(?i:at|to|from|in|into|clinic|facility|hospital|location|site|transferred|admitted|accepted)\s*:?\s+"
            r"(?P<phi>(?!(?:ICU|CCU|MICU|SICU|NICU|PICU|PACU|CVICU|ED|ER|OR|IR|PT|OT|MD|RN|NP|PA|DO|ICD|CT|MRI|"
            r"EKG|ECG|EEG|EMS|GI|ENT|ID|OB|PCP|SNF|LTAC|ALF|HOH|BR|BID|TID|QID|PRN|AM|PM|US|VA|PMH|HPI|ROS|"
            r"DVT|CBC|BMP|CMP|LFT|ABG|VBG|UA|UTI|CHF|COPD|HTN|DM|CKD|ESRD|MI|CVA|TIA|PE|GERD|BPH|OSA|HOB|"
            r"ADL|ADLS|IADL|RH|LH|BH|GH|"
            # Clinical words and initialisms with a facility-like ending (`to cath lab`, `secondary to SIADH`).
            r"CATH|PATH|TRACH|BATH|NASH|SIADH|SAH|SDH|EDH|ICH|IVH|IPH|LVH|RVH|PAH|PPH|HH|QHS|DH|OSH|EVAL)\b)"
            r"[A-Z]{1,4}(?:H|MC|HC|HS|GH|CH|MH|RMC|CI|HI|MG|UC|BH|LC|RC|SNF|AL)\b)",
            0.6,
        ),
        Pattern(
            "facility_of",
            rf"\b(?i:hospital|university|medical center|clinic)\s+(?i:of)\s+(?:the\s+)?{CAP}(?:\s{CAP}){{0,2}}",
            0.7,
        ),
    ]

    CONTEXT = ["transferred", "admitted", "hospital", "facility"]

    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__()

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
