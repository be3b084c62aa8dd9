"""The facility or employer name that starts where a cue ends: up to three name words and the heads
that end it (`Hope Lodge`, `maple crest nh`), a named ward (`BROWN 2`), the option after `vs`."""

from __future__ import annotations

import regex
from spacy.lang.en.stop_words import STOP_WORDS

from deid.recognizers.facility_words import FacilityWords
from deid.recognizers.lexicon import CALENDAR_WORDS
from deid.recognizers.lexicon.people import EPONYM_HEADS, NON_NAME_WORDS, ROLES, TITLES
from deid.recognizers.lexicon.places import (
    ADMITTING_SERVICES,
    ALTERNATIVES,
    CARE_PLACES,
    CARE_QUALIFIERS,
    DETERMINERS,
    EMPLOYER_STOPS,
    FACILITY_HEADS,
    GENERIC_EMPLOYERS,
    GENERIC_HEADS,
    HOLIDAYS,
    HOSPITAL_NAME_WORDS,
    NAME_PART_WORDS,
    STREET_WORDS,
    TIME_WORDS,
)

PLACE_WORD = regex.compile(r"\p{L}[\p{L}'’&-]*(?<=[\p{L}])(?:['’](?i:s))?|\p{L}")
POSSESSIVE_SUFFIX = regex.compile(r"['’]s$")
GAP = regex.compile(r"[ \t]{1,2}(?:&[ \t]{1,2})?")
MAX_NAME_WORDS = 3
# A ward or building named by a word and its floor (`TRANSFER TO BROWN 2`, `came up from Woods 8`).
WARD_NUMBER = regex.compile(r"[ \t]{1,2}\d{1,2}[A-Za-z]?(?![\w/:.%-]|\.\d)")
ALTERNATIVE = regex.compile(
    r"(?:[ \t]+(?:ltach|ltac|snf|rehab|nh|alf))?[ \t]+(?:vs\.?|versus|or)[ \t]+(?:the[ \t]+)?", regex.IGNORECASE
)


