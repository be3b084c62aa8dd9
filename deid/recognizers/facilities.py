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
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary

# Verbs of moving and care, of following up, and of work, each with the prepositions that introduce a
# place after it (`treated for` introduces a disease, `note for work` is no employer).
FACILITY_CUE = regex.compile(
    r"\b(?:"
    r"(?:transferr?(?:ed|ing)?|xferr?(?:ed)?|trans|admit(?:ted)?|readmit(?:ted)?|sent|back|returned|return|"
    r"returning|go|going|goes|went|came|comes|arrived|brought|taken|transported|discharged|d/c'?d|dc'?d|d/c|"
    r"seen|treated|hospitali[sz]ed|accepted|spent|stay(?:s|ed|ing)?|outpatient|bed)"
    r"(?:[ \t]+(?:back|over|here|there|him|her|them|out|up|pt|patient))?[ \t]+(?:to|from|at|in)"
    r"|(?:f/u|follow(?:ed|ing)?[ -]up)[ \t]+(?:at|with|in)"
    r"|(?:works|worked|working|employed|retired|volunteers?)(?:[ \t]+as[ \t]+an?(?:[ \t]+\p{L}+){1,3}?)?"
    r"[ \t]+(?:for|at|by|from|with)"
    r")[ \t]+(?:the[ \t]+)?",
    regex.IGNORECASE,
)
# A place preposition alone (`at Vanderbilt`, `from SHANDS`, `at beaumont`): only a word that is a listed
# name or place and no vocabulary, or, in mixed case, a capitalised word no vocabulary holds.
PLACE_PREPOSITION = regex.compile(r"\b(?:(?:at|from)[ \t]+(?:the[ \t]+)?|in[ \t]+the[ \t]+)", regex.IGNORECASE)
PLACE_WORD = regex.compile(r"\p{L}[\p{L}'’&-]*(?<=[\p{L}])(?:['’](?i:s))?|\p{L}")
POSSESSIVE = regex.compile(r"['’]s$")
GAP = regex.compile(r"[ \t]{1,2}")
MAX_NAME_WORDS = 3
# Where patients go that is not a named place (`transferred to floor`, `back to OR`, `sent to CT`).
CARE_PLACES = frozenset(
    """icu ccu micu sicu cvicu csru nicu picu pacu ed er or ir pcu tcu step stepdown floor unit ward bed room rm pod
    bay home house hospital rehab rehabilitation snf ltac ltach alf hospice clinic office facility nursing
    baseline sleep lab ct mri us cath endo endoscopy radiology dialysis hd surgery pt ot chair commode bathroom
    shower work school jail prison shelter church outside osh another same his her their my our its this that
    which where it there here them him me us you""".split()
)
# Heads that end a facility's name (`Hope Lodge`, `Mayo Clinic`, `Larkspur Manor`), and generic ones
# written after a short name, evidence but not part of it (`maple crest nh`, `kessington icu`).
FACILITY_HEADS = frozenset(
    """hospital clinic center centre lodge house manor village hospice infirmary institute campus gardens
    terrace inn""".split()
)
GENERIC_HEADS = frozenset("rehab snf ltac ltach nh icu er ed facility home".split())
# Qualifiers of a care unit that are nouns too (`trauma icu`, `stroke rehab`): not a name.
CARE_QUALIFIERS = frozenset(
    """trauma stroke burn neuro cardiac surgical medical transplant step down acute subacute inpatient
    outpatient pediatric adult psych geri geriatric pulmonary cardiothoracic oncology day night nursing
    skilled assisted senior care respite memory""".split()
)
# Words that hospitals are named with, though they are vocabulary (`Good Samaritan`, `Union Memorial`,
# `Mass General`, `Mercy`, `Lakeview Regional`).
HOSPITAL_NAME_WORDS = frozenset(
    """samaritan memorial regional general community presbyterian methodist baptist lutheran adventist
    episcopal deaconess mercy providence shriners charity sacred holy shepherd""".split()
)
SAINT = regex.compile(
    r"\b(?i:st|ste|saint)\.?[ \t]+(?P<name>\p{L}[\p{L}-]*)(?:['’](?i:s)?)?(?![\p{L}'’])(?![ \t]+(?i:wort)\b)"
)
# `Lakeview Regional`; not `Attorney General` (a vocabulary word before the ending).
HOSPITAL_ENDING = regex.compile(
    r"\b(?P<name>\p{Lu}[\p{L}'’-]+)[ \t]+(?P<ending>Regional|Memorial|General|Community|Presbyterian|Methodist|"
    r"Baptist|Mercy|Samaritan)\b"
)


