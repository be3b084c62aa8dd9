"""Cities, US states and ZIP codes, by their position in an address or after a residence, travel or
relative cue (street lines are in `addresses`, hospitals in `hospitals`).

Address parts are written case-sensitively (`[A-Z][A-Za-z]`) so that ordinary lower-case words do not
start an address; ALL CAPS notes still match because upper-case letters satisfy both classes."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deid.labels import PhiLabel
from deid.recognizers.address_patterns import (
    AMBIGUOUS_STATE,
    CAP,
    CASE_SENSITIVE,
    CITY,
    POSTCODE,
    STATE_ABBR,
    STATE_ANY,
    STREET_LINE,
    WORD_START,
    ZIP,
)
from deid.recognizers.base import GroupPatternRecognizer, case_insensitive_view, other_occurrences
from deid.recognizers.gazetteer import country_names, is_place
from deid.recognizers.lexicon import EnglishVocabulary, is_allow_listed
from deid.recognizers.lexicon.people import RELATIONS
from deid.recognizers.lexicon.places import STATE_NAMES
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary

# Where patients are moved to or come from, but not a town (`transported to ED`, `arrived from Rehab`).
NOT_A_PLACE = (
    r"(?i:the|a|an|his|her|their|my|our|this|that|another|same|outside|home|bed|senior|assisted|long|ed|er|"
    r"icu|ccu|micu|sicu|cvicu|nicu|picu|pacu|or|ir|pcu|snf|ltac|alf|ems|pt|ot|osh|rehab|rehabilitation|hospital|"
    r"clinic|floor|unit|ward|radiology|surgery|dialysis|hospice|shelter|work|school|jail|prison|nursing|"
    r"facility|skilled|urgent|emergency|cath|endoscopy|pre-op|post-op|holding|triage|room|bay)"
)


# Where a person lives, comes from or travels to, named right after the cue.
TRAVEL_CUE = regex.compile(
    r"\b(?:(?i:grew up|brought up|based|originally|flew|flown|flying|returned|returning|trip|visited|visit|"
    r"native|emigrated|immigrated|live|lived|I'm|I am|we're|we are|currently|now|stays?|staying)"
    r"\s+(?i:in|to|from|of|at)|(?i:home city|home town|hometown))\s+"
    rf"(?P<phi>(?!{NOT_A_PLACE}\b){CITY})",
    CASE_SENSITIVE,
)


# `NEPHEW ARLO BEST OF TUCSON`, `dtr jo of san antonio`, `(SON IN LEEDS)`: the town a relative is of or
# lives in, after the relation word or their name.
RELATIVE_OF = regex.compile(
    r"\b(?i:" + "|".join(sorted(RELATIONS, key=len, reverse=True)) + r")[ \t]*[,:-]?"
    r"(?:[ \t]+\p{L}[\p{L}'’.-]*){0,3}?[ \t]+(?i:of|in|from)[ \t]+(?P<phi>\p{L}+(?:[ \t]\p{L}+){0,2})"
)


class CityRecognizer(GroupPatternRecognizer):
    """A city is recognised by its position: before `, STATE` (`Boston, MA 02114`) or after
    a residence cue (`lives in Springfield`)."""

    LABEL = PhiLabel.CITY
    FLAGS = CASE_SENSITIVE
    PATTERNS = [
        Pattern(
            "city_state",
            rf"{WORD_START}{CAP}(?:\s{CAP}){{0,2}}(?=,?\s+(?:{STATE_ABBR}\s+{ZIP}\b|(?!{AMBIGUOUS_STATE}\b){STATE_ANY}(?:\s+{ZIP}\b|\s*[,.\n]|\s*$)))",
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

    CONTEXT = ["city", "town", "lives", "resides"]

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._non_names = (vocabulary or philter_vocabulary()).non_names
        super().__init__()

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Cities by position, then the same city wherever else the note names it (`West Saraview, RI`
        ... `lives in West Saraview`). A one-word city that is an English word (`Mobile`) is not spread."""
        results = [
            trimmed
            for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if (trimmed := self._trim_words(text, r)) is not None
        ] + self._after_travel_cue(text) + self._relative_of(text)
        found = {text[r.start : r.end] for r in results}
        names = [c for c in found if " " in c or c.lower() not in self._english.words]
        return results + other_occurrences(text, results, names, PhiLabel.CITY.value, 0.6)

    def _trim_words(self, text: str, result: RecognizerResult) -> RecognizerResult | None:
        """`CALLED AT MN`, `R/O MI`, `RENAL, ID`, `ARRIVED FROM OSH VIA AMBULANCE`: in ALL CAPS or lower
        case, the ordinary or clinical words (or single letters) that start a `city` are not part of it
        (`LIVES IN DUNDALK, MD` is `DUNDALK`); none left, no city. In mixed case the capitals are the
        evidence (`Lake Joseph`, `East Heather`)."""
        phrase = text[result.start : result.end]
        if phrase not in (phrase.upper(), phrase.lower()):
            return result
        for word in regex.finditer(r"\S+", phrase):
            rest = phrase[word.start() :]
            if is_place(rest.lower().rstrip(",.")) or not is_vocabulary_phrase(
                word.group(), self._english, self._non_names
            ):
                result.start += word.start()
                return result
        return None

    def _relative_of(self, text: str) -> list[RecognizerResult]:
        """A listed town, not a country, after a relative (and their name) and `of`/`in`/`from`, any case; not a
        one-word town that is also a verb or an adjective (`in charge of Reading`)."""
        results = []
        for match in RELATIVE_OF.finditer(text):
            words = match.group("phi").split()
            for count in range(len(words), 0, -1):  # the longest listed town: `san antonio`
                lower = " ".join(words[:count]).lower()
                ordinary = count == 1 and self._english.has_non_noun(lower)
                if is_place(lower) and lower not in country_names() and not ordinary:
                    start = match.start("phi")
                    results.append(RecognizerResult(PhiLabel.CITY.value, start, start + len(lower), 0.5))
                    break
        return results

    def _after_travel_cue(self, text: str) -> list[RecognizerResult]:
        """`grew up in X`, `flew to X`, `originally from X`: a place unless its words are ordinary
        words (`returned to BASELINE`, `trip to Floor`) that no gazetteer lists, or it is a country."""
        results = []
        for match in TRAVEL_CUE.finditer(case_insensitive_view(text)):
            place = match.group("phi")
            lower = place.lower()
            if lower in country_names():  # not PHI under Safe Harbor: `emigrated from Haiti` stays readable
                continue
            words = lower.split()
            if any(w in STOP_WORDS for w in words):  # `BASELINE AFTER TRIP`
                continue
            if is_place(lower) or not all(self._english.has_word(w) or is_allow_listed(w) for w in words):
                results.append(RecognizerResult(PhiLabel.CITY.value, *match.span("phi"), 0.5))
        return results


