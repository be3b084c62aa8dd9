"""What a word may be in a person's name, by the name lists, the vocabularies and its shape, and the
per-note state the name recognizer reads (line breaks, spacing, whether letter case is evidence)."""

from __future__ import annotations

import re
import threading

from spacy.lang.en.stop_words import STOP_WORDS

from deid.recognizers.lexicon import (
    CALENDAR_WORDS,
    COMMON_WORD_NAMES,
    EnglishVocabulary,
    first_names,
    is_allow_listed,
    last_names,
    strong_names,
)
from deid.recognizers.lexicon.people import (
    CLINICIAN_ACTIONS,
    CUE_WORDS,
    NON_NAME_WORDS,
    ROLES,
    SERVICE_INITIALISMS,
    UNIT_INITIALISMS,
)
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary

WORD_RE = re.compile(r"[^\W\d_][^\W\d_'’\-]*(?:['’][^\W\d_]+)?")
INITIAL_RE = re.compile(r"[A-Z]\.?")
TITLE_CASE_RE = re.compile(r"[^\W\d_][^\W\d_A-Z'’\-]+(?:[-'’][^\W\d_]+)*")
OBJECT_PRONOUNS = frozenset("him her me them".split())
CONJUNCTIONS = frozenset({"and", "&"})
INITIALS_RE = re.compile(r"[A-Z]{2,3}")
SIGNATURE_RE = re.compile(r"-{1,2}[A-Z]{2,3}")  # `-WR`, one token
# `-rk rn`, `-JS RN`: initials glued to a dash, then a credential, in any case.
SIGNED_INITIALS_RE = re.compile(r"-{1,2}[^\W\d_]{2,3}")
PHONE_START_RE = re.compile(r"\(?\d{3}")  # `cell 617-...`, `cell (617)`
# `O'CEALLAIGH`, `d'amico`: an Irish or Italian surname prefix, a name by its shape in any case.
NAME_PREFIX_RE = re.compile(r"[OoDd]['’][^\W\d_]{3,}")
POSSESSIVE_TOKENS = frozenset({"'s", "’s", "'", "’"})
HYPHENS = frozenset({"-", "'", "’"})

SCORE_CUE = 0.9
SCORE_LIST = 0.75
SCORE_RELATION = 0.6