class FacilityPhrases(FacilityWords):
    """Phrase reading of the facility recognizer: facility names after movement cues, employers after
    work cues."""

    def _name_after(
        self, text: str, at: int, informative: bool, require_head: bool = False, strict: bool = False
    ) -> tuple[int, int] | None:
        """The facility name starting at `at`, or None: up to three name words, then the heads that end
        the name (inside the span) or a generic head (`nh`, `icu`, `rehab`: evidence, outside it).
        `strict`: after a cue that also introduces diseases, only proper words or a head count."""
        words: list[tuple[regex.Match[str], str]] = []
        position = at
        ward = False
        while len(words) < MAX_NAME_WORDS + 2:
            word = PLACE_WORD.match(text, position)
            if word is None:
                break
            lower = POSSESSIVE_SUFFIX.sub("", word.group().lower())
            if informative and not word.group()[0].isupper() and lower not in GENERIC_HEADS:
                break  # mixed case: a facility's name is capitalised
            if lower in GENERIC_HEADS:
                words.append((word, lower))
                break
            ends = (
                lower in CARE_PLACES or lower in STOP_WORDS or lower in ALTERNATIVES or lower in TIME_WORDS
                or lower.rstrip(".") in TITLES
            )
            if (ends and lower not in FACILITY_HEADS) or lower in CALENDAR_WORDS or lower in HOLIDAYS:
                break  # `transferred to floor`; `seen by dr brennan`: the name recognizer takes a person
            if text.startswith("/", word.end()):
                break  # `W/ RASH`, `s/p`
            service = lower in NON_NAME_WORDS and lower not in FACILITY_HEADS | NAME_PART_WORDS | STREET_WORDS
            if service or lower in ADMITTING_SERVICES or lower in ROLES or lower.split("-")[0] in EPONYM_HEADS:
                return None  # `admitted to General Medicine`, `Osgood-Schlatter disease`
            words.append((word, lower))
            if WARD_NUMBER.match(text, word.end()):
                ward = True  # `TRANSFER TO BROWN 2`: a named ward and its floor
                break
            gap = GAP.match(text, word.end())
            if gap is None:
                break
            position = gap.end()
        return self._accept(words, informative, require_head, ward and not strict, strict)

    def _accept(
        self,
        words: list[tuple[regex.Match[str], str]],
        informative: bool,
        require_head: bool,
        ward: bool = False,
        strict: bool = False,
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
        proper = [self._proper(w) or (informative and self._capitalised(m.group(), w)) for m, w in words[:name_end]]
        named = not strict and (
            any(w in HOSPITAL_NAME_WORDS for w in name) or (len(name) > 1 and any(w in NAME_PART_WORDS for w in name))
        )
        headed = heads_end > name_end or generic
        if require_head and not headed:
            return None
        if informative and not require_head and not strict and len(name) > 1 and not any(
            self._not_a_name(w) or w in CARE_QUALIFIERS for w in name
        ):  # mixed case, after a movement cue: `transferred from the Royal Free`
            return words[0][0].start(), words[heads_end - 1][0].end()
        if any(proper) or named:
            # Without a head, the name ends at its last proper word (`Raytheon` of `Raytheon Labs`).
            last = heads_end if headed else max(k + 1 for k, p in enumerate(proper) if p or named)
            while not headed and last < name_end and self._name_noun(name[last]):
                last += 1  # `BACK TO CHARING CROSS WHEN`: a noun after the proper word is part of the name
            return words[0][0].start(), words[last - 1][0].end()
        if ward and len(name) == 1 and not self._not_a_name(name[0]) and name[0] not in CARE_QUALIFIERS:
            return words[0][0].start(), words[0][0].end()
        # Vocabulary words only: a name when a head follows and they are nouns that describe no care
        # (`maple crest nh`, `Larkspur Manor`), not `cardiac rehab`, `trauma icu`, `nursing home`.
        if headed and all(self._plain_noun(w) for w in name):
            return words[0][0].start(), words[heads_end - 1][0].end()
        return None

    def _employer_after(
        self, text: str, at: int, informative: bool, after_the: bool, named: bool = False
    ) -> tuple[int, int] | None:
        """After a work cue or `OSH was`: the next one to four words up to punctuation, a number or a
        function word, unless they are a kind of work or a generic employer. `named` (after `OSH was`):
        nouns and names only, not a finding (`OSH WAS INTUBATED`, `osh was negative`)."""
        words: list[regex.Match[str]] = []
        position = at
        while len(words) < MAX_NAME_WORDS + 1:
            word = PLACE_WORD.match(text, position)
            if word is None or text.startswith("/", word.end()):
                break  # `w/`
            lower = word.group().lower()
            if lower in STOP_WORDS or lower in EMPLOYER_STOPS or lower.rstrip(".") in TITLES:
                break
            if informative and words and not word.group()[0].isupper():
                break  # `works for Raytheon nights`
            words.append(word)
            gap = GAP.match(text, word.end())
            if gap is None:
                break
            position = gap.end()
        if not words or not self._employer_words(" ".join(w.group() for w in words), after_the):
            return None
        if named and not (informative and words[0].group()[0].isupper()) and any(
            self._english.has_non_noun(w.group().lower()) and not self._proper(w.group().lower()) for w in words
        ):
            return None
        if informative and not words[0].group()[0].isupper():
            return None  # mixed case: `works for a living` is caught above, `works for hospice care` here
        return words[0].start(), words[-1].end()

    def _employer_words(self, phrase: str, after_the: bool) -> bool:
        words = [POSSESSIVE_SUFFIX.sub("", w.lower()) for w in PLACE_WORD.findall(phrase)]
        if not words or words[0] in DETERMINERS or any(w.endswith("ing") and self._is_vocabulary(w) for w in words):
            return False  # `works for a bank`, `retired from teaching`
        if all(w in GENERIC_EMPLOYERS or w in CARE_PLACES or w in CARE_QUALIFIERS for w in words):
            return False  # `works for the city`, `retired from the post office`
        if len(words) == 1 and (self._not_a_name(words[0]) or words[0] in ROLES):
            return False
        # After `the`, ordinary words are a generic employer (`the railroad`); a name is not (`the MBTA`).
        return not after_the or any(self._proper(w) or w in HOSPITAL_NAME_WORDS | NAME_PART_WORDS for w in words)

    def _alternatives(self, text: str, spans: list[tuple[int, int]], informative: bool) -> list[tuple[int, int]]:
        """`hebrew seniorlife vs kindred ltach`: the option after `vs` in a placement line, a proper word
        or one before a facility head."""
        found = []
        for _, end in spans:
            alternative = ALTERNATIVE.match(text, end)
            if alternative:
                span = self._name_after(text, alternative.end(), informative, strict=True)
                if span:
                    found.append(span)
        return found
