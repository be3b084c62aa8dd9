"""Facilities, wards and employers called by a short name, in any letter case.

Nursing notes name the place a patient moves to or comes from by its nickname, often with a ward
number (`TRANSFERRED TO SIBLEY 4`, `back to harbourview in am`, `admitted from good samaritan rehab`),
and the social history names employers the same way (`husband works for Raytheon`). Questions name a
hospital by its proper name alone (`treated at Lakeview Regional`, `seen at St. Brendan's`).

After a movement, care or work cue (`transferred to`, `f/u at`, `works for`), the next words are a
facility when they are proper names: words in no vocabulary (Philter's non-names, WordNet), listed
person names or places, or words hospitals are named with (`Samaritan`, `Memorial`, `Regional`). A
phrase of vocabulary words needs such a word or a facility head after it (`HOPE LODGE`), so that
`transferred to floor`, `back to baseline` and `works for the city` stay. The ward number is not part
of the name. `St./Saint` + a name is a hospital (or a town: PHI either way) anywhere, except the herb."""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deid.labels import PhiLabel
from deid.recognizers.gazetteer import country_names, is_place
from deid.recognizers.lexicon import CALENDAR_WORDS, EnglishVocabulary, first_names, is_allow_listed, last_names
from deid.recognizers.names import (
    EPONYM_HEADS,
    NON_NAME_WORDS,
    ROLES,
    SERVICE_INITIALISMS,
    TITLES,
    case_is_informative,
)
from deid.recognizers.vocabulary import philter_vocabulary

# Verbs of moving and care, of following up, and of work, each with the prepositions that introduce a
# place after it (`treated for` introduces a disease, `note for work` is no employer).
FACILITY_CUE = regex.compile(
    r"\b(?:"
    r"(?:transferr?(?:ed|ing)?|xferr?(?:ed)?|trans|admit(?:ted)?|readmit(?:ted)?|sent|back|returned|return|"
    r"returning|go|going|goes|went|came|comes|arrived|brought|taken|transported|discharged|d/c'?d|dc'?d|d/c|"
    r"seen|treated|hospitali[sz]ed|accepted|spent|stay(?:s|ed|ing)?|outpatient|bed)"
    r"(?:[ \t]+(?:back|over|here|there|him|her|them|out|up|pt|patient))?[ \t]+(?:to|from|at|in)"
    r"|(?:f/u|follow(?:ed|ing)?[ -]up)[ \t]+(?:at|with|in)"
    r"|(?:works|worked|working|employed|retired|volunteers?)[ \t]+(?:for|at|by|from|with)"
    r")[ \t]+(?:the[ \t]+)?",
    regex.IGNORECASE,
)
# A place preposition alone (`at Vanderbilt`, `from SHANDS`, `at beaumont`): only a word that is a listed
# name or place and no vocabulary, or, in mixed case, a capitalised word no vocabulary holds.
PLACE_PREPOSITION = regex.compile(r"\b(?:at|from)[ \t]+(?:the[ \t]+)?", regex.IGNORECASE)
PLACE_WORD = regex.compile(r"\p{L}[\p{L}'’&-]*(?<=[\p{L}])(?:['’]s)?|\p{L}")
GAP = regex.compile(r"[ \t]{1,2}")
MAX_NAME_WORDS = 3
# Where patients go that is not a named place (`transferred to floor`, `back to OR`, `sent to CT`).
CARE_PLACES = frozenset(
    """icu ccu micu sicu cvicu csru nicu picu pacu ed er or ir pcu tcu step stepdown floor unit ward bed room
    bay home house hospital rehab rehabilitation snf ltac ltach alf hospice clinic office facility nursing
    baseline sleep lab ct mri us cath endo endoscopy radiology dialysis hd surgery pt ot chair commode bathroom
    shower work school jail prison shelter church outside osh another same his her their my our its this that
    which where it there here them him me us you""".split()
)
# Heads that end a facility's name (`Good Samaritan Rehab`, `Hope Lodge`, `Mayo Clinic`).
FACILITY_HEADS = frozenset(
    """rehab rehabilitation hospital clinic center centre lodge house manor village hospice snf ltac ltach
    facility infirmary institute campus home gardens terrace""".split()
)
# Words that hospitals are named with, though they are vocabulary (`Good Samaritan`, `Union Memorial`,
# `Mass General`, `Mercy`, `Lakeview Regional`).
HOSPITAL_NAME_WORDS = frozenset(
    """samaritan memorial regional general community presbyterian methodist baptist lutheran adventist
    episcopal deaconess mercy providence shriners charity sacred holy shepherd""".split()
)
SAINT = regex.compile(
    r"\b(?i:st|ste|saint)\.?[ \t]+(?P<name>\p{L}[\p{L}-]*)(?:['’]s?)?(?![\p{L}'’])(?![ \t]+(?i:wort)\b)"
)
# `Lakeview Regional`; not `Attorney General` (a vocabulary word before the ending).
HOSPITAL_ENDING = regex.compile(
    r"\b(?P<name>\p{Lu}[\p{L}'’-]+)[ \t]+(?P<ending>Regional|Memorial|General|Community|Presbyterian|Methodist|"
    r"Baptist|Mercy|Samaritan)\b"
)