class NameWords:
    """Word classes of the name recognizer; `NameRecognizer` sets the vocabularies and the note state."""

    _english: EnglishVocabulary
    _philter: PhilterVocabulary | None
    _note: threading.local

    @property
    def _breaks(self) -> list[bool]:
        return self._note.breaks

    @property
    def _spaced(self) -> list[bool]:
        return self._note.spaced

    @property
    def _informative(self) -> bool:
        return self._note.informative

    def load(self) -> None:
        self._first = first_names()
        self._last = last_names()
        self._strong = strong_names()
        self._strong_or_common = self._strong | COMMON_WORD_NAMES
        philter = self._philter or philter_vocabulary()
        self._vocabulary = philter.non_names
        # Philter's name lists, less the words its own vocabulary holds (`union`, `hope`, `regional`):
        # evidence in a name-like position only (they also hold clinical initialisms such as `HOH`).
        self._philter_names = (philter.first_names | philter.last_names) - philter.non_names

    def _in_lists(self, lower: str) -> bool:
        return lower in self._first or lower in self._last

    def _is_english(self, lower: str) -> bool:
        """Ordinary or medical vocabulary: WordNet, stop words, or Philter's non-name words."""
        return self._english.has_word(lower) or lower in STOP_WORDS or lower in self._vocabulary

    def _suspect(self, lower: str) -> bool:
        """In a name-like position (after a relation, a role, a title), a listed name or a word that no
        vocabulary knows; a vocabulary word there needs a stronger cue (Philter's idea, targeted)."""
        if WORD_RE.fullmatch(lower) is None or lower in CALENDAR_WORDS or lower in SERVICE_INITIALISMS:
            return False
        if lower in ROLES or lower in NON_NAME_WORDS:
            return False
        if is_allow_listed(lower) and lower not in self._first:
            return False  # `TED stockings` is caught by the eponym check; `SON TED` is a name
        if lower in self._vocabulary:
            return lower in self._strong and lower not in COMMON_WORD_NAMES and lower not in STOP_WORDS
        return self._in_lists(lower) or lower in self._philter_names or not self._is_english(lower)

    def _is_ambiguous(self, lower: str) -> bool:
        """A list name that is also an ordinary word: needs a cue or a neighbouring name."""
        return (
            lower in COMMON_WORD_NAMES
            or lower in CLINICIAN_ACTIONS  # `RT DREW ABG`
            or lower in STOP_WORDS
            or is_allow_listed(lower)
            or self._english.has_non_noun(lower)
            or ((self._english.has_word(lower) or lower in self._vocabulary) and lower not in self._strong)
        )

    def _shaped(self, word: str) -> bool:
        """Could be part of a name, by form alone."""
        if WORD_RE.fullmatch(word) is None:
            return False
        if self._informative and (not word[0].isupper() or (word.isupper() and len(word) <= 4)):
            return False  # lower case, or an acronym (GERD, AKI) in a mixed-case note
        lower = word.lower()
        return (
            lower not in NON_NAME_WORDS and lower not in STOP_WORDS and lower not in CUE_WORDS and lower not in ROLES
        )

    def _initial(self, word: str) -> bool:
        return is_dotted_initial(word, any_case=not self._informative)

    def _plausible_name(self, word: str) -> bool:
        """With a strong cue, any case: a listed name or a word that is not ordinary English."""
        if WORD_RE.fullmatch(word) is None:
            return False
        lower = word.lower()
        if lower in CUE_WORDS or lower in CALENDAR_WORDS or lower in STOP_WORDS:
            return False
        if INITIALS_RE.fullmatch(word):
            return lower not in UNIT_INITIALISMS  # `PR RN` signs; `ICU RN` does not
        return lower not in NON_NAME_WORDS and (self._in_lists(lower) or not self._is_english(lower))

    def _cued_name_word(self, word: str) -> bool:
        """After a structural cue (title, field label, relation with `Last, First`): a name unless it
        is ordinary vocabulary used as a verb, adjective or adverb. WordNet also lists surnames and
        towns as nouns (`Yamamoto`, `Romer`, `Concepcion`), so a noun does not rule a name out."""
        if WORD_RE.fullmatch(word) is None:
            return False
        lower = word.lower()
        if lower in CUE_WORDS or lower in CALENDAR_WORDS or lower in STOP_WORDS or lower in NON_NAME_WORDS:
            return False
        if is_allow_listed(lower):
            return False
        if lower in self._vocabulary and lower not in self._strong_or_common and not self._in_lists(lower):
            return False  # `dr brenan spoke`: Philter's vocabulary holds no surname WordNet lists as a noun
        # A census-list name (`Rose`, `Bud`) or a name that is a word (`Ruby`, `Young`) counts even when it
        # is also a verb or an adjective.
        return lower in self._strong or lower in COMMON_WORD_NAMES or not self._english.has_non_noun(lower)

    def _eponym_surname(self, word: str) -> bool:
        """After a title, a surname that is also a medical eponym (`DR MURPHY`, `dr.morse`, `Dr. Foley`)."""
        lower = word.lower()
        return WORD_RE.fullmatch(word) is not None and is_allow_listed(lower) and self._in_lists(lower) and (
            lower not in CALENDAR_WORDS
        )

    def _given_name_after_comma(self, word: str) -> bool:
        """The first name of a cued `LAST, FIRST` (`wife BUI, YEN`): any name-shaped word but a function,
        calendar or clinical word, or an adjective or a verb that is not a listed name (`AWARE`)."""
        lower = word.lower()
        if self._cued_name_word(word):
            return True
        if WORD_RE.fullmatch(word) is None or is_allow_listed(lower) or lower in STOP_WORDS or lower in CUE_WORDS:
            return False
        if lower in NON_NAME_WORDS or lower in ROLES or lower in CALENDAR_WORDS:
            return False
        return self._in_lists(lower) or not self._is_english(lower)


def bare_lower(token_text: str) -> str:
    return token_text.lower().rstrip(".")


def is_dotted_initial(token_text: str, any_case: bool = False) -> bool:
    """`J.`; in an all-lower-case note also `j.`."""
    return len(token_text) == 2 and token_text[1] == "." and (token_text[0].isupper() or (
        any_case and token_text[0].isalpha()))