class FacilityNameRecognizer(EntityRecognizer):
    SCORE = 0.6

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._philter = vocabulary
        super().__init__(supported_entities=[PhiLabel.HOSPITAL.value], name="FacilityNameRecognizer")

    def load(self) -> None:
        philter = self._philter or philter_vocabulary()
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
            headed = self._name_after(text, place.end(), informative, require_head=True)
            if headed:
                results.append(RecognizerResult(PhiLabel.HOSPITAL.value, *headed, self.SCORE))
            elif place.group().lower().startswith(("at", "from")) and self._named_place(word.group(), informative):
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

    def _name_after(
        self, text: str, at: int, informative: bool, require_head: bool = False
    ) -> tuple[int, int] | None:
        """The facility name starting at `at`, or None: up to three name words, then the heads that end
        the name (inside the span) or a generic head (`nh`, `icu`, `rehab`: evidence, outside it)."""
        words: list[tuple[regex.Match[str], str]] = []
        position = at
        while len(words) < MAX_NAME_WORDS + 2:
            word = PLACE_WORD.match(text, position)
            if word is None:
                break
            lower = POSSESSIVE.sub("", word.group().lower())
            if informative and not word.group()[0].isupper() and lower not in GENERIC_HEADS:
                break  # mixed case: a facility's name is capitalised
            if lower in GENERIC_HEADS:
                words.append((word, lower))
                break
            ends = lower in CARE_PLACES or lower in STOP_WORDS or lower.rstrip(".") in TITLES
            if ends and lower not in FACILITY_HEADS:
                break  # `transferred to floor`; `seen by dr brennan`: the name recognizer takes a person
            if lower in NON_NAME_WORDS or lower.split("-")[0] in EPONYM_HEADS:
                return None  # `admitted to General Medicine`, `Osgood-Schlatter disease`
            words.append((word, lower))
            gap = GAP.match(text, word.end())
            if gap is None:
                break
            position = gap.end()
        return self._accept(words, informative, require_head)

    def _accept(
        self, words: list[tuple[regex.Match[str], str]], informative: bool, require_head: bool
    ) -> tuple[int, int] | None:
        """`require_head`: after a bare preposition (`fell at maple crest nh`, `in the kessington icu`)."""
        generic = bool(words) and words[-1][1] in GENERIC_HEADS
        if generic:
            words = words[:-1]
        name_end = next((k for k, (_, w) in enumerate(words) if w in FACILITY_HEADS), len(words))
        if name_end == 0 or name_end > MAX_NAME_WORDS:
            return None
        heads_end = name_end
        while heads_end < len(words) and words[heads_end][1] in FACILITY_HEADS:
            heads_end += 1
        name = [w for _, w in words[:name_end]]
        proper = [
            self._proper(w) or (informative and self._capitalised_name(m.group(), w)) for m, w in words[:name_end]
        ]
        named = any(w in HOSPITAL_NAME_WORDS for w in name)
        headed = heads_end > name_end or generic
        if require_head and not headed:
            return None
        if any(proper) or named:
            # Without a head, the name ends at its last proper word (`Raytheon` of `Raytheon Labs`).
            last = heads_end if headed else max(k + 1 for k, p in enumerate(proper) if p or named)
            return words[0][0].start(), words[last - 1][0].end()
        # Vocabulary words only: a name when a head follows and they are nouns that describe no care
        # (`maple crest nh`, `Larkspur Manor`), not `cardiac rehab`, `trauma icu`, `nursing home`.
        if headed and all(self._plain_noun(w) for w in name):
            return words[0][0].start(), words[heads_end - 1][0].end()
        return None

    def _capitalised_name(self, word: str, lower: str) -> bool:
        """Mixed case: a capitalised word that WordNet does not know (`Pfizer`, `Aramark`) is a name even
        when Philter lists it, unless it is a care place or a service."""
        return word[0].isupper() and not self._english.has_word(lower) and not (
            lower in CARE_PLACES or lower in NON_NAME_WORDS or lower in SERVICE_INITIALISMS or lower in ROLES
            or is_allow_listed(lower) or lower in STOP_WORDS or lower in CALENDAR_WORDS
        )

    def _plain_noun(self, lower: str) -> bool:
        return (
            lower not in CARE_QUALIFIERS
            and lower not in CARE_PLACES
            and (lower in self._names or self._english.has_word(lower))
        )