class FacilityNameRecognizer(EntityRecognizer):
    SCORE = 0.6

    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__(supported_entities=[PhiLabel.HOSPITAL.value], name="FacilityNameRecognizer")

    def load(self) -> None:
        philter = philter_vocabulary()
        self._vocabulary = philter.non_names
        self._names = philter.first_names | philter.last_names | first_names() | last_names()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        informative = case_is_informative(text.split())
        results = []
        for cue in FACILITY_CUE.finditer(text):
            span = self._name_after(text, cue.end(), informative)
            if span:
                results.append(RecognizerResult(PhiLabel.HOSPITAL.value, *span, self.SCORE))
        cued = {r.start for r in results}
        for place in PLACE_PREPOSITION.finditer(text):
            word = PLACE_WORD.match(text, place.end())
            if word is None or word.start() in cued or self._eponym_follows(text, word.end()):
                continue  # `tender at McBurney's point`
            if self._named_place(word.group(), informative):
                results.append(RecognizerResult(PhiLabel.HOSPITAL.value, word.start(), word.end(), self.SCORE))
        for saint in SAINT.finditer(text):
            name = saint.group("name").lower()
            if self._proper(name) and (not informative or saint.group("name")[0].isupper()):
                results.append(RecognizerResult(PhiLabel.HOSPITAL.value, saint.start(), saint.end(), self.SCORE))
        if informative:
            for match in HOSPITAL_ENDING.finditer(text):
                if not self._is_vocabulary(match.group("name").lower()):
                    results.append(RecognizerResult(PhiLabel.HOSPITAL.value, match.start(), match.end(), self.SCORE))
        return results

    def _is_vocabulary(self, lower: str) -> bool:
        return lower in STOP_WORDS or lower in self._vocabulary or self._english.has_word(lower)

    def _proper(self, lower: str) -> bool:
        """A word that names something: in no vocabulary, a person's name no vocabulary holds, or a place."""
        if lower in CARE_PLACES or lower in STOP_WORDS or lower in CALENDAR_WORDS or is_allow_listed(lower):
            return False
        if lower in SERVICE_INITIALISMS or lower in ROLES or lower in NON_NAME_WORDS:
            return False
        return not self._is_vocabulary(lower) or is_place(lower) or (
            lower in self._names and lower not in self._vocabulary
        )

    @staticmethod
    def _eponym_follows(text: str, end: int) -> bool:
        following = PLACE_WORD.search(text, end, min(len(text), end + 24))
        return following is not None and following.group().lower() in EPONYM_HEADS | {"point"}

    def _named_place(self, word: str, informative: bool) -> bool:
        """After a bare `at`/`from`: stricter than after a movement cue (`at bedside`, `at HS`). A
        country is not PHI (Safe Harbor): `emigrated from India` stays."""
        lower = regex.sub(r"['’]s$", "", word.lower())
        if not self._proper(lower) or lower in country_names():
            return False
        if informative:
            return word[0].isupper() and not (word.isupper() and len(word) <= 3)
        return lower in self._names or is_place(lower)

    def _name_after(self, text: str, at: int, informative: bool) -> tuple[int, int] | None:
        """The facility name starting at `at`, or None: up to three words, then facility heads."""
        words: list[regex.Match[str]] = []
        position = at
        while len(words) < MAX_NAME_WORDS + 2:
            word = PLACE_WORD.match(text, position)
            if word is None:
                break
            lower = regex.sub(r"['’]s$", "", word.group().lower())
            capitalised = word.group()[0].isupper()
            if informative and not capitalised:
                break  # mixed case: a facility's name is capitalised
            head = lower in FACILITY_HEADS
            if head and not words:
                break  # `back to rehab`, `sent to hospital`
            if not head and (lower in CARE_PLACES or lower in STOP_WORDS or lower.rstrip(".") in TITLES):
                break  # `seen by dr brennan`: the name recognizer takes a person
            if not head and (lower in NON_NAME_WORDS or lower.split("-")[0] in EPONYM_HEADS):
                return None  # `admitted to General Medicine`, `Osgood-Schlatter disease`
            words.append(word)
            gap = GAP.match(text, word.end())
            if gap is None:
                break
            position = gap.end()
        return self._accept(words)

    def _accept(self, words: list[regex.Match[str]]) -> tuple[int, int] | None:
        lowers = [regex.sub(r"['’]s$", "", w.group().lower()) for w in words]
        # The name part: words before the first head (at most three), then the heads that follow it.
        name_end = next((k for k, w in enumerate(lowers) if w in FACILITY_HEADS), len(lowers))
        name_end = min(name_end, MAX_NAME_WORDS)
        heads_end = name_end
        while heads_end < len(lowers) and lowers[heads_end] in FACILITY_HEADS:
            heads_end += 1
        if name_end == 0:
            return None
        name = lowers[:name_end]
        proper = [self._proper(w) for w in name]
        named = any(w in HOSPITAL_NAME_WORDS for w in name)
        if not (any(proper) or named or heads_end > name_end):
            return None
        if not all(p or self._is_vocabulary(w) for p, w in zip(proper, name, strict=True)):
            return None
        if not any(proper) and not named and any(self._clinical(w) for w in name):
            return None  # `cardiac rehab`, `acute rehab`, `nursing home`
        # A proper word ends the name when the next words are vocabulary and no head follows.
        last = heads_end if heads_end > name_end else max(k + 1 for k, p in enumerate(proper) if p or named)
        return words[0].start(), words[last - 1].end()

    def _clinical(self, lower: str) -> bool:
        """Vocabulary that describes care, not a name: no name list holds it."""
        return lower not in self._names or lower in CARE_PLACES