def is_vocabulary_phrase(phrase: str, english: EnglishVocabulary, non_names: frozenset[str]) -> bool:
    """Every word is ordinary or clinical vocabulary (WordNet, Philter's non-names, stop words) or a
    single letter, and neither the phrase nor a word of it is a listed place (Philter's non-names hold
    town names: `Quincy`, `Springfield`)."""
    lower = phrase.lower().strip()
    if is_place(lower):
        return False
    words = regex.findall(r"[\p{L}']+", lower)
    return all(
        len(w) == 1 or (not is_place(w) and (w in STOP_WORDS or w in non_names or english.has_word(w))) for w in words
    )


PREVIOUS_PLACE_WORD = regex.compile(r"(\p{L}[\p{L}'.-]*)[ \t]*,?[ \t]*$")
ZIP_AHEAD = regex.compile(rf"[ \t]+{ZIP}\b")


class StateRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.STATE
    FLAGS = CASE_SENSITIVE
    PATTERNS = [
        Pattern("state_name", rf"\b(?i:{STATE_NAMES})\b", 0.6),
        Pattern(
            "state_after_city",
            rf"{WORD_START}{CAP},?\s+(?P<phi>{STATE_ABBR})"
            rf"(?=\s+{ZIP}\b|(?<!{AMBIGUOUS_STATE})\s*[,.\n]|(?<!{AMBIGUOUS_STATE})\s*$)",
            0.6,
        ),
    ]

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._non_names = (vocabulary or philter_vocabulary()).non_names
        super().__init__()

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """State names, and codes after a town. Without a ZIP after it, a code after an ordinary or
        clinical word is an abbreviation (`R/O MI`, `CALLED AT MN`, `RENAL, ID`)."""
        results = []
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
            if r.end - r.start == 2 and not ZIP_AHEAD.match(text, r.end):
                before = PREVIOUS_PLACE_WORD.search(text, max(0, r.start - 40), r.start)
                if before is None or is_vocabulary_phrase(before.group(1), self._english, self._non_names):
                    continue
            results.append(r)
        return results


class ZipRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.ZIP
    FLAGS = CASE_SENSITIVE
    PATTERNS = [
        Pattern("zip_after_state", rf"\b{STATE_ANY}\.?,?\s+(?P<phi>{ZIP})\b", 0.9),
        Pattern(
            "zip_keyed",
            rf"\b(?i:zip|zip code|postal code|zipcode|postcode)(?:\s+(?i:is))?\W{{0,3}}(?P<phi>{POSTCODE}|\d{{3,5}})\b",
            0.9,
        ),
    ]
